# ALMA science-target imaging: continuum finding and subtraction, the mfs, continuum,
# cube and representative-bandwidth images (total intensity and full Stokes), the
# self-calibration of the continuum and the images made after it.
from .alma_interferometer import *

sci = when(alma_if, any_(image, cube_template))
sci_only = when(alma_if, image)
sci_iquv = when(sci_only, full_stokes)
sci_sc = when(sci_only, selfcal)
a_mstransform = stage("a_mstransform", "hif_mstransform", raw_eb, a_applycal, a_restoredata,
                      when=when(alma_if, any_(image, template)), role="split the science target data")
a_flagtargets = stage("a_flagtargets", "hifa_flagtargets", a_mstransform, when=sci_only,
                      role="flag the science target data")
a_findroi = stage("a_findroi", "hif_findroi", a_flagtargets, when=sci_only, role="regions of interest")
a_findcont = stage("a_findcont", "hif_findcont", a_mstransform, a_flagtargets, a_checkproductsize, when=sci,
                   role="find continuum channels")
a_uvcontsub = stage("a_uvcontsub", "hif_uvcontsub", a_findcont, when=sci, role="subtract the continuum")


def image_pair(name, source, when, role):
    """An image list and the images made from it: the two stages of one imaging role."""
    listed = stage(f"a_imlist_{name}", "hif_makeimlist", source, when=when, role=f"{role}: image list")
    return listed, stage(f"a_image_{name}", "hif_makeimages", listed, when=when, role=role)


a_imlist_mfs, a_image_mfs = image_pair("mfs", a_uvcontsub, sci_only, "mfs image per spectral window")
a_imlist_mfs_iquv, a_image_mfs_iquv = image_pair("mfs_iquv", a_uvcontsub, sci_iquv, "full-Stokes mfs image")
a_imlist_cont, a_image_cont = image_pair("cont", a_uvcontsub, sci, "aggregate continuum image")
a_imlist_cont_iquv, a_image_cont_iquv = image_pair("cont_iquv", a_uvcontsub, sci_iquv,
                                                   "full-Stokes continuum image")
a_imlist_cube, a_image_cube = image_pair("cube", a_uvcontsub, when(sci_only, not_(selfcal)), "line cube")
a_imlist_cube_iquv, a_image_cube_iquv = image_pair("cube_iquv", a_uvcontsub, sci_iquv, "full-Stokes cube")
a_imlist_repbw, a_image_repbw = image_pair("repbw", a_uvcontsub, sci_only,
                                           "cube at the representative bandwidth")
a_imlist_repbw_iquv, a_image_repbw_iquv = image_pair("repbw_iquv", a_uvcontsub, sci_iquv,
                                                     "full-Stokes representative-bandwidth cube")
a_editimlist_cube = stage("a_editimlist_cube", "hif_editimlist", a_uvcontsub, when=when(alma_if, cube_template),
                          role="user-defined cube image list")
a_image_editcube = stage("a_image_editcube", "hif_makeimages", a_editimlist_cube,
                         when=when(alma_if, cube_template), role="user-defined cube")
a_selfcal = stage("a_selfcal", "hif_selfcal", a_uvcontsub, a_image_cont, a_image_editcube,
                  when=when(sci, selfcal), role="self-calibration of the continuum")
a_imlist_mfs_sc, a_image_mfs_sc = image_pair("mfs_sc", a_selfcal, sci_sc, "mfs image after self-calibration")
a_imlist_cont_sc, a_image_cont_sc = image_pair("cont_sc", a_selfcal, when(sci, selfcal),
                                               "continuum image after self-calibration")
a_imlist_cube_best, a_image_cube_best = image_pair("cube_best", a_selfcal, sci_sc,
                                                   "line cube from the best (self-calibrated) data")
a_imlist_repbw_sc, a_image_repbw_sc = image_pair("repbw_sc", a_selfcal, sci_sc,
                                                 "representative-bandwidth cube after self-calibration")
a_editimlist_cube_sc = stage("a_editimlist_cube_sc", "hif_editimlist", a_selfcal,
                             when=when(alma_if, cube_template, selfcal),
                             role="user-defined cube image list after self-calibration")
a_image_editcube_sc = stage("a_image_editcube_sc", "hif_makeimages", a_editimlist_cube_sc,
                            when=when(alma_if, cube_template, selfcal),
                            role="user-defined cube after self-calibration")
a_export_images = stage(
    "a_export_images", "hifa_exportdata", a_mstransform, a_image_mfs, a_image_mfs_iquv, a_image_cont,
    a_image_cont_iquv, a_image_cube, a_image_cube_iquv, a_image_repbw, a_image_repbw_iquv,
    a_image_editcube, a_image_mfs_sc, a_image_cont_sc, a_image_cube_best, a_image_repbw_sc,
    a_image_editcube_sc, when=when(alma_if, any_(image, template)), role="export images (or the split data)")
