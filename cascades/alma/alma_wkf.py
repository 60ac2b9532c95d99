# One cascade for the 32 ALMA/VLA/VLASS/single-dish pipeline recipes: every stage is a
# task by role (alma_interferometer, alma_imaging, alma_vla, alma_vlass, alma_singledish;
# meta-target "pipeline"), each recipe a parameter set of alma_parameters.yaml. The
# subset that runs real CASA on simulated measurement sets is alma_casa (meta-target
# "science", the default target).
from .alma_imaging import *
from .alma_vlass import *
from .alma_singledish import *
from .alma_casa import *
