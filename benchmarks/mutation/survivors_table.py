"""The table of surviving mutants, one row each, with its verdict and reason.

Reads the results written by ``run_mutation.py`` and the verdicts in
``classification.json`` (mutant id -> ``[verdict, reason]``, verdict ``equivalent``:
no input can tell the mutant from the original, or ``accepted``: a real difference left
untested, for the reason given), and writes ``survivors.md``. A survivor without a
verdict is listed as ``unclassified`` and counted, so a new survivor cannot hide.

Usage::

    .venv/bin/python benchmarks/mutation/survivors_table.py [--results benchmarks/mutation/results.json]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent


def rows(results: dict, verdicts: dict[str, list[str]]) -> list[tuple[str, ...]]:
    """One row per survivor: id, module:line, change, status, verdict, reason."""
    out = []
    for mutant, info in sorted(results["survivors"].items(), key=lambda kv: (kv[1]["module"], kv[1]["line"] or 0, kv[0])):
        verdict, reason = verdicts.get(mutant, ("unclassified", ""))
        short = mutant.removeprefix("radps_seq.")
        where = f"{info['module'].removeprefix('radps_seq/')}:{info['line'] or '?'}"
        change = info["change"].replace("|", "\\|")
        out.append((short, where, change, info["status"], verdict, reason))
    return out


def table(results: dict, verdicts: dict[str, list[str]]) -> str:
    found = rows(results, verdicts)
    counts = Counter(row[4] for row in found)
    lines = [
        "# Surviving mutants, one by one",
        "",
        f"Run: {results['date']}, {results['machine']}, Python {results['python']}; "
        f"command `{results['command']}`.",
        f"Score {results['killed']}/{results['scored']} = {100 * results['score']:.1f} %. "
        f"Survivors: {len(found)} ("
        + ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
        + ").",
        "",
        "| mutant | module:line | change | status | verdict | reason |",
        "|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(f"`{c}`" if i in (0, 2) and c else c for i, c in enumerate(row)) + " |"
              for row in found]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--verdicts", type=Path, default=HERE / "classification.json")
    parser.add_argument("--out", type=Path, default=HERE / "survivors.md")
    args = parser.parse_args()
    results = json.loads(args.results.read_text())
    verdicts = json.loads(args.verdicts.read_text()) if args.verdicts.exists() else {}
    args.out.write_text(table(results, verdicts))
    unclassified = sum(1 for row in rows(results, verdicts) if row[4] == "unclassified")
    print(f"{len(results['survivors'])} survivors written to {args.out}; {unclassified} unclassified")


if __name__ == "__main__":
    main()
