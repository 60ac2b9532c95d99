from edps import data_source

from .alma_classification import *
from .alma_keywords import *

# One job per execution block; the stages of one EB associate with each other by its id.
raw_eb = (data_source("EB")
          .with_classification_rule(eb_class)
          .with_grouping_keywords([obs_id])
          .with_setup_keywords([telescope, array, intents, state, lines] + observing_conditions)
          .with_match_keywords([obs_id])
          .build())
