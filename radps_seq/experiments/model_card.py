"""The model card of a learned planner model, written from the model object alone.

Everything on the card is read from the fitted model: the features its trees were
fitted on, what it predicts for a task type it never saw, the data it was trained on
(``info``: sources, reductions, jobs, task types, optional notes on where the data and
the hyper-parameters came from), and held-out figures only. Held-out means measured on reductions the model
was not fitted on *and* that no number of the model was chosen on: the cross-validated
errors by whole reductions, the skip metrics at the threshold only when that threshold
was itself chosen inside each training fold (``info['skip_threshold_source']``), and
evaluations recorded with the model (``info['evaluations']``) on data it never saw.
``radps-seq card MODEL`` rewrites the card of a saved model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CARD_FILE = "MODEL_CARD.md"
#: Metrics measured at the skip threshold: held out only if the threshold was chosen
#: without the held-out fold.
AT_THRESHOLD = ("cv_skip_precision", "cv_skip_recall")
#: Threshold origins under which metrics at the threshold are held-out figures.
HELD_OUT_SOURCES = ("default", "validation")
#: What ``info['skip_threshold_source']`` says, in words.
THRESHOLD_SOURCES = {
    "default": "the planner's built-in default, fixed before any data was seen, so the "
    "skip metrics at it below are held out",
    "validation": "chosen inside each cross-validation training fold (nested), so the "
    "skip metrics at it below are held out",
    "given": "given to training as a number; the skip precision and recall at it are "
    "left out below because nothing on record says it was not chosen on these reductions",
    "sweep-on-training-data": "chosen from a cost-versus-safety sweep over these same "
    "reductions; the skip precision and recall at it are therefore not held-out figures "
    "and are left out below",
}


def write_card(model: Any, folder: str | Path) -> Path:
    """Write ``folder/MODEL_CARD.md`` from ``model``; returns its path."""
    path = Path(folder) / CARD_FILE
    path.write_text(model_card(model))
    return path


def model_card(model: Any) -> str:
    """The card's markdown (see the module doc)."""
    info = model.info
    params = {k: v for k, v in (info.get("params") or {}).items() if v is not None}
    tasks = list(info.get("tasks") or [])
    sources = "\n".join(f"- `{s}`" for s in info.get("sources") or []) or "- (not recorded)"
    lines = [
        "# Model card: radps_seq learned planner", "",
        f"- Created: {info.get('created', '(not recorded)')} (UTC); trained for objective "
        f"`{info.get('objective', 'makespan')}`.",
        f"- Hyper-parameters: {', '.join(f'`{k}={v}`' for k, v in sorted(params.items()))}.",
        *([f"- {info['params_note']}"] if info.get("params_note") else []),
        f"- Skip threshold {_threshold(model, params)}.", "",
        "## Training data", "",
        f"{info.get('reductions', '?')} reductions, {info.get('runtime_examples', '?')} jobs "
        f"with a measured wall time, {info.get('skip_examples', '?')} skippable jobs with a "
        f"measured effect, {len(tasks)} task types ({', '.join(tasks[:20])}"
        f"{'…' if len(tasks) > 20 else ''}).",
    ]  # fmt: skip
    if info.get("data_note"):
        lines += ["", str(info["data_note"])]
    lines += ["", "Sources:", sources, "", "## What it predicts, from what", "", _facts(model)]
    lines += ["", "## Held-out metrics", "", _metrics(info)]
    evaluations = info.get("evaluations") or []
    if evaluations:
        lines += ["", "## Evaluated on data it never saw", ""]
        lines += [f"- {e['date']}: {e['data']}: {e['result']} ({e['where']})" for e in evaluations]
    return "\n".join(lines) + "\n"


def _threshold(model: Any, params: dict[str, Any]) -> str:
    source = model.info.get("skip_threshold_source")
    value = params.get("skip_threshold")
    text = f"{value}" if value is not None else "(the planner's default)"
    return f"{text}: {THRESHOLD_SOURCES.get(source, 'of unrecorded origin; skip metrics at it are left out below')}"


def _metrics(info: dict[str, Any]) -> str:
    metrics = dict(info.get("metrics") or {})
    if info.get("skip_threshold_source") not in HELD_OUT_SOURCES:
        for name in AT_THRESHOLD:
            metrics.pop(name, None)
    if not metrics:
        return "(fewer than two reductions: no held-out metric)"
    folds = int(metrics.get("cv_folds", 0))
    rows = "\n".join(f"| {k} | {v:.4g} |" for k, v in metrics.items() if k != "cv_folds")
    return (
        f"Cross-validated with whole reductions held out ({folds} folds). `*_mae_log` is "
        "the mean absolute error of log(1 + runtime); `cv_task_mean_mae_log` is the same "
        "error of the per-task mean runtime that critical-path planning assumes; "
        "`cv_skip_brier` scores the no-effect probability on every labelled skippable job."
        f"\n\n| metric | value |\n|---|---|\n{rows}"
    )


def _facts(model: Any) -> str:
    """Features, unseen-task policy and product sizes, read from the fitted model."""
    runtime, skip = model.runtime, model.skip
    features = ", ".join(f"`{c}`" for c in runtime.encoder_.columns_) or "(none)"
    if runtime.unseen == "mean":
        unseen = (f"a task type never seen in training is predicted {runtime.unseen_s_:.3g} s, "
                  "the mean of the per-task mean runtimes (what critical-path planning "
                  "assumes)")  # fmt: skip
    else:
        unseen = "a task type never seen in training is predicted by the trees from its features"
    sizes = getattr(getattr(model, "output", None), "task_bytes_", {}) or {}
    size_text = (f"median product sizes of {len(sizes)} task types; a parent's product size "
                 "is predicted from them when a plan is made, and read from disk once "
                 "written when the planner re-plans during a run" if sizes else
                 "no product sizes were recorded, so a parent's product size is unknown "
                 "(missing) when a plan is made")  # fmt: skip
    rated = len(skip.task_rate_) - len(skip.trees_)
    return (
        f"- Runtime ({runtime.n_examples_} timed jobs): gradient-boosted trees on log "
        f"runtime over {features}; {unseen}.\n"
        f"- No-effect probability of a skippable job ({skip.n_examples_} labelled jobs): "
        f"trees for {len(skip.trees_)} task type(s), a smoothed rate for {rated} more; a "
        "task type never seen is never proposed for skipping.\n"
        f"- Product sizes: {size_text}."
    )
