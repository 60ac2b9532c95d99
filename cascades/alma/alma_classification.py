from edps import classification_rule

from .alma_keywords import *

# A descriptor of a measurement set, whatever array took it; pipeline products carry pro.catg.
eb_class = classification_rule("EB", {ms_descr: "MEASUREMENT_SET", "pro.catg": None})
