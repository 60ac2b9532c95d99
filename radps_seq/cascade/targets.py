"""Meta-targets: named sets of tasks a user can ask for (EDPS names and values)."""

SCIENCE = "science"
QC1_CALIB = "qc1calib"
QC0 = "qc0"
CALCHECKER = "calchecker"
IDP = "idp"
#: Not a real meta-target: asking for it targets every task of the cascade.
ALL = "all"

META_TARGETS = (SCIENCE, QC1_CALIB, QC0, CALCHECKER, IDP)
