from edps import data_source

from .demo0_classification import *

# --- Raw types datasources --------------------------------------------------------------

raw_bias = (data_source('BIAS')
            .with_classification_rule(bias_class)
            .build())

raw_flat = (data_source('FLAT')
            .with_classification_rule(flat_class)
            .build())

raw_science = (data_source('OBJECT')
               .with_classification_rule(science_class)
               .with_grouping_keywords(['mjd-obs'])  # one job per exposure
               .build())

raw_sky = (data_source('SKY')
           .with_classification_rule(sky_class)
           .build())

# Catalogue of standard stars
static_catalog = (data_source('catalog')
                  .with_classification_rule(catalog_class)
                  .build())
