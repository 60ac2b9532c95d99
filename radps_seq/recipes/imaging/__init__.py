"""Imaging recipes (numpy + astropy on FITS): master calibrations, science calibration,
in-place refinement stages that measure their effect, photometry and stacking.

Importing this package registers every recipe; the names are listed in :data:`RECIPES`.
"""

from . import calibration, photometry, refinement

RECIPES = (
    "imaging_bias",
    "imaging_dark",
    "imaging_flat",
    "imaging_fringe_map",
    "imaging_illumination_map",
    "imaging_sky_model",
    "imaging_zeropoint",
    "imaging_calibrate",
    "imaging_crclean",
    "imaging_skysub",
    "imaging_defringe",
    "imaging_illumcor",
    "imaging_photcal",
    "imaging_stack",
)

__all__ = ["RECIPES", "calibration", "photometry", "refinement"]
