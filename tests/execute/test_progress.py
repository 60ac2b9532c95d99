"""Progress on stderr when it is not a terminal: a line every few seconds, with counts
by state and an ETA from past runtimes; root failures are reported with their cause."""

import io

from radps_seq.execute import execute
from radps_seq.execute.progress import Progress
from radps_seq.execute.result import JobOutcome
from radps_seq.summaries import failure_lines

from .helpers import bfs
from .test_failures import broken_cascade


def test_progress_lines_on_a_non_terminal_stream_with_an_eta_from_history():
    stream = io.StringIO()
    progress = Progress({"a": "bias", "b": "bias", "c": "flat", "d": "flat"}, workers=2,
                        history={"bias": 10.0, "flat": 30.0}, stream=stream, interval_s=0.0)
    assert progress.eta_s() == (2 * 10.0 + 2 * 30.0) / 2
    progress.started("a")
    progress.finished(JobOutcome("a", "bias", "succeeded", wall_s=9.0))
    progress.finished(JobOutcome("b", "bias", "failed", error="x"))
    progress.finished(JobOutcome("c", "flat", "failed", blocked_by="b"))
    progress.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and len(lines) == 5
    assert lines[-1].startswith("3/4 jobs (1 succeeded, 1 failed, 1 blocked)")
    assert "ETA 0:00:15" in lines[-1]  # one flat job left, 30 s on two workers


def test_a_run_reports_progress_to_a_pipe(tmp_path, workdir, capfd):
    c, bad, after, sibling = broken_cascade(tmp_path, "t_raise")
    execute(c.graph, bfs(c.graph), workdir=workdir, progress=True)
    err = capfd.readouterr().err.splitlines()
    assert err[-1].startswith("3/3 jobs (1 succeeded, 1 failed, 1 blocked)")


def test_the_summary_names_the_root_failure_its_log_and_what_it_blocked(tmp_path, workdir):
    c, bad, after, sibling = broken_cascade(tmp_path, "t_raise")
    summary = execute(c.graph, bfs(c.graph), workdir=workdir).to_dict()
    jobs = {job["id"]: job for job in summary["jobs"]}
    assert jobs[bad]["error"].startswith("ValueError: bad data") and jobs[bad]["log"].endswith(".failed.log")
    assert jobs[after]["blocked_by"] == bad and jobs[sibling]["log"].endswith("job.log")
    lines = failure_lines(summary["jobs"])
    assert lines == [
        "1 job(s) failed:",
        f"  bad 2024-01-01 [{bad}]: ValueError: bad data in the inputs",
        f"      log: {jobs[bad]['log']}",
        "      blocked 1 job(s): after 1",
    ]
