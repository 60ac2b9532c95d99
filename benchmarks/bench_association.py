"""How derivation cost grows with the number of files (goal: no worse than n log n).

In-memory headers for a night-structured imager pile (biases, flats per filter,
science frames) are classified, grouped and associated for -m science; the time per
file should stay nearly flat as n grows by 64x. Run:

    .venv/bin/python benchmarks/bench_association.py [--sizes 1000 4000 16000 64000]
"""

from __future__ import annotations

import argparse
import hashlib
import math
import platform
import random
import time

from radps_seq.cascade import (
    ONE_MONTH,
    ONE_WEEK,
    SAME_NIGHT,
    alternative_associated_inputs,
    classification_rule,
    collect_workflow,
    data_source,
    task,
)
from radps_seq.derive import derive
from radps_seq.headers import Header

FILTERS = ["B", "V", "R", "I", "z"]


def cascade():
    def source(tag, dpr_type, grouping, match=None):
        builder = data_source(tag).with_classification_rule(classification_rule(tag, {"dpr.type": dpr_type}))
        builder = builder.with_grouping_keywords(grouping)
        for level, time_range in enumerate((SAME_NIGHT, ONE_WEEK, ONE_MONTH)):
            builder = builder.with_match_keywords(match or ["det.binx"], time_range=time_range, level=level)
        return builder.build()

    raw_bias = source("BIAS", "BIAS", ["det.binx", "night"])
    raw_tw = source("FLAT_TW", "FLAT,SKY", ["ins.filt1.name", "det.binx", "night"], ["ins.filt1.name", "det.binx"])
    raw_dome = source("FLAT_DOME", "FLAT,LAMP", ["ins.filt1.name", "det.binx", "night"], ["ins.filt1.name", "det.binx"])
    raw_sci = source("OBJECT", "OBJECT", ["tpl.start"])
    bias = task("bias").with_main_input(raw_bias).build()
    tw = task("tw").with_main_input(raw_tw).with_associated_input(bias).build()
    dome = task("dome").with_main_input(raw_dome).with_associated_input(bias).build()
    sci = (
        task("sci").with_main_input(raw_sci).with_associated_input(bias)
        .with_alternatives(alternative_associated_inputs().with_associated_input(tw).with_associated_input(dome))
        .with_meta_targets(["science"]).build()
    )
    return collect_workflow("bench", [sci])


def pile(n: int, seed: int = 1) -> list[Header]:
    rnd = random.Random(seed)
    frames = []
    nights = max(1, n // 60)
    for i in range(n):
        night = rnd.randrange(nights)
        kind = rnd.random()
        binx = rnd.choice([1, 2])
        filt = rnd.choice(FILTERS)
        if kind < 0.25:
            kw = {"dpr.type": "BIAS", "mjd-obs": 60000 + night + 0.8 + rnd.random() * 0.01}
        elif kind < 0.40:
            kw = {"dpr.type": "FLAT,SKY", "mjd-obs": 60000 + night + 0.85 + rnd.random() * 0.01}
        elif kind < 0.50:
            kw = {"dpr.type": "FLAT,LAMP", "mjd-obs": 60000 + night + 0.9 + rnd.random() * 0.01}
        else:
            kw = {"dpr.type": "OBJECT", "mjd-obs": 60000 + night + 1.0 + rnd.random() * 0.3, "tpl.start": f"t{i // 3}"}
        kw.update({"det.binx": binx, "ins.filt1.name": filt, "night": night, "origfile": f"f{i}.fits"})
        ident = hashlib.sha1(repr(sorted(kw.items())).encode()).hexdigest()
        frames.append(Header(path=f"raw/f{i:07d}.fits", keywords=kw, size=5760, mtime=0.0, identity=ident))
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 16000, 64000])
    args = parser.parse_args()
    wf = cascade()
    rows = []
    for n in args.sizes:
        frames = pile(n)
        start = time.perf_counter()
        d = derive(wf, frames)
        elapsed = time.perf_counter() - start
        rows.append((n, elapsed, len(d.jobs)))
        print(f"n={n:>7}  derive {elapsed:8.3f} s  {elapsed / n * 1e6:7.1f} us/file  jobs={len(d.jobs)}")
    (n0, t0, _), (n1, t1, _) = rows[0], rows[-1]
    exponent = math.log(t1 / t0) / math.log(n1 / n0)
    nlogn = math.log((n1 * math.log(n1)) / (n0 * math.log(n0))) / math.log(n1 / n0)
    print(f"growth exponent {exponent:.2f} (n log n over this range would be {nlogn:.2f}; n^2 would be 2.00)")
    print(f"machine: {platform.machine()} {platform.processor() or ''}, python {platform.python_version()}")


if __name__ == "__main__":
    main()
