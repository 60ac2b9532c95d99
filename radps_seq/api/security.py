"""Two ASGI guards in front of every route: the bearer token and the body size limit.

They are plain ASGI middleware (not FastAPI dependencies) so that they also cover the
static page, the OpenAPI document and requests no route matches, and so that an
oversized body is refused while it streams in, before anything parses it.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

#: Paths answered without a token: the liveness probe, and the static page, which
#: holds no data (its script sends the token with every API call it makes).
OPEN_PATHS = frozenset({"/health", "/", "/static/app.js", "/static/style.css"})


async def _reply(send: Any, status: int, detail: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    *headers],
    })
    await send({"type": "http.response.body", "body": body})


class TokenGuard:
    """``Authorization: Bearer <token>`` on every request but :data:`OPEN_PATHS`,
    compared in constant time; anything else is 401."""

    def __init__(self, app: Any, token: str | None) -> None:
        self.app = app
        self.token = token.encode() if token else None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self.token is None or scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        given = b""
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                given = value
        scheme, _, credential = given.partition(b" ")
        ok = hmac.compare_digest(credential.strip(), self.token) and scheme.lower() == b"bearer"
        if not ok:
            await _reply(send, 401, "missing or wrong bearer token (Authorization: Bearer <token>)",
                         [(b"www-authenticate", b'Bearer realm="radps-seq"')])
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, by header or while streaming."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reply(send, 400, "Content-Length is not a number")
                    return
                if declared > self.limit:
                    await _reply(send, 413, f"request body over the limit of {self.limit} bytes")
                    return
        chunks, size, more = [], 0, True
        while more:  # read the body here (at most limit bytes), then hand it on whole
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await _reply(send, 413, f"request body over the limit of {self.limit} bytes")
                return
        await self.app(scope, _replay([{"type": "http.request", "body": b"".join(chunks)}], receive), send)


def _replay(messages: list[dict], then: Any = None) -> Any:
    """A receive callable giving ``messages`` first, then whatever ``then`` gives."""
    pending = list(messages)

    async def receive() -> dict:
        if pending:
            return pending.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive
