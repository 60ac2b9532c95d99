# Header keywords of the SIMIMG imager, named once, in EDPS (normalised) spelling:
# 'HIERARCH ESO DPR CATG' is 'dpr.catg', 'MJD-OBS' is 'mjd-obs'.

# Data product classification
dpr_catg = "dpr.catg"              # CALIB | SCIENCE
dpr_type = "dpr.type"              # BIAS, DARK, FLAT,DOME, FLAT,SKY, STD, SKY,FRINGE, ...
dpr_tech = "dpr.tech"              # IMAGE
pro_catg = "pro.catg"              # product category of pipeline products and archive masters

# Observation and template
obj = "object"
obs_name = "obs.name"
tpl_id = "tpl.id"
tpl_start = "tpl.start"            # groups the frames of one template (calibration sequence)
mjd_obs = "mjd-obs"
exptime = "exptime"

# Instrument setup
filter_name = "ins.filt1.name"
det_binx = "det.binx"
det_biny = "det.biny"

# Conditions recorded by the telescope and site monitors
airmass = "tel.airm.start"
seeing = "tel.ambi.fwhm.start"
humidity = "tel.ambi.rhum"
moon_illumination = "tel.moon.illu"
moon_distance = "tel.moon.dist"
moon_altitude = "tel.moon.alt"

# Setups
binning = [det_binx, det_biny]
filter_and_binning = [filter_name, det_binx, det_biny]
# What a science frame's processing depends on: known before any recipe runs.
observing_conditions = [exptime, airmass, seeing, humidity, moon_illumination, moon_distance,
                        moon_altitude, obj]

# Filters whose thin red-sensitive CCD response shows fringes from night-sky lines.
FRINGING_FILTERS = ("I", "z")
