# VLASS imaging of calibrated data: quick-look (QL), single-epoch with self-calibration
# (SE) and component (CC) images, with primary-beam correction, rms and cutout images.
from .alma_vla import *

ql, se, cc = (when(vlass, vlass_stage(name)) for name in ("QL", "SE", "CC"))
any_vlass = when(vlass, any_(vlass_stage("QL"), vlass_stage("SE"), vlass_stage("CC")))
s_imlist = stage("s_imlist", "hif_editimlist", v_import, when=any_vlass, role="survey image list")
s_transform = stage("s_transform", "hif_transformimagedata", s_imlist, when=any_vlass,
                    role="split and reweight the imaging data")
s_mask_tier1 = stage("s_mask_tier1", "hifv_vlassmasking", s_transform, when=se, role="tier-1 clean mask")
s_image = stage("s_image", "hif_makeimages", s_transform, s_mask_tier1, when=any_(ql, se),
                role="first survey image")
s_checkflag = stage("s_checkflag", "hifv_checkflag", s_image, when=se, role="flag residual outliers")
s_statwt = stage("s_statwt", "hifv_statwt", s_checkflag, when=se, role="weights from residual scatter")
s_selfcal = stage("s_selfcal", "hifv_selfcal", s_statwt, when=se, role="survey self-calibration")
s_imlist_sc = stage("s_imlist_sc", "hif_editimlist", s_selfcal, when=se,
                    role="image list after self-calibration")
s_image_sc = stage("s_image_sc", "hif_makeimages", s_imlist_sc, when=se, role="image after self-calibration")
s_imlist_final = stage("s_imlist_final", "hif_editimlist", s_image_sc, when=se, role="final image list")
s_mask_tier2 = stage("s_mask_tier2", "hifv_vlassmasking", s_imlist_final, when=se, role="tier-2 clean mask")
s_image_final = stage("s_image_final", "hif_makeimages", s_mask_tier2, when=se, role="final survey image")
s_restorepims = stage("s_restorepims", "hifv_restorepims", s_transform, when=cc,
                      role="restore single-epoch images as models")
s_flagtargets = stage("s_flagtargets", "hifv_flagtargetsdata", s_restorepims, when=cc,
                      role="flag the component data")
s_imlist_cc = stage("s_imlist_cc", "hif_editimlist", s_flagtargets, when=cc, role="component image list")
s_image_cc = stage("s_image_cc", "hif_makeimages", s_imlist_cc, when=cc, role="component images")
s_pbcor = stage("s_pbcor", "hifv_pbcor", s_transform, s_image, s_image_final, s_image_cc, when=any_vlass,
                role="primary-beam correction")
s_rms = stage("s_rms", "hif_makermsimages", s_pbcor, when=any_vlass, role="rms images")
s_cutouts = stage("s_cutouts", "hif_makecutoutimages", s_rms, when=any_vlass, role="cutout images")
s_flagdata = stage("s_flagdata", "hifv_flagdata", s_cutouts, when=ql, role="flag summary of quick-look data")
s_alpha = stage("s_alpha", "hif_analyzealpha", s_cutouts, when=se, role="spectral index")
s_stokes = stage("s_stokes", "hifv_analyzestokescubes", s_cutouts, when=cc, role="Stokes cube statistics")
s_export = stage("s_export", "hifv_exportvlassdata", s_cutouts, s_flagdata, s_alpha, s_stokes,
                 when=any_vlass, role="export survey products")
