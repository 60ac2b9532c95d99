from edps import task, QC1_CALIB, SCIENCE

from .demo0_datasources import *

# --- Processing tasks -------------------------------------------------------------------

# - Task for processing raw biases
bias_task = (task('bias')
             .with_recipe('run_bias')
             .with_main_input(raw_bias)
             .with_meta_targets([QC1_CALIB])
             .build())

# - Task for processing raw flats
flat_task = (task('flat')
             .with_recipe('run_flat')
             .with_main_input(raw_flat)
             .with_associated_input(bias_task)
             .with_meta_targets([QC1_CALIB])
             .build())

# - Task for processing science exposures
science_task = (task('object')
                .with_recipe('run_science')
                .with_main_input(raw_science)
                .with_associated_input(raw_sky, min_ret=0)  # sky is an optional input
                .with_associated_input(bias_task)
                .with_associated_input(flat_task)
                .with_associated_input(static_catalog)
                .with_meta_targets([SCIENCE])
                .build())
