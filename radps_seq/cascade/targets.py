"""Meta-targets: named sets of tasks a user can ask for (EDPS names and values).

EDPS exports each meta-target twice, ``SCIENCE`` and ``science``; both hold the
lower-case string, so ``"science" in task.meta_targets`` holds whichever was used.
"""

SCIENCE = science = "science"
QC1_CALIB = qc1calib = "qc1calib"
QC0 = qc0 = "qc0"
CALCHECKER = calchecker = "calchecker"
IDP = idp = "idp"
QC1_SCIENCE = qc1science = "qc1science"
phase3 = "phase3"
#: Not a real meta-target: asking for it targets every task of the cascade.
ALL = "all"

META_TARGETS = (SCIENCE, QC1_CALIB, QC0, CALCHECKER, IDP, QC1_SCIENCE, phase3)
#: Every meta-target name a workflow may import from ``edps``, in both cases.
META_TARGET_NAMES = {
    "SCIENCE": SCIENCE, "QC1_CALIB": QC1_CALIB, "QC0": QC0, "CALCHECKER": CALCHECKER,
    "IDP": IDP, "QC1_SCIENCE": QC1_SCIENCE, "ALL": ALL,
    "science": science, "qc1calib": qc1calib, "qc0": qc0, "calchecker": calchecker,
    "idp": idp, "qc1science": qc1science, "phase3": phase3,
}
