# The recipes of this cascade are the imaging family of radps_seq.recipes;
# importing it registers imaging_bias, imaging_flat, ... imaging_stack.
import radps_seq.recipes.imaging  # noqa: F401
