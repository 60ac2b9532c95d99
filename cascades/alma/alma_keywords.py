# Keywords of the measurement-set descriptor (a header-only FITS file next to each
# measurement set), in EDPS (normalised) spelling: 'HIERARCH MS DESCR' is 'ms.descr'.

ms_descr = "ms.descr"              # MEASUREMENT_SET: the file describes a measurement set
ms_name = "ms.name"                # the measurement set, relative to the descriptor
ms_sha256 = "ms.sha256"            # content hash of the measurement set's tables
telescope = "telescop"             # ALMA | VLA | NRO | SIMVLA
obs_id = "obs.id"                  # execution block: every stage of one EB belongs together
array = "obs.array"                # 12M | 7M | TP | VLA | VLASS | NRO45 | SIM
intents = "obs.intents"            # comma list: TARGET,PHASE,BANDPASS,AMPLITUDE,CHECK,...
state = "obs.state"                # RAW | CALIBRATED (calibrated data restored or imported)
lines = "obs.lines"                # spectral lines in the science windows (cube imaging)
mjd_obs = "mjd-obs"

# What a simulated measurement set records of its observation (known before any stage runs).
observing_conditions = ["obs.band", "obs.freq", "obs.nant", "obs.nchan", "obs.nscan", "obs.pwv",
                        "obs.elev", "obs.tint", "obs.expflux"]

INTERFEROMETER = ("12M", "7M")
SINGLE_DISH = ("TP", "NRO45")
