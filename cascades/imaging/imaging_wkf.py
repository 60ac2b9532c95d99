from edps import task, subworkflow, alternative_associated_inputs, QC1_CALIB, SCIENCE

from .imaging_datasources import *
from .imaging_task_functions import *

# --- Master calibrations ---------------------------------------------------------------------
bias = (task("bias")
        .with_recipe("imaging_bias")
        .with_main_input(raw_bias)
        .with_meta_targets([QC1_CALIB])
        .build())

dark = (task("dark")
        .with_recipe("imaging_dark")
        .with_main_input(raw_dark)
        .with_associated_input(bias, ["MASTER_BIAS"])
        .with_meta_targets([QC1_CALIB])
        .build())

twilight_flat = (task("twilight_flat")
                 .with_recipe("imaging_flat")
                 .with_main_input(raw_twilight_flat)
                 .with_associated_input(bias, ["MASTER_BIAS"])
                 .with_meta_targets([QC1_CALIB])
                 .build())

dome_flat = (task("dome_flat")
             .with_recipe("imaging_flat")
             .with_main_input(raw_dome_flat)
             .with_associated_input(bias, ["MASTER_BIAS"])
             .with_meta_targets([QC1_CALIB])
             .build())


def preferred_flat():
    """Photometry needs the flat that matches the night sky: twilight, else dome."""
    return (alternative_associated_inputs()
            .with_associated_input(twilight_flat, ["MASTER_FLAT"])
            .with_associated_input(dome_flat, ["MASTER_FLAT"]))


def closest_flat():
    """Maps of fringes, illumination and sky only need the dust pattern of the moment:
    whichever flat was taken closest in time."""
    return (alternative_associated_inputs(sort_keys=[mjd_obs])
            .with_associated_input(twilight_flat, ["MASTER_FLAT"])
            .with_associated_input(dome_flat, ["MASTER_FLAT"]))


fringe_map = (task("fringe_map")
              .with_recipe("imaging_fringe_map")
              .with_main_input(raw_fringe)
              .with_associated_input(bias, ["MASTER_BIAS"])
              .with_associated_input(dark, ["MASTER_DARK"])
              .with_alternatives(closest_flat())
              .with_meta_targets([QC1_CALIB])
              .build())

illumination_map = (task("illumination_map")
                    .with_recipe("imaging_illumination_map")
                    .with_main_input(raw_night_sky_flat)
                    .with_associated_input(bias, ["MASTER_BIAS"])
                    .with_associated_input(dark, ["MASTER_DARK"])
                    .with_alternatives(closest_flat())
                    .with_condition(illumination_correction_requested)
                    .with_meta_targets([QC1_CALIB])
                    .build())

zeropoint = (task("zeropoint")
             .with_recipe("imaging_zeropoint")
             .with_main_input(raw_standard)
             .with_associated_input(bias, ["MASTER_BIAS"])
             .with_associated_input(dark, ["MASTER_DARK"])
             .with_alternatives(preferred_flat())
             .with_associated_input(std_catalog, ["STD_CATALOG"])
             .with_meta_targets([QC1_CALIB])
             .build())

sky_model = (task("sky_model")
             .with_recipe("imaging_sky_model")
             .with_main_input(raw_sky)
             .with_associated_input(bias, ["MASTER_BIAS"])
             .with_associated_input(dark, ["MASTER_DARK"])
             .with_alternatives(closest_flat())
             .build())

# --- Science --------------------------------------------------------------------------------
calibrate = (task("calibrate")
             .with_recipe("imaging_calibrate")
             .with_main_input(raw_science)
             .with_associated_input(bias, ["MASTER_BIAS"])
             .with_associated_input(dark, ["MASTER_DARK"])
             .with_alternatives(preferred_flat())
             .build())


@subworkflow("refinement", "In-place refinement of calibrated science frames; each stage "
                           "may be skipped, its consumer then reads the stage's input")
def refinement(calibrated):
    cosmic_rays = (task("cosmic_rays")
                   .with_recipe("imaging_crclean")
                   .with_main_input(calibrated)
                   .with_skippable(tolerance=0.0025,
                                   description="hits grow with exposure time")
                   .build())
    sky_subtraction = (task("sky_subtraction")
                       .with_recipe("imaging_skysub")
                       .with_main_input(cosmic_rays)
                       .with_associated_input(sky_model, ["SKY_MODEL"], min_ret=0)
                       .with_skippable(tolerance=0.01,
                                       description="structure grows with sky level, moon, airmass")
                       .build())
    defringe = (task("defringe")
                .with_recipe("imaging_defringe")
                .with_main_input(sky_subtraction)
                .with_associated_input(fringe_map, ["MASTER_FRINGE"],
                                       condition=needs_fringe_correction)
                .with_skippable(tolerance=0.01,
                                description="fringes only in I and z, growing with sky level")
                .build())
    return (task("illumination_correction")
            .with_recipe("imaging_illumcor")
            .with_main_input(defringe)
            .with_associated_input(illumination_map, ["MASTER_ILLUM"])
            .with_skippable(tolerance=0.002,
                            description="matters for bright sources only")
            .build())


refined = refinement(calibrate)

photometry = (task("photometry")
              .with_recipe("imaging_photcal")
              .with_main_input(refined)
              .with_associated_input(zeropoint, ["PHOT_ZEROPOINT"])
              .build())

stack = (task("stack")
         .with_recipe("imaging_stack")
         .with_main_input(photometry)
         .with_grouping_keywords([obj, filter_name, det_binx])
         .with_meta_targets([SCIENCE])
         .build())
