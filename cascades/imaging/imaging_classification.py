from edps import classification_rule

from .imaging_keywords import *

# Raw frames are told apart by their DPR keywords (and carry no product category) ...
bias_class = classification_rule("BIAS", {dpr_catg: "CALIB", dpr_type: "BIAS", pro_catg: None})
dark_class = classification_rule("DARK", {dpr_catg: "CALIB", dpr_type: "DARK", pro_catg: None})
dome_flat_class = classification_rule("FLAT_DOME", {dpr_catg: "CALIB", dpr_type: "FLAT,DOME", pro_catg: None})
twilight_flat_class = classification_rule("FLAT_TWILIGHT",
                                          {dpr_catg: "CALIB", dpr_type: "FLAT,SKY", pro_catg: None})
standard_class = classification_rule("STD", {dpr_catg: "CALIB", dpr_type: "STD", pro_catg: None})
fringe_class = classification_rule("FRINGE", {dpr_catg: "CALIB", dpr_type: "SKY,FRINGE", pro_catg: None})
night_sky_flat_class = classification_rule("ILLUM",
                                           {dpr_catg: "CALIB", dpr_type: "FLAT,NIGHTSKY", pro_catg: None})
sky_class = classification_rule("SKY", {dpr_catg: "SCIENCE", dpr_type: "SKY", pro_catg: None})
science_class = classification_rule("OBJECT", {dpr_catg: "SCIENCE", dpr_type: "OBJECT", pro_catg: None})

# ... static calibrations by their product category.
std_catalog_class = classification_rule("STD_CATALOG", {pro_catg: "STD_CATALOG"})
