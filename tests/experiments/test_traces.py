import json
import shutil

import networkx as nx
import pandas as pd
import pytest

from radps_seq.errors import InputError
from radps_seq.experiments.traces import (
    load_runlog_trace,
    load_trace,
    load_wfcommons,
    trace_as_run_log,
)
from radps_seq.plan import PlanContext, check, get_sequencer
from radps_seq.runlog.schema import RUN_COLUMNS
from radps_seq.testing.graphs import imaging_graph, synthetic_truth

MONTAGE_TYPES = {
    "mProject",
    "mDiffFit",
    "mConcatFit",
    "mBgModel",
    "mBackground",
    "mImgtbl",
    "mAdd",
    "mViewer",
}


def test_montage_instance(montage):
    graph, truth, meta = load_wfcommons(montage)
    raw = json.loads(montage.read_text())["workflow"]
    assert meta["family"] == "montage"
    assert meta["size"] == graph.number_of_nodes() == len(raw["specification"]["tasks"]) == 58
    assert meta["makespan_s"] == raw["execution"]["makespanInSeconds"]
    assert {graph.nodes[j]["task"] for j in graph} == MONTAGE_TYPES
    assert sum(t["runtime_s"] for t in truth.values()) == pytest.approx(
        sum(e["runtimeInSeconds"] for e in raw["execution"]["tasks"])
    )
    assert all(t["changed"] is None for t in truth.values())
    spec = {t["id"]: t for t in raw["specification"]["tasks"]}
    assert graph.number_of_edges() == sum(len(t["parents"]) for t in spec.values())
    for job_id, attrs in graph.nodes(data=True):
        assert attrs["complete"] and not attrs["skippable"]
        assert attrs["target"] == (not spec[job_id]["children"])
        features = attrs["features"]
        assert features["n_parents"] == len(spec[job_id]["parents"])
        assert features["n_inputs"] == len(spec[job_id]["inputFiles"])
        assert (
            attrs["slots"]["main"]["min_ret"]
            == attrs["slots"]["main"]["files"] + features["n_parents"]
        )
    assert nx.dag_longest_path_length(graph) == max(
        graph.nodes[j]["features"]["depth"] for j in graph
    )
    # Sources read raw images; an mProject reads its image and its header template.
    project = graph.nodes["mProject_ID0000001"]
    assert project["features"]["depth"] == 0
    assert project["features"]["input_bytes"] > 0
    assert project["slots"]["main"]["files"] == project["features"]["n_inputs"]


def test_every_shared_trace_loads_into_a_plannable_graph(wfcommons_dir):
    families = set()
    for path in sorted(wfcommons_dir.glob("*.json")):
        graph, truth, meta = load_trace(path)
        families.add(meta["family"])
        plan = get_sequencer("bfs").propose(graph, PlanContext())
        assert check(plan, graph) == [], path.name
        assert set(truth) == set(graph)
        tasks = {graph.nodes[j]["task"] for j in graph}
        # Task types are program kinds, never one per job.
        assert len(tasks) <= 10 < graph.number_of_nodes(), path.name
    assert {"montage", "epigenomics", "1000genome"} <= families


def test_family_falls_back_to_the_workflow_name(montage, tmp_path):
    copy = tmp_path / "mosaic.json"
    shutil.copy(montage, copy)
    assert load_wfcommons(copy)[2]["family"] == "montage"


def write(tmp_path, doc, name="trace.json"):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def tiny_15(mutate=None):
    tasks = [
        {
            "id": "a_ID01",
            "name": "a_ID01",
            "parents": [],
            "children": ["b_ID02"],
            "inputFiles": ["in"],
            "outputFiles": ["x"],
        },
        {
            "id": "b_ID02",
            "name": "b_ID02",
            "parents": ["a_ID01"],
            "children": [],
            "inputFiles": ["x", "cfg"],
            "outputFiles": ["y"],
        },
    ]
    runs = [{"id": "a_ID01", "runtimeInSeconds": 2.0}, {"id": "b_ID02", "runtimeInSeconds": 3.5}]
    doc = {
        "name": "tiny",
        "schemaVersion": "1.5",
        "workflow": {
            "specification": {
                "tasks": tasks,
                "files": [
                    {"id": "in", "sizeInBytes": 10},
                    {"id": "x", "sizeInBytes": 5},
                    {"id": "cfg", "sizeInBytes": 1},
                ],
            },
            "execution": {"makespanInSeconds": 6.0, "tasks": runs},
        },
    }
    if mutate:
        mutate(doc)
    return doc


def test_small_instance_in_detail(tmp_path):
    graph, truth, meta = load_wfcommons(write(tmp_path, tiny_15()))
    assert list(graph.edges(data=True)) == [
        ("a_ID01", "b_ID02", {"slot": "main", "passthrough": False})
    ]
    b = graph.nodes["b_ID02"]
    assert b["task"] == "b" and b["target"] and not graph.nodes["a_ID01"]["target"]
    assert b["slots"] == {"main": {"min_ret": 2, "files": 1}}  # cfg on disk + a's product
    # Only cfg is on disk before anything runs; x (5 bytes) is a's product, an outcome.
    assert b["features"]["input_bytes"] == 1 and "output_bytes" not in b["features"]
    assert truth["b_ID02"] == {"runtime_s": 3.5, "changed": None, "output_bytes": 0.0}
    assert truth["a_ID01"]["output_bytes"] == 5.0
    assert (meta["family"], meta["name"], meta["size"]) == ("tiny", "tiny", 2)


def test_features_do_not_change_when_ancestors_outcomes_do(tmp_path):
    """Planning before anything runs: a's runtime and the size of the product it
    writes are outcomes, so b's features (and the planner's feature rows) ignore them."""
    from radps_seq.plan.sequencers.learned.features import job_features

    def other_outcomes(doc):
        doc["workflow"]["specification"]["files"][1]["sizeInBytes"] = 5_000_000  # x, a's product
        doc["workflow"]["execution"]["tasks"][0]["runtimeInSeconds"] = 900.0

    before, _, _ = load_wfcommons(write(tmp_path, tiny_15()))
    (tmp_path / "other").mkdir()
    after, truth, _ = load_wfcommons(write(tmp_path / "other", tiny_15(other_outcomes)))
    assert truth["a_ID01"]["output_bytes"] == 5_000_000  # the outcome did change
    for job in before:
        assert before.nodes[job]["features"] == after.nodes[job]["features"]
    assert job_features(before).equals(job_features(after))


def test_older_single_task_list_format(tmp_path):
    doc = {
        "name": "old-0",
        "schemaVersion": "1.4",
        "workflow": {
            "makespanInSeconds": 9.0,
            "tasks": [
                {"name": "p1", "type": "compute", "category": "prep", "runtimeInSeconds": 4.0, "parents": [], "children": ["q1"],
                 "files": [{"name": "r", "size": 7, "link": "input"}, {"name": "m", "size": 3, "link": "output"}]},
                {"name": "q1", "category": "use", "runtime": 5.0, "parents": ["p1"],
                 "files": [{"name": "m", "size": 3, "link": "input"}]},
            ],
        },
    }  # fmt: skip
    graph, truth, meta = load_wfcommons(write(tmp_path, doc))
    assert [graph.nodes[j]["task"] for j in graph] == ["prep", "use"]
    assert graph.nodes["p1"]["features"]["input_bytes"] == 7
    assert graph.nodes["q1"]["slots"]["main"] == {"min_ret": 1, "files": 0}
    assert truth["q1"]["runtime_s"] == 5.0
    assert meta["makespan_s"] == 9.0 and meta["family"] == "old"


def _drop_runtime(doc):
    del doc["workflow"]["execution"]["tasks"][1]["runtimeInSeconds"]


def _unknown_parent(doc):
    doc["workflow"]["specification"]["tasks"][1]["parents"].append("ghost")


def _cycle(doc):
    doc["workflow"]["specification"]["tasks"][0]["parents"].append("b_ID02")


def _no_tasks(doc):
    doc["workflow"]["specification"]["tasks"] = []


def _twice(doc):
    doc["workflow"]["specification"]["tasks"][1]["id"] = "a_ID01"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_drop_runtime, "task 'b_ID02' has no valid runtimeInSeconds"),
        (_unknown_parent, "unknown task 'ghost'"),
        (_cycle, "cycle"),
        (_no_tasks, "workflow.specification.tasks is missing or empty"),
        (_twice, "'a_ID01' appears twice"),
    ],
)
def test_bad_instance_names_file_and_problem(tmp_path, mutate, message):
    path = write(tmp_path, tiny_15(mutate))
    with pytest.raises(InputError) as info:
        load_wfcommons(path)
    assert str(path) in str(info.value) and message in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "not valid JSON"), ('{"name": 1}', "no 'workflow'"), ("3", "neither")],
)
def test_unreadable_traces(tmp_path, text, message):
    path = write(tmp_path, text)
    loader = load_trace if message == "neither" else load_wfcommons
    with pytest.raises(InputError, match=message):
        loader(path)
    with pytest.raises(InputError, match="cannot read"):
        load_trace(tmp_path / "missing.json")


# --- run logs -------------------------------------------------------------------------


@pytest.fixture
def logged():
    graph = imaging_graph(nights=2)
    truth = synthetic_truth(graph, seed=4)
    return graph, truth, trace_as_run_log(graph, truth, reduction_id="red-1")


def same_graph(a, b):
    """Equal up to what the run log cannot carry: it stores {parent: slot}, so a
    pass-through into a non-main slot (same category) is not recoverable."""
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    expected = a.copy()
    for u, _, edge in expected.edges(data=True):
        edge["passthrough"] = expected.nodes[u]["skippable"] and edge["slot"] == "main"
    assert sorted(expected.edges(data=True)) == sorted(b.edges(data=True))


def json_records(frame):
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    for r in records:
        for c in ("parents", "slots", "features"):
            r[c] = json.loads(r[c])
    return records


@pytest.mark.parametrize("form", ["frame", "csv", "parquet", "json"])
def test_run_log_round_trip(tmp_path, logged, form):
    graph, truth, frame = logged
    assert list(frame.columns) == list(RUN_COLUMNS)
    source = {
        "frame": lambda: frame,
        "csv": lambda: (frame.to_csv(tmp_path / "r.csv", index=False), tmp_path / "r.csv")[1],
        "parquet": lambda: (frame.to_parquet(tmp_path / "r.parquet"), tmp_path / "r.parquet")[1],
        "json": lambda: write(tmp_path, json_records(frame), "r.json"),
    }[form]()
    loaded, loaded_truth, meta = (load_runlog_trace if form == "frame" else load_trace)(source)
    same_graph(graph, loaded)
    assert loaded_truth == {
        j: {"runtime_s": t["runtime_s"], "changed": t["changed"]} for j, t in truth.items()
    }
    assert meta["name"] == "red-1" and meta["format"] == "runlog"
    assert not loaded.nodes["orphan"]["complete"]


def test_run_log_uses_latest_attempt_and_its_measured_run(logged):
    graph, truth, frame = logged
    retry = frame[frame["job_id"] == "flat0"].copy()
    first = retry.copy()
    first["attempt"], first["status"], first["wall_s"], first["changed"] = 1, "failed", 99.0, True
    retry["attempt"], retry["wall_s"] = 2, 7.5
    cached = frame[frame["job_id"] == "bias0"].copy()
    cached["attempt"], cached["status"], cached["wall_s"] = 2, "cached", 0.01
    log = pd.concat([first, frame[frame["job_id"] != "flat0"], retry, cached], ignore_index=True)
    _, loaded_truth, _ = load_runlog_trace(log)
    assert loaded_truth["flat0"]["runtime_s"] == 7.5
    assert loaded_truth["bias0"]["runtime_s"] == truth["bias0"]["runtime_s"]


def test_run_log_picks_the_reduction(logged):
    graph, _, frame = logged
    other = trace_as_run_log(
        nx.DiGraph([("u", "v")]), {"u": {"runtime_s": 1}, "v": {"runtime_s": 2}}, "red-2"
    )
    frame, other = frame.copy(), other.copy()
    frame["end_ts"], other["end_ts"] = 200.0, 100.0
    log = pd.concat([frame, other], ignore_index=True)
    assert load_runlog_trace(log)[2]["name"] == "red-1"  # latest end_ts
    assert list(load_runlog_trace(log, reduction_id="red-2")[0]) == ["u", "v"]
    with pytest.raises(InputError, match="no rows for reduction 'red-9'"):
        load_runlog_trace(log, reduction_id="red-9")


def test_bad_run_logs(tmp_path, logged):
    _, _, frame = logged
    with pytest.raises(InputError, match="lacks column.*parents"):
        load_runlog_trace(frame.drop(columns=["parents"]))
    broken = frame.copy()
    broken.loc[broken["job_id"] == "flat0", "slots"] = "{oops"
    with pytest.raises(InputError, match="job 'flat0': column 'slots' is not JSON"):
        load_runlog_trace(broken)
    dangling = frame[frame["job_id"] != "bias0"]
    with pytest.raises(InputError, match="parent 'bias0' not in the log"):
        load_runlog_trace(dangling)
    with pytest.raises(InputError, match="list of records"):
        load_runlog_trace(write(tmp_path, {"rows": []}, "r.json"))
