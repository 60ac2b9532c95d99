"""Radio recipes: real CASA stages on small measurement sets (``radps_seq[casa]``).

Importing this package registers the recipes; CASA itself is imported only when a stage
runs (:mod:`radps_seq.recipes.radio.casa`), so listing or deriving needs no CASA.
"""

from . import calibration, imaging

RECIPES = (
    "radio_import",
    "radio_flagdata",
    "radio_autoflag",
    "radio_lowgainflag",
    "radio_refant",
    "radio_bandpass",
    "radio_gaincal",
    "radio_fluxscale",
    "radio_applycal",
    "radio_image",
    "radio_selfcal",
    "radio_export",
)

__all__ = ["RECIPES", "calibration", "imaging"]
