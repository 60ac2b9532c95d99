"""The results file of a comparison (``radps-seq compare --report FILE``).

A figure without its provenance cannot be checked, so the report opens with what was
run, where and when, and which numbers come from real traces and which from
simulation; then summaries before detail: k = auto (where the order matters most)
before the scarce-worker range, every row a mean over test instances with its 95 %
bootstrap interval and the worst instance; then one table per family, the CP-SAT
yardstick of every instance, and the choices made on validation folds.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from radps_seq.experiments.config import ExperimentConfig
    from radps_seq.experiments.harness import ComparisonResult

#: What each kind of data source is, for the provenance line.
PROVENANCE = {
    "wfcommons": "**real traces** (WfCommons, recorded with Pegasus; runtimes as "
    "recorded, schedules simulated by replay on k identical workers)",
    "imaging": "**simulated** imaging nights (synthetic sky and detector) reduced with "
    "the real recipes; runtimes and skip effects measured on those runs, schedules "
    "simulated by replay",
    "radio": "**simulated** measurement sets reduced with real CASA stages; runtimes "
    "and effects measured, schedules simulated by replay",
    "runlog": "logged reductions (run log); schedules simulated by replay",
}


def machine() -> str:
    """One line: CPU model, cores, Python, and the load while the report was written."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            names = [line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")]
        model = names[0] if names else model
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{platform.machine()} {model}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, load average {load}")  # fmt: skip


def render(result: ComparisonResult, config: ExperimentConfig, command: str) -> str:
    """The markdown report of ``result`` (see the module doc)."""
    records = result.results
    metric, label = _metric(records)
    ks = [str(k) for k in config.workers]
    lines = [
        f"# Experiment `{config.name}` ({config.path.name})", "",
        str(config.raw.get("description") or ""), "",
        f"- Recorded {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"- Command: `{command}` ({result.wall_s:.0f} s wall, {result.cpu_s:.0f} s CPU).",
        f"- Data: {_data(records)}.",
        f"- Splits: {', '.join(f'{s.name} ({s.kind}: {s.key})' for s in config.splits)}; "
        f"seeds {config.seeds}; k = {', '.join(ks)}. Every learned choice (skip threshold, "
        "tuned hyper-parameters, model selection) is made per outer fold on validation "
        "folds cut from its training part only.",
        f"- Metric: {label}. Mean over test instances (each instance first averaged over "
        "seeds) with a 95 % bootstrap interval, and the worst instance × seed. First "
        "product: time to the first target product, as a speed-up over bfs; 'most any "
        "order can reach' is bfs's time over the shortest true-runtime chain ending at a "
        "target (no order finishes a target sooner without skipping).", "",
    ]  # fmt: skip
    auto = [k for k in ks if k == "auto"]
    scarce = [k for k in ks if k != "auto"]
    for title, chosen in (("k = auto (⌈total work / critical path⌉)", auto),
                          ("Scarce workers", scarce)):  # fmt: skip
        if chosen:
            lines += [f"## {title}", "", _headline(result.table, chosen, metric, config.baseline), ""]
    if records["family"].notna().any() and auto:
        lines += ["## Per family, k = auto (mean " + label.split(" (")[0] + ")", "",
                  _families(records, metric), ""]  # fmt: skip
    if result.bounds is not None and not result.bounds.empty:
        lines += ["## Yardstick per instance (CP-SAT with true runtimes)", "",
                  _bounds(result.bounds), ""]  # fmt: skip
    if "chosen" in records and records["chosen"].notna().any():
        lines += ["## Choices made on validation folds (first seed)", "", _choices(records), ""]
    return "\n".join(lines)


def _metric(records: pd.DataFrame) -> tuple[str, str]:
    if "ratio_best" in records and records["ratio_best"].notna().any():
        return "ratio_best", ("makespan / best-known schedule (best-known = the best of "
                              "CP-SAT with true runtimes and every replayed schedule that "
                              "ran every job; skips can take a schedule below 1)")  # fmt: skip
    return "ratio_lb", "makespan / max(critical path, total work / k) (true runtimes)"


def _data(records: pd.DataFrame) -> str:
    kinds = sorted({str(s).split(":", 1)[0] for s in records.get("source", [])} - {"nan"})
    text = "; ".join(PROVENANCE.get(k, k) for k in kinds) or "see the experiment file"
    return f"{records['instance'].nunique()} test instances — {text}"


def _cell(mean: Any, low: Any = None, high: Any = None, digits: int = 3) -> str:
    import math

    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return ""
    text = f"{mean:.{digits}f}"
    if low is not None and not math.isnan(low):
        text += f" [{low:.{digits}f}, {high:.{digits}f}]"
    return text


def _headline(table: pd.DataFrame, ks: list[str], metric: str, baseline: str | None) -> str:
    import pandas as pd

    from radps_seq.experiments.summary import to_markdown

    rows = []
    for row in table[table["workers"].isin(ks)].to_dict(orient="records"):
        out = {"split": row["split"], "k": row["workers"], "sequencer": row["sequencer"],
               "instances × seeds": row["n"],
               "mean [95 % CI]": _cell(row.get(f"{metric}_mean"), row.get(f"{metric}_ci_low"),
                                       row.get(f"{metric}_ci_high")),
               "worst": _cell(row.get(f"{metric}_worst"))}  # fmt: skip
        if baseline:
            out[f"vs {baseline} [95 % CI]"] = _cell(
                row.get("ratio_baseline_mean"), row.get("ratio_baseline_ci_low"),
                row.get("ratio_baseline_ci_high"),
            )  # fmt: skip
            out[f"vs {baseline} worst"] = _cell(row.get("ratio_baseline_worst"))
        out["first product vs bfs, mean [95 % CI]"] = _cell(
            row.get("first_target_speedup_bfs_mean"), row.get("first_target_speedup_bfs_ci_low"),
            row.get("first_target_speedup_bfs_ci_high"), 2,
        )  # fmt: skip
        out["… worst"] = _cell(row.get("first_target_speedup_bfs_worst"), digits=2)
        if row["workers"] == "auto":  # the ceiling assumes workers to spare
            out["… most any order can reach (no skips)"] = _cell(
                row.get("first_target_speedup_ceiling_mean"), digits=2
            )
        out["compute saved"] = _cell(row.get("saved_frac_mean"))
        out["targets changed, worst"] = _cell(row.get("targets_changed_frac_worst"))
        out["refused"] = row.get("refusals")
        rows.append(out)
    frame = pd.DataFrame(rows)
    return to_markdown(frame.dropna(axis=1, how="all").loc[:, lambda f: (f != "").any()])


def _families(records: pd.DataFrame, metric: str) -> str:
    from radps_seq.experiments.summary import to_markdown

    auto = records[records["workers"] == "auto"]
    per = auto.groupby(["split", "family", "sequencer", "instance"], sort=False)[metric].mean()
    means = per.groupby(level=["split", "family", "sequencer"], sort=False).mean()
    counts = auto.groupby(["split", "family"], sort=False)["instance"].nunique()
    table = means.unstack("sequencer")[list(dict.fromkeys(auto["sequencer"]))]
    table.insert(0, "instances", counts)
    return to_markdown(table.reset_index())


def _bounds(bounds: pd.DataFrame) -> str:
    from radps_seq.experiments.summary import to_markdown

    shown = bounds[["instance", "family", "jobs", "workers", "k", "best_known_s", "cpsat_s",
                    "proven_lb_s", "best_over_bound", "optimal"]]  # fmt: skip
    return to_markdown(shown.drop_duplicates(["instance", "k"]))


def _choices(records: pd.DataFrame) -> str:
    from radps_seq.experiments.summary import to_markdown

    first = records[records["seed"] == records["seed"].min()]
    rows = first[first["chosen"].notna()].drop_duplicates(["sequencer", "split", "fold"])
    return to_markdown(rows[["sequencer", "split", "fold", "chosen"]])
