"""Write one night of header-only demo0 frames: ``python -m radps_seq.testing.demo0_night DIR``."""

from __future__ import annotations

import sys
from pathlib import Path

from .frames import write_frames


def demo0_night(folder: Path, mjd: float = 60310.0) -> list[Path]:
    templates = [(f"BIAS_{n}.fits", {"dpr.type": "BIAS", "mjd-obs": mjd + 0.90 + n * 0.001}) for n in range(3)]
    templates += [(f"FLAT_{n}.fits", {"dpr.type": "FLAT", "mjd-obs": mjd + 0.95 + n * 0.001}) for n in range(2)]
    templates += [(f"OBJECT_{n}.fits", {"dpr.type": "OBJECT", "mjd-obs": mjd + 1.05 + n * 0.02}) for n in range(2)]
    templates += [("SKY_0.fits", {"dpr.type": "SKY", "mjd-obs": mjd + 1.06})]
    templates += [("catalog.fits", {"pro.catg": "CATALOG", "mjd-obs": mjd})]
    return write_frames(folder, templates)


if __name__ == "__main__":
    demo0_night(Path(sys.argv[1] if len(sys.argv) > 1 else "raw"))
