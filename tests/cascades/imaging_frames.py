"""Header-only raw frames of the SIMIMG imager, written from keyword templates, for
scenario tests of the imaging cascade (EDPS style: no recipe runs, only derivation)."""

from __future__ import annotations

from pathlib import Path

from astropy.io import fits

from radps_seq.derive import derive_request

FIRST_NIGHT = 60310  # MJD of the first evening
AFTERNOON, TWILIGHT, NIGHT, MORNING = 0.80, 0.97, 1.10, 1.38

DPR = {
    "BIAS": ("CALIB", "BIAS"),
    "DARK": ("CALIB", "DARK"),
    "FLAT_DOME": ("CALIB", "FLAT,DOME"),
    "FLAT_TWILIGHT": ("CALIB", "FLAT,SKY"),
    "STD": ("CALIB", "STD"),
    "FRINGE": ("CALIB", "SKY,FRINGE"),
    "ILLUM": ("CALIB", "FLAT,NIGHTSKY"),
    "SKY": ("SCIENCE", "SKY"),
    "OBJECT": ("SCIENCE", "OBJECT"),
}


class Observatory:
    """Writes the frames a scenario describes into ``folder``; keeps their paths."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.files: dict[str, str] = {}  # name -> path

    def _write(self, name: str, cards: dict) -> str:
        header = fits.Header()
        for key, value in cards.items():
            header[key] = value
        path = self.folder / f"{name}.fits"
        fits.PrimaryHDU(header=header).writeto(path)
        self.files[name] = str(path)
        return name

    def sequence(
        self,
        kind: str,
        night: float,
        when: float,
        n: int = 1,
        filter_name: str = "free",
        binning: int = 1,
        exptime: float = 10.0,
        obj: str | None = None,
        obs: str | None = None,
        **cards,
    ) -> list[str]:
        """``n`` frames of one template starting at ``FIRST_NIGHT + night + when``."""
        catg, dpr_type = DPR[kind]
        start = FIRST_NIGHT + night + when
        names = []
        for i in range(n):
            mjd = start + i * 0.001
            name = f"{kind}_{filter_name}_{binning}x{binning}_{mjd:.4f}"
            names.append(self._write(name, {
                "INSTRUME": "SIMIMG",
                "OBJECT": obj or kind,
                "EXPTIME": exptime,
                "MJD-OBS": round(mjd, 6),
                "HIERARCH ESO DPR CATG": catg,
                "HIERARCH ESO DPR TYPE": dpr_type,
                "HIERARCH ESO DPR TECH": "IMAGE",
                "HIERARCH ESO TPL START": f"{start:.5f}",
                "HIERARCH ESO OBS NAME": obs or f"{kind} {start:.3f}",
                "HIERARCH ESO INS FILT1 NAME": filter_name,
                "HIERARCH ESO DET BINX": binning,
                "HIERARCH ESO DET BINY": binning,
                "HIERARCH ESO TEL AIRM START": 1.2,
                "HIERARCH ESO TEL AMBI FWHM START": 0.9,
                "HIERARCH ESO TEL AMBI RHUM": 30.0,
                "HIERARCH ESO TEL MOON ILLU": 0.4,
                "HIERARCH ESO TEL MOON DIST": 60.0,
                "HIERARCH ESO TEL MOON ALT": 20.0,
                **cards,
            }))
        return names

    # the usual calibration plan of one night, per setup
    def biases(self, night: float, binning: int = 1) -> list[str]:
        return self.sequence("BIAS", night, AFTERNOON, n=3, binning=binning, exptime=0.0)

    def darks(self, night: float, binning: int = 1) -> list[str]:
        return self.sequence("DARK", night, AFTERNOON + 0.01, n=2, binning=binning, exptime=600.0)

    def twilight_flats(self, night: float, filter_name: str = "V", binning: int = 1,
                       when: float = TWILIGHT) -> list[str]:
        return self.sequence("FLAT_TWILIGHT", night, when, n=2, filter_name=filter_name,
                             binning=binning)

    def dome_flats(self, night: float, filter_name: str = "V", binning: int = 1,
                   when: float = AFTERNOON + 0.04) -> list[str]:
        return self.sequence("FLAT_DOME", night, when, n=2, filter_name=filter_name, binning=binning)

    def standard(self, night: float, filter_name: str = "V") -> list[str]:
        return self.sequence("STD", night, TWILIGHT + 0.03, filter_name=filter_name, obj="SA 98")

    def fringe_frames(self, night: float, filter_name: str = "z", binning: int = 1,
                      when: float = NIGHT + 0.1) -> list[str]:
        return self.sequence("FRINGE", night, when, n=2, filter_name=filter_name,
                             binning=binning, exptime=120.0)

    def night_sky_flats(self, night: float, filter_name: str = "V", binning: int = 1,
                        when: float = NIGHT + 0.2) -> list[str]:
        return self.sequence("ILLUM", night, when, n=2, filter_name=filter_name, binning=binning,
                             exptime=90.0)

    def science(self, night: float, target: str = "M 67", filter_name: str = "V", binning: int = 1,
                n: int = 2, when: float = NIGHT, exptime: float = 300.0) -> list[str]:
        return self.sequence("OBJECT", night, when, n=n, filter_name=filter_name, binning=binning,
                             exptime=exptime, obj=target, obs=f"{target} {filter_name} {night}")

    def offset_sky(self, night: float, target: str, filter_name: str = "V", when: float = NIGHT,
                   n: int = 2) -> list[str]:
        return self.sequence("SKY", night, when + 0.0005, n=n, filter_name=filter_name,
                             exptime=300.0, obj=f"{target} SKY",
                             obs=f"{target} {filter_name} {night}")

    def catalogue(self) -> str:
        return self._write("std_catalog", {"HIERARCH ESO PRO CATG": "STD_CATALOG"})

    def master(self, category: str, night: float, filter_name: str | None = None,
               binning: int = 1, **cards) -> str:
        setup = {"HIERARCH ESO DET BINX": binning, "HIERARCH ESO DET BINY": binning}
        if filter_name is not None:
            setup["HIERARCH ESO INS FILT1 NAME"] = filter_name
        mjd = FIRST_NIGHT + night + AFTERNOON
        return self._write(f"{category}_{filter_name}_{binning}_{mjd:.3f}", {
            "INSTRUME": "SIMIMG", "MJD-OBS": mjd, "HIERARCH ESO PRO CATG": category, **setup,
            **cards,
        })

    def full_night(self, night: float, filter_name: str = "V", binning: int = 1,
                   without: tuple[str, ...] = ()) -> None:
        """Every calibration a science frame in this setup needs, taken on ``night``,
        except the kinds named in ``without`` (e.g. ``("biases",)``)."""
        plan = {
            "biases": lambda: self.biases(night, binning),
            "darks": lambda: self.darks(night, binning),
            "twilight_flats": lambda: self.twilight_flats(night, filter_name, binning),
            "dome_flats": lambda: self.dome_flats(night, filter_name, binning),
            "standard": lambda: self.standard(night, filter_name),
            "night_sky_flats": lambda: self.night_sky_flats(night, filter_name, binning),
            "fringe_frames": lambda: self.fringe_frames(night, filter_name, binning),
        }
        unknown = set(without) - set(plan)
        assert not unknown, f"unknown calibration kinds {unknown}"
        for kind, take in plan.items():
            if kind not in without and (kind != "fringe_frames" or filter_name in ("I", "z")):
                take()


class Reduction:
    """A derivation of the imaging cascade over an observatory's files, with lookups."""

    def __init__(self, observatory: Observatory, workdir: Path, **options) -> None:
        self.observatory = observatory
        self.derivation = derive_request("imaging", [observatory.folder], workdir=workdir, **options)
        self.graph = self.derivation.graph
        self.names = {path: name for name, path in observatory.files.items()}
        self.jobs = {job.id: job for job in self.derivation.jobs}

    def of(self, task: str) -> list:
        return [job for job in self.derivation.jobs if job.task == task]

    def one(self, task: str):
        found = self.of(task)
        assert len(found) == 1, f"{len(found)} {task} jobs"
        return found[0]

    def files(self, job, slot: str) -> list[str]:
        """The names of the on-disk files feeding ``slot`` of ``job`` directly."""
        return sorted(self.names[i.file] for i in job.inputs if i.slot == slot and i.file)

    def parents(self, job, slot: str) -> list:
        return [self.jobs[i] for i in sorted({i.job for i in job.inputs if i.slot == slot and i.job})]

    def trigger(self, job) -> str:
        """The raw file that started the chain ``job`` belongs to."""
        while True:
            files = self.files(job, "main")
            if files:
                return files[0]
            job = self.parents(job, "main")[0]

    def chain(self, science_name: str) -> dict[str, object]:
        """The science frame's job of every task along its chain, by task name."""
        return {job.task: job for job in self.derivation.jobs
                if job.task not in ("stack",) and self._descends(job, science_name)}

    def _descends(self, job, name: str) -> bool:
        try:
            return self.trigger(job) == name
        except IndexError:
            return False
