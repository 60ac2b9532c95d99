from edps import data_source
from edps.generator.time_range import *

from .imaging_classification import *
from .imaging_keywords import *
from .imaging_rules import *

# --- Calibration sequences: one job per template and setup ------------------------------
# Biases are taken every afternoon; a missing sequence is replaced by one from a
# neighbouring night (level 1), at worst from within a month (level 2).
raw_bias = (data_source("BIAS")
            .with_classification_rule(bias_class)
            .with_grouping_keywords([tpl_start] + binning)
            .with_setup_keywords(binning)
            .with_min_group_size(3)
            .with_match_keywords(binning, time_range=SAME_NIGHT, level=0)
            .with_match_keywords(binning, time_range=ONE_WEEK, level=1)
            .with_match_keywords(binning, time_range=ONE_MONTH, level=2)
            .build())

# Darks are taken every third day.
raw_dark = (data_source("DARK")
            .with_classification_rule(dark_class)
            .with_grouping_keywords([tpl_start] + binning)
            .with_setup_keywords(binning)
            .with_min_group_size(2)
            .with_match_keywords(binning, time_range=THREE_DAYS, level=0)
            .with_match_keywords(binning, time_range=ONE_MONTH, level=1)
            .build())

# Twilight flats match the night sky best but need a clear evening; the dust pattern
# drifts, so only the same night's are used (a cloudy night falls back to dome flats).
raw_twilight_flat = (data_source("FLAT_TWILIGHT")
                     .with_classification_rule(twilight_flat_class)
                     .with_grouping_keywords([tpl_start] + filter_and_binning)
                     .with_setup_keywords(filter_and_binning)
                     .with_min_group_size(2)
                     .with_match_keywords(filter_and_binning, time_range=SAME_NIGHT, level=0)
                     .build())

# Dome flats are taken whatever the weather.
raw_dome_flat = (data_source("FLAT_DOME")
                 .with_classification_rule(dome_flat_class)
                 .with_grouping_keywords([tpl_start] + filter_and_binning)
                 .with_setup_keywords(filter_and_binning)
                 .with_min_group_size(2)
                 .with_match_keywords(filter_and_binning, time_range=SAME_NIGHT, level=0)
                 .with_match_keywords(filter_and_binning, time_range=ONE_WEEK, level=1)
                 .with_match_keywords(filter_and_binning, time_range=ONE_MONTH, level=2)
                 .build())

# Standard star fields: a zero point of the same night, else any (a worse level).
raw_standard = (data_source("STD")
                .with_classification_rule(standard_class)
                .with_grouping_keywords([tpl_start, filter_name])
                .with_setup_keywords(filter_and_binning + [airmass])
                .with_match_keywords([filter_name], time_range=ONE_DAY, level=0)
                .with_match_keywords([filter_name], time_range=UNLIMITED, level=1)
                .build())

# Dithered night-sky frames in fringing filters.
raw_fringe = (data_source("FRINGE")
              .with_classification_rule(fringe_class)
              .with_grouping_keywords([tpl_start] + filter_and_binning)
              .with_setup_keywords(filter_and_binning)
              .with_min_group_size(2)
              .with_match_keywords(filter_and_binning, time_range=SAME_NIGHT, level=0)
              .with_match_keywords(filter_and_binning, time_range=ONE_WEEK, level=1)
              .with_match_keywords(filter_and_binning, time_range=UNLIMITED, level=2)
              .build())

# Night-sky flats for the illumination correction, taken once a week.
raw_night_sky_flat = (data_source("ILLUM")
                      .with_classification_rule(night_sky_flat_class)
                      .with_grouping_keywords([tpl_start] + filter_and_binning)
                      .with_setup_keywords(filter_and_binning)
                      .with_min_group_size(2)
                      .with_match_keywords(filter_and_binning, time_range=ONE_WEEK, level=0)
                      .with_match_keywords(filter_and_binning, time_range=ONE_MONTH, level=1)
                      .with_match_keywords(filter_and_binning, time_range=UNLIMITED, level=2)
                      .build())

# --- Science ------------------------------------------------------------------------------
# Offset sky frames of extended targets belong to the science frame's observation block.
raw_sky = (data_source("SKY")
           .with_classification_rule(sky_class)
           .with_grouping_keywords([tpl_start, filter_name])
           .with_setup_keywords(filter_and_binning)
           .with_match_function(same_sequence, time_range=SAME_NIGHT, level=0)
           .build())

# Every science frame is processed on its own; its conditions are the job's features.
raw_science = (data_source("OBJECT")
               .with_classification_rule(science_class)
               .with_grouping_keywords([mjd_obs])
               .with_setup_keywords(filter_and_binning + observing_conditions)
               .build())

# --- Static calibrations --------------------------------------------------------------------
std_catalog = (data_source("STD_CATALOG")
               .with_classification_rule(std_catalog_class)
               .build())
