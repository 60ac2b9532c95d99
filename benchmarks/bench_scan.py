"""Benchmark: header scanning against an astropy ``getheader`` loop, in one run.

Generates N header-only FITS files with realistic ~45-keyword ESO-style primary headers
(``HIERARCH ESO …`` included), one folder per night, then measures, each phase in a
fresh python process so no phase warms another's caches:

- ``astropy``: ``astropy.io.fits.getheader`` for every file (the reference);
- ``scan-cold`` / ``scan-warm``: ``radps_seq.headers.scan`` with an empty, then a filled
  header index;
- ``derive-cold`` / ``derive-warm``: scan + classify + derive of the ``demo0`` cascade
  through ``radps_seq.derive.derive_request``, as ``radps-seq derive`` does.

Usage::

    .venv/bin/python benchmarks/bench_scan.py --n 100000
    .venv/bin/python benchmarks/bench_scan.py --n 2000 --phases scan-cold,scan-warm

Results are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHASES = ("astropy", "scan-cold", "scan-warm", "derive-cold", "derive-warm")
FILES_PER_NIGHT = 1000
# share of a night's frames per kind, as at an imaging instrument
KINDS = (("BIAS", 0.10), ("FLAT", 0.15), ("SKY", 0.05), ("OBJECT", 0.70))
FILTERS = ("B_BESS", "V_BESS", "R_SPECIAL", "I_BESS", "z_GUNN")
READ_MODES = (("100kHz,2x2,low", 2), ("200kHz,2x2,low", 2), ("100kHz,1x1,high", 1))


# --- file generation ---------------------------------------------------------------------


def _card(keyword: str, value: object) -> str:
    """One 80-character card image in FITS fixed format (HIERARCH for long keywords)."""
    if isinstance(value, bool):
        text = f"{'T' if value else 'F':>20}"
    elif isinstance(value, str):
        text = "'" + value.replace("'", "''").ljust(8) + "'"
        text = f"{text:<20}"
    elif isinstance(value, float):
        text = f"{value!r:>20}"
    else:
        text = f"{value:>20}"
    if len(keyword) > 8 or " " in keyword:
        image = f"HIERARCH ESO {keyword} = {text.strip()}"
    else:
        image = f"{keyword:<8}= {text}"
    assert len(image) <= 80, image
    return image.ljust(80)


def _header(cards: list[str]) -> bytes:
    cards = [*cards, "END".ljust(80)]
    text = "".join(cards)
    text += " " * (-len(text) % 2880)
    return text.encode("ascii")


def generate(root: str, n: int, seed: int = 1) -> list[str]:
    """Write ``n`` header-only FITS files below ``root``; return their paths."""
    rng = random.Random(seed)
    paths = []
    night0 = dt.datetime(2024, 1, 1, 23, 0, 0)
    for i in range(n):
        night, slot = divmod(i, FILES_PER_NIGHT)
        if slot == 0:
            folder = os.path.join(root, (night0 + dt.timedelta(days=night)).strftime("%Y-%m-%d"))
            os.makedirs(folder, exist_ok=True)
            ob_id = 200_000 + night * 50
            target = (rng.uniform(0, 360), rng.uniform(-80, 20))
        kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        if slot % 20 == 0:
            ob_id += 1
            target = (rng.uniform(0, 360), rng.uniform(-80, 20))
        when = night0 + dt.timedelta(days=night, seconds=slot * 30 + rng.random())
        mjd = 60310.958333 + night + slot * 30 / 86400
        filt = rng.choice(FILTERS)
        read, binning = rng.choice(READ_MODES)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        exptime = 0.0 if kind == "BIAS" else round(rng.choice((1.5, 10.0, 30.0, 120.0)), 1)
        catg = "SCIENCE" if kind == "OBJECT" else "CALIB"
        cards = [
            _card("SIMPLE", True),
            _card("BITPIX", 16),
            _card("NAXIS", 0),
            _card("EXTEND", True),
            _card("ORIGIN", "ESO-PARANAL"),
            _card("DATE", stamp),
            _card("TELESCOP", "ESO-VLT-U1"),
            _card("INSTRUME", "FORS2"),
            _card("OBJECT", kind if kind != "OBJECT" else f"NGC{1000 + ob_id % 997}"),
            _card("RA", round(target[0], 6)),
            _card("DEC", round(target[1], 6)),
            _card("EQUINOX", 2000.0),
            _card("RADESYS", "FK5"),
            _card("EXPTIME", exptime),
            _card("MJD-OBS", round(mjd, 8)),
            _card("DATE-OBS", stamp),
            _card("UTC", round((when.hour * 3600 + when.minute * 60 + when.second) * 1.0, 3)),
            _card("LST", round(rng.uniform(0, 86400), 3)),
            _card("PI-COI", "UNKNOWN"),
            _card("OBSERVER", "UNKNOWN"),
            _card("ARCFILE", f"FORS2.{stamp}.fits"),
            _card("ORIGFILE", f"FORS2_{kind}_{slot:04d}.fits"),
            _card("DPR CATG", catg),
            _card("DPR TYPE", kind),
            _card("DPR TECH", "IMAGE"),
            _card("OBS ID", ob_id),
            _card("OBS NAME", f"OB_{ob_id}"),
            _card("OBS PROG ID", "60.A-9000(A)" if catg == "CALIB" else "112.C-4321(B)"),
            _card("TPL ID", f"FORS2_img_{'cal' if catg == 'CALIB' else 'obs'}_{kind.lower()}"),
            _card("TPL START", stamp[:19]),
            _card("TPL NEXP", 5),
            _card("TPL EXPNO", slot % 5 + 1),
            _card("INS MODE", "IMG"),
            _card("INS FILT1 NAME", filt),
            _card("INS SHUT", kind != "BIAS"),
            _card("DET READ SPEED", read),
            _card("DET READ CLOCK", read.split(",")[0]),
            _card("DET WIN1 BINX", binning),
            _card("DET WIN1 BINY", binning),
            _card("DET WIN1 DIT1", exptime),
            _card("DET OUT1 GAIN", 0.8 if binning == 2 else 1.25),
            _card("DET OUT1 RON", 3.2 if binning == 2 else 4.1),
            _card("TEL AIRM START", round(rng.uniform(1.0, 2.0), 3)),
            _card("TEL AIRM END", round(rng.uniform(1.0, 2.0), 3)),
            _card("TEL AMBI FWHM START", round(rng.uniform(0.4, 1.6), 2)),
            "COMMENT   FITS (Flexible Image Transport System) format is defined in 'Astronomy".ljust(80),
        ]
        path = os.path.join(folder, f"FORS2.{stamp}.fits")
        with open(path, "wb") as f:
            f.write(_header(cards))
        paths.append(path)
    return paths


# --- phases (each run in its own process) -----------------------------------------------


def _list_files(root: str) -> list[str]:
    out = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        out.extend(os.path.join(folder, f) for f in sorted(files) if f.endswith(".fits"))
    return out


def run_phase(phase: str, raw: str, workdir: str, workflow: str) -> dict:
    """Time one phase in this process: wall and CPU seconds, and what it produced."""
    if phase == "astropy":
        from astropy.io import fits

        paths = _list_files(raw)

        def work() -> dict:
            for path in paths:
                fits.getheader(path)
            return {"files": len(paths)}
    elif phase.startswith("scan"):
        from radps_seq.headers import scan

        def work() -> dict:
            result = scan([raw], workdir)
            return {"files": len(result.headers), "errors": len(result.errors)}
    elif phase.startswith("derive"):
        from radps_seq.derive import derive_request

        def work() -> dict:
            # the call behind `radps-seq derive -w <workflow> -i <raw> --workdir <workdir>`
            derivation = derive_request(workflow, [raw], workdir=workdir, progress=False)
            return {"jobs": derivation.graph.number_of_nodes()}
    else:
        raise SystemExit(f"unknown phase {phase!r}")
    wall, cpu = time.perf_counter(), time.process_time()
    out = work()
    return {"seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu, **out}


def _child(phase: str, raw: str, workdir: str, workflow: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--raw", raw, "--workdir", workdir,
         "--workflow", workflow],
        capture_output=True, text=True, cwd=REPO,
    )
    if out.returncode:
        raise SystemExit(f"phase {phase} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of files")
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument("--workflow", default=os.path.join(REPO, "cascades", "demo0"))
    parser.add_argument("--dir", help="generate here and keep (default: a temp dir, removed)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--raw", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.raw, args.workdir, args.workflow)))
        return

    base = args.dir or tempfile.mkdtemp(prefix="bench_scan_")
    raw = os.path.join(base, "raw")
    try:
        if not os.path.isdir(raw):
            start = time.perf_counter()
            generate(raw, args.n)
            print(f"generated {args.n} files in {time.perf_counter() - start:.1f} s", flush=True)
        results = {}
        for phase in args.phases.split(","):
            workdir = os.path.join(base, "work-" + phase.split("-")[0])
            if phase.endswith("-cold"):
                shutil.rmtree(workdir, ignore_errors=True)
            results[phase] = _child(phase, raw, workdir, args.workflow)
            per_file = results[phase]["seconds"] / args.n * 1e6
            print(f"{phase:12s} {results[phase]['seconds']:8.2f} s  {per_file:8.1f} us/file  "
                  f"{json.dumps(results[phase])}", flush=True)
        report(results, args)
    finally:
        if not args.dir:
            shutil.rmtree(base, ignore_errors=True)


def report(results: dict, args: argparse.Namespace) -> None:
    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, {platform.platform()}")
    print(f"date: {dt.date.today().isoformat()}   files: {args.n}")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    reference = results.get("astropy")
    print(f"{'phase':12s} {'wall us/file':>13s} {'% of astropy':>13s} "
          f"{'cpu us/file':>12s} {'% of astropy':>13s}")
    for phase, result in results.items():
        cells = []
        for key in ("seconds", "cpu_seconds"):
            cells.append(f"{result[key] / args.n * 1e6:.1f}")
            cells.append(f"{100 * result[key] / reference[key]:.1f}%" if reference else "-")
        print(f"{phase:12s} {cells[0]:>13s} {cells[1]:>13s} {cells[2]:>12s} {cells[3]:>13s}")

if __name__ == "__main__":
    main()
