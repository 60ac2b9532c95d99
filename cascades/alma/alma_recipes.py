# The recipes of this cascade are the radio family of radps_seq.recipes (real CASA calls);
# importing it registers radio_import, radio_flagdata, ... radio_export.
import radps_seq.recipes.radio  # noqa: F401
