# VLA and VLASS: calibration (with and without a flux calibrator), calibrator images,
# continuum and cube imaging with optional self-calibration, the two templates, and the
# VLASS quick-look, single-epoch and component imaging.
from .alma_datasources import *
from .alma_stages import *
from .alma_task_functions import *

v_import = stage("v_import", "hifv_importdata", raw_eb, when=vla_family, role="import the execution block")
v_hanning = stage("v_hanning", "hifv_hanning", v_import, when=vla_cal, role="Hanning smoothing")
v_flagdata = stage("v_flagdata", "hifv_flagdata", v_hanning, when=vla_cal, role="deterministic flagging")
v_vlasetjy = stage("v_vlasetjy", "hifv_vlasetjy", v_flagdata, when=vla_fluxcal, role="flux calibrator model")
v_priorcals = stage("v_priorcals", "hifv_priorcals", v_flagdata, v_vlasetjy, when=vla_cal,
                    role="prior calibrations (gain curves, opacities, antenna positions)")
v_syspower = stage("v_syspower", "hifv_syspower", v_priorcals, when=when(vla_fluxcal, switched_power),
                   role="switched-power calibration")
v_testbpdcals = stage("v_testbpdcals", "hifv_testBPdcals", v_priorcals, v_syspower, when=vla_cal,
                      role="trial delay and bandpass")
v_checkflag_bpd = stage("v_checkflag_bpd", "hifv_checkflag", v_testbpdcals, when=vla_fluxcal,
                        role="automatic flagging of bandpass and delay calibrators")
v_semifinalbpdcals = stage("v_semifinalbpdcals", "hifv_semiFinalBPdcals", v_checkflag_bpd, when=vla_fluxcal,
                           role="semi-final delay and bandpass")
v_checkflag_allcals = stage("v_checkflag_allcals", "hifv_checkflag", v_semifinalbpdcals, when=vla_fluxcal,
                            role="automatic flagging of all calibrators")
v_solint = stage("v_solint", "hifv_solint", v_testbpdcals, v_checkflag_allcals, when=vla_cal,
                 role="gain solution intervals")
v_fluxboot = stage("v_fluxboot", "hifv_fluxboot", v_solint, when=vla_cal, role="flux bootstrapping")
v_finalcals = stage("v_finalcals", "hifv_finalcals", v_fluxboot, when=vla_cal, role="final calibration tables")
v_circfeedpolcal = stage("v_circfeedpolcal", "hifv_circfeedpolcal", v_finalcals, when=when(vla_cal, vlass),
                         role="circular-feed polarisation calibration")
v_flagcal = stage("v_flagcal", "hifv_flagcal", v_circfeedpolcal, when=when(vla_cal, vlass),
                  role="flag calibration tables")
v_applycals = stage("v_applycals", "hifv_applycals", v_finalcals, v_flagcal, when=vla_cal,
                    role="apply calibration tables")
no_fluxcal = when(vla_cal, not_(flux_calibrator))
v_flagdata_calibrated = stage("v_flagdata_calibrated", "hifv_flagdata", v_applycals, when=no_fluxcal,
                              role="deterministic flagging of calibrated data")
v_checkflag_calibrated = stage("v_checkflag_calibrated", "hifv_checkflag", v_flagdata_calibrated,
                               when=no_fluxcal, role="automatic flagging of calibrated calibrators")
v_checkflag_target = stage("v_checkflag_target", "hifv_checkflag", v_applycals, v_checkflag_calibrated,
                           when=vla_cal, role="automatic flagging of the targets")
v_restoredata = stage("v_restoredata", "hifv_restoredata", v_import, when=when(vla, template),
                      role="restore calibrated data from the archive")
v_statwt = stage("v_statwt", "hifv_statwt", v_import, v_checkflag_target, v_restoredata,
                 when=when(vla_family, any_(calibrate, template)), role="visibility weights from scatter")
v_plotsummary = stage("v_plotsummary", "hifv_plotsummary", v_statwt, when=vla_cal, role="summary plots")
v_fixpointing = stage("v_fixpointing", "hifv_fixpointing", v_statwt, when=when(vla_cal, vlass),
                      role="correct pointing tables")
v_mstransform = stage("v_mstransform", "hifv_mstransform", v_import, v_statwt,
                      when=when(vla, any_(image, template, no_fluxcal)), role="split the science target data")
vla_cal_images = when(vla, calibrate)
v_imlist_calibrators = stage("v_imlist_calibrators", "hif_makeimlist", v_statwt, when=vla_cal_images,
                             role="calibrator image list")
v_image_calibrators = stage("v_image_calibrators", "hif_makeimages", v_imlist_calibrators,
                            when=vla_cal_images, role="calibrator images")
vla_sci = when(vla, any_(image, cube_template))
v_flagtargets = stage("v_flagtargets", "hifv_flagtargetsdata", v_mstransform, when=vla_sci,
                      role="flag the science target data")
line_imaging = when(vla_sci, spectral_lines)
v_size_cube = stage("v_size_cube", "hif_checkproductsize", v_flagtargets, when=line_imaging,
                    role="limit cube sizes before continuum subtraction")
v_findcont = stage("v_findcont", "hif_findcont", v_flagtargets, v_size_cube, when=line_imaging,
                   role="find continuum channels")
v_uvcontsub = stage("v_uvcontsub", "hif_uvcontsub", v_findcont, when=line_imaging, role="subtract the continuum")
v_editimlist_cube = stage("v_editimlist_cube", "hif_editimlist", v_uvcontsub, when=when(vla, cube_template),
                          role="user-defined cube image list")
v_image_editcube = stage("v_image_editcube", "hif_makeimages", v_editimlist_cube, when=when(vla, cube_template),
                         role="user-defined cube")
v_size_cont = stage("v_size_cont", "hif_checkproductsize", v_mstransform, v_flagtargets, v_uvcontsub,
                    v_image_editcube, when=when(vla, any_(image, cube_template, no_fluxcal)),
                    role="limit continuum image size")
v_imlist_target = stage("v_imlist_target", "hif_makeimlist", v_size_cont, when=when(vla, no_fluxcal),
                        role="quick target continuum image list")
v_image_target = stage("v_image_target", "hif_makeimages", v_imlist_target, when=when(vla, no_fluxcal),
                       role="quick target continuum images")
v_export_calibration = stage("v_export_calibration", "hifv_exportdata", v_statwt, v_plotsummary,
                             v_fixpointing, v_image_calibrators, v_image_target, when=vla_cal,
                             role="export calibration products")
v_imlist_cont = stage("v_imlist_cont", "hif_makeimlist", v_size_cont, when=vla_sci,
                      role="continuum image list")
v_image_cont = stage("v_image_cont", "hif_makeimages", v_imlist_cont, when=vla_sci, role="continuum images")
cubes = when(line_imaging, not_(cube_template))
v_size_cube_image = stage("v_size_cube_image", "hif_checkproductsize", v_uvcontsub, when=cubes,
                          role="limit cube sizes before cube imaging")
v_imlist_cube = stage("v_imlist_cube", "hif_makeimlist", v_size_cube_image, when=cubes, role="cube image list")
v_image_cube = stage("v_image_cube", "hif_makeimages", v_imlist_cube, when=cubes, role="line cubes")
v_size_selfcal = stage("v_size_selfcal", "hif_checkproductsize", v_uvcontsub, when=when(cubes, selfcal),
                       role="limit image size before self-calibration")
v_selfcal = stage("v_selfcal", "hif_selfcal", v_image_cont, v_size_selfcal, when=when(vla_sci, selfcal),
                  role="self-calibration of the continuum")
v_imlist_cont_sc = stage("v_imlist_cont_sc", "hif_makeimlist", v_selfcal, when=when(vla_sci, selfcal),
                         role="continuum image list after self-calibration")
v_image_cont_sc = stage("v_image_cont_sc", "hif_makeimages", v_imlist_cont_sc, when=when(vla_sci, selfcal),
                        role="continuum images after self-calibration")
lines_sc = when(line_imaging, selfcal)
v_size_cube_sc = stage("v_size_cube_sc", "hif_checkproductsize", v_selfcal, when=lines_sc,
                       role="limit cube sizes after self-calibration")
v_imlist_cube_sc = stage("v_imlist_cube_sc", "hif_makeimlist", v_size_cube_sc, when=when(lines_sc, not_(cube_template)),
                         role="cube image list after self-calibration")
v_editimlist_cube_sc = stage("v_editimlist_cube_sc", "hif_editimlist", v_size_cube_sc,
                             when=when(lines_sc, cube_template),
                             role="user-defined cube image list after self-calibration")
v_image_cube_sc = stage("v_image_cube_sc", "hif_makeimages", v_imlist_cube_sc,
                        when=when(lines_sc, not_(cube_template)), role="line cubes after self-calibration")
v_image_editcube_sc = stage("v_image_editcube_sc", "hif_makeimages", v_editimlist_cube_sc,
                            when=when(lines_sc, cube_template),
                            role="user-defined cube after self-calibration")
v_export_images = stage("v_export_images", "hifv_exportdata", v_mstransform, v_image_cont, v_image_cube,
                        v_image_editcube, v_image_cont_sc, v_image_cube_sc, v_image_editcube_sc,
                        when=when(vla, any_(image, template)), role="export images (or the split data)")
