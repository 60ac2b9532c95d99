"""Every job has a short human label next to its id: task, night, target, filter, binning."""

from radps_seq.derive import Job
from radps_seq.labels import job_label


def test_labels_say_night_target_filter_and_binning():
    setup = {"ins.filt1.name": "R", "det.binx": 2, "det.biny": 2, "exptime": 60.0,
             "object": "SN 2024abc", "mjd-obs": 60311.02, "tpl.start": "2024-01-01T18:43:12"}
    job = Job(id="0e6870e6af091ddd", task="stack", recipe=None, setup=setup, night="2024-01-01")
    assert job_label(job) == "stack 2024-01-01 SN 2024abc R 2x2"
    bias = Job(id="1", task="bias", recipe=None, setup={"det.binx": 1, "det.biny": 1,
                                                      "tpl.start": "2024-01-01T18:43:12"}, night="2024-01-01")
    assert job_label(bias) == "bias 2024-01-01 1x1"
