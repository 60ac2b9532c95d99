"""Pause Python's cyclic garbage collector around allocation-heavy work.

Scanning, deriving and (un)pickling build hundreds of thousands of small acyclic
objects; each allocation burst triggers full collections that find nothing. Pausing
the collector for the burst and restoring it afterwards is the standard remedy.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
