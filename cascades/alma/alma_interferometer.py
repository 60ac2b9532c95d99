# ALMA interferometer (12 m and 7 m arrays): calibration, calibrator and check-source
# images, science imaging with optional self-calibration and full-Stokes products, and
# the two templates (cube imaging, measurement-set delivery).
from .alma_datasources import *
from .alma_stages import *
from .alma_task_functions import *

a_import = stage("a_import", "hifa_importdata", raw_eb, when=when(alma_if, any_(calibrate, template)),
                 role="import the raw execution block")
a_flagdata = stage("a_flagdata", "hifa_flagdata", a_import, when=when(alma_if, any_(calibrate, ms_template)),
                   role="deterministic flagging")
a_fluxcalflag = stage("a_fluxcalflag", "hifa_fluxcalflag", a_flagdata, when=alma_cal,
                      role="flag flux-calibrator lines")
a_rawflagchans = stage("a_rawflagchans", "hif_rawflagchans", a_fluxcalflag, when=alma_cal,
                       role="flag bad channels in raw data")
a_refant = stage("a_refant", "hif_refant", a_rawflagchans, when=alma_cal, role="reference antenna")
a_tsyscal = stage("a_tsyscal", "h_tsyscal", a_import, when=alma_cal, role="system temperature table")
a_tsysflag = stage("a_tsysflag", "hifa_tsysflag", a_tsyscal, when=alma_cal, role="flag Tsys table")
a_tsysflagcontamination = stage(
    "a_tsysflagcontamination", "hifa_tsysflagcontamination", a_tsysflag,
    when=when(alma_cal, not_(survey), not_(polarisation), not_(diffgain)),
    role="flag astronomical line contamination of Tsys")
a_antpos = stage("a_antpos", "hifa_antpos", a_import, when=alma_cal, role="antenna position corrections")
a_wvrgcalflag = stage("a_wvrgcalflag", "hifa_wvrgcalflag", a_refant, a_tsysflag, a_tsysflagcontamination,
                      when=alma_cal, role="water-vapour radiometer phase corrections")
a_lowgainflag = stage("a_lowgainflag", "hif_lowgainflag", a_wvrgcalflag, a_antpos, when=alma_cal,
                      role="flag antennas of low gain")
a_setmodels = stage("a_setmodels", "hif_setmodels", a_import, when=alma_cal, role="calibrator flux models")
a_bandpassflag = stage("a_bandpassflag", "hifa_bandpassflag", a_lowgainflag, a_setmodels, when=alma_cal,
                       role="flag outliers of a trial bandpass")
a_bandpass = stage("a_bandpass", "hifa_bandpass", a_bandpassflag, when=alma_cal, role="bandpass calibration")
a_spwphaseup = stage("a_spwphaseup", "hifa_spwphaseup", a_bandpass, when=alma_cal,
                     role="spectral-window phase offsets")
a_gfluxscaleflag = stage("a_gfluxscaleflag", "hifa_gfluxscaleflag", a_spwphaseup, when=alma_cal,
                         role="flag outliers of a trial gain solution")
pol_cal = when(alma_cal, polarisation)
a_polcalflag = stage("a_polcalflag", "hifa_polcalflag", a_gfluxscaleflag, when=pol_cal,
                     role="flag polarisation calibrator outliers")
a_session_refant = stage("a_session_refant", "hifa_session_refant", a_polcalflag, when=pol_cal,
                         role="one reference antenna per session")
a_lock_refant = stage("a_lock_refant", "hifa_lock_refant", a_session_refant, when=pol_cal,
                      role="lock the session reference antenna")
a_bandpass_session = stage("a_bandpass_session", "hifa_bandpass", a_lock_refant, when=pol_cal,
                           role="bandpass again with the session reference antenna")
a_spwphaseup_session = stage("a_spwphaseup_session", "hifa_spwphaseup", a_bandpass_session, when=pol_cal,
                             role="spectral-window phase offsets with the session reference antenna")
a_gfluxscale = stage("a_gfluxscale", "hifa_gfluxscale", a_gfluxscaleflag, a_spwphaseup_session,
                     when=alma_cal, role="flux scale from the amplitude calibrator")
a_diffgaincal = stage("a_diffgaincal", "hifa_diffgaincal", a_gfluxscale, when=when(alma_cal, diffgain),
                      role="differential gain between bands")
a_timegaincal = stage("a_timegaincal", "hifa_timegaincal", a_gfluxscale, a_diffgaincal, when=alma_cal,
                      role="time-dependent gain calibration")
a_renorm = stage("a_renorm", "hifa_renorm", a_timegaincal, when=when(alma_cal, not_(survey)),
                 role="renormalise spectra for autocorrelation lines")
a_targetflag = stage("a_targetflag", "hifa_targetflag", a_renorm, when=when(alma_cal, not_(survey)),
                     role="flag target outliers")
a_polcal = stage("a_polcal", "hifa_polcal", a_targetflag, when=when(alma_cal, full_stokes),
                 role="polarisation calibration")
a_applycal = stage("a_applycal", "hif_applycal", a_timegaincal, a_targetflag, a_polcal, when=alma_cal,
                   role="apply calibration tables")
a_imlist_calibrators = stage("a_imlist_calibrators", "hif_makeimlist", a_applycal, when=alma_cal,
                             role="calibrator image list")
a_image_calibrators = stage("a_image_calibrators", "hif_makeimages", a_imlist_calibrators, when=alma_cal,
                            role="calibrator images")
a_imlist_polcal = stage("a_imlist_polcal", "hif_makeimlist", a_applycal, when=when(alma_cal, full_stokes),
                        role="polarisation-calibrator image list per session")
a_image_polcal = stage("a_image_polcal", "hif_makeimages", a_imlist_polcal, when=when(alma_cal, full_stokes),
                       role="polarisation-calibrator images")
a_imlist_check = stage("a_imlist_check", "hif_makeimlist", a_applycal, when=alma_cal,
                       role="check-source image list per execution block")
a_image_check = stage("a_image_check", "hif_makeimages", a_imlist_check, when=alma_cal,
                      role="check-source images")
a_restoredata = stage("a_restoredata", "hifa_restoredata", raw_eb, a_import, a_flagdata,
                      when=when(alma_if, not_(calibrate)), role="restore calibrated data from the archive")


# Imaging starts from this run's calibration or from restored data, whichever exists.
imaging_checks = when(alma_if, not_(survey), not_(ms_template))
a_imageprecheck = stage("a_imageprecheck", "hifa_imageprecheck", raw_eb, a_applycal, a_restoredata,
                        when=imaging_checks, role="check the imaging parameters the science goal needs")
a_checkproductsize = stage("a_checkproductsize", "hif_checkproductsize", a_imageprecheck, when=imaging_checks,
                           role="limit image and cube sizes")
a_export_calibration = stage("a_export_calibration", "hifa_exportdata", a_applycal, a_image_calibrators,
                             a_image_polcal, a_image_check, a_checkproductsize, when=alma_cal,
                             role="export calibration products")
