# The stages that run real CASA, on simulated measurement sets (obs.array SIM): import,
# deterministic and automatic flagging, low-gain antennas, reference antenna, bandpass,
# gains, flux scale, applycal, imaging, a self-calibration loop and the FITS export.
# Meta-target "science" (the default target). A skipped iteration hands its input image on.
from edps import task, SCIENCE

from .alma_datasources import *
from .alma_task_functions import *

# The self-calibration loop unrolls at run time: round r of a reduction derives the
# iterations 1..r (workflow parameter selfcal_rounds); once an iteration says it has
# converged (or selfcal_max_iterations is reached) the loop sets selfcal_done and the
# export is derived. At most SELFCAL_ITERATIONS iterations are declared.
SELFCAL_ITERATIONS = 4
# While the loop runs, its iterations are the round's targets (meta-target "selfcal").
SELFCAL_LOOP = "selfcal"


def simulated(params): return params.get_keyword(array) == "SIM"


def selfcal_round(k):
    def unrolled(params): return simulated(params) and int(params.get_workflow_param("selfcal_rounds", 1)) >= k
    unrolled.__name__ = f"selfcal_round_{k}"
    return unrolled


def selfcal_done(params):
    return simulated(params) and str(params.get_workflow_param("selfcal_done", False)).lower() in ("true", "1", "yes")


casa_import = (task("casa_import").with_recipe("radio_import").with_main_input(raw_eb)
               .with_condition(simulated).with_description("import and inspect").build())
casa_flagdata = (task("casa_flagdata").with_recipe("radio_flagdata").with_main_input(casa_import)
                 .with_description("deterministic flagging").build())
casa_autoflag = (task("casa_autoflag").with_recipe("radio_autoflag").with_main_input(casa_flagdata)
                 .with_skippable(tolerance=0.002, description="RFI bursts, more likely at low frequency")
                 .with_description("automatic flagging (rflag)").build())
casa_lowgainflag = (task("casa_lowgainflag").with_recipe("radio_lowgainflag").with_main_input(casa_autoflag)
                    .with_skippable(tolerance=0.002, description="an antenna of low gain, now and then")
                    .with_description("flag antennas of low gain").build())
casa_refant = (task("casa_refant").with_recipe("radio_refant").with_main_input(casa_lowgainflag)
               .with_description("reference antenna").build())
casa_bandpass = (task("casa_bandpass").with_recipe("radio_bandpass").with_main_input(casa_lowgainflag)
                 .with_associated_input(casa_refant).with_description("bandpass calibration").build())
casa_gaincal = (task("casa_gaincal").with_recipe("radio_gaincal").with_main_input(casa_lowgainflag)
                .with_associated_input(casa_refant).with_associated_input(casa_bandpass)
                .with_description("gain calibration").build())
casa_fluxscale = (task("casa_fluxscale").with_recipe("radio_fluxscale").with_main_input(casa_gaincal)
                  .with_associated_input(casa_lowgainflag).with_description("flux scale").build())
casa_applycal = (task("casa_applycal").with_recipe("radio_applycal").with_main_input(casa_lowgainflag)
                 .with_associated_input(casa_bandpass).with_associated_input(casa_fluxscale)
                 .with_description("apply calibration, split the target").build())
casa_image = (task("casa_image").with_recipe("radio_image").with_main_input(casa_applycal)
              .with_meta_targets([SCIENCE]).with_description("target image (tclean)").build())

casa_selfcal = []
for k in range(1, SELFCAL_ITERATIONS + 1):
    previous = casa_selfcal[-1] if casa_selfcal else casa_image
    casa_selfcal.append(task(f"casa_selfcal_{k}").with_recipe("radio_selfcal").with_main_input(previous)
                        .with_associated_input(casa_applycal).with_condition(selfcal_round(k))
                        .with_skippable(tolerance=0.05, description="helps bright targets in wet weather")
                        .with_meta_targets([SELFCAL_LOOP])
                        .with_description(f"self-calibration, iteration {k}").build())

export = (task("casa_export").with_recipe("radio_export").with_main_input(casa_image)
          .with_condition(selfcal_done).with_meta_targets([SCIENCE])
          .with_description("export FITS images with QC and provenance"))
for iteration in casa_selfcal:
    export.with_associated_input(iteration, min_ret=0)
casa_export = export.build()
