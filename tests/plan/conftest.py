import pandas as pd
import pytest

from radps_seq.experiments.traces import trace_as_run_log
from radps_seq.testing.graphs import imaging_graph, layered_graph, synthetic_truth


@pytest.fixture(scope="session")
def run_log() -> pd.DataFrame:
    """Two small logged reductions with the contract columns, measured effects included."""
    frames = []
    for seed, graph in enumerate([imaging_graph(nights=3), layered_graph(120, width=12, seed=5)]):
        truth = synthetic_truth(graph, seed=seed)
        frame = trace_as_run_log(graph, truth, reduction_id=f"r{seed}")
        frame["workflow"] = "imaging"
        frame["night"] = f"2024-01-0{seed + 1}"
        frame["tolerance"] = 0.01
        frame["effect"] = [None if c is None else (0.05 if c else 0.001) for c in frame["changed"]]
        frames.append(frame)
    log = pd.concat(frames, ignore_index=True)
    # One failed attempt that must not count as a runtime.
    failed = log.iloc[[0]].copy()
    failed["status"], failed["wall_s"], failed["attempt"] = "failed", 1e6, 0
    return pd.concat([failed, log], ignore_index=True)
