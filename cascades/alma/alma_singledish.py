# Single dish: ALMA total power and the Nobeyama 45 m (no Kelvin-to-Jansky or
# atmospheric correction), two rounds of baseline fitting and flagging, imaging.
from .alma_datasources import *
from .alma_stages import *
from .alma_task_functions import *

d_import = stage("d_import", "hsd_importdata", raw_eb, when=total_power, role="import total-power data")
d_import_nro = stage("d_import_nro", "hsdn_importdata", raw_eb, when=nobeyama, role="import Nobeyama data")
d_flagdata = stage("d_flagdata", "hsd_flagdata", d_import, when=total_power, role="deterministic flagging")
d_tsyscal = stage("d_tsyscal", "h_tsyscal", raw_eb, d_import, d_import_nro, d_flagdata, when=single_dish,
                  role="system temperature table")
d_tsysflag = stage("d_tsysflag", "hsd_tsysflag", d_tsyscal, when=single_dish, role="flag Tsys table")
d_skycal = stage("d_skycal", "hsd_skycal", raw_eb, d_import, d_import_nro, d_flagdata, when=single_dish,
                 role="sky calibration from off-source data")
d_k2jycal = stage("d_k2jycal", "hsd_k2jycal", d_import, when=total_power, role="Kelvin-to-Jansky factors")
d_applycal = stage("d_applycal", "hsd_applycal", d_tsysflag, d_skycal, d_k2jycal, when=single_dish,
                   role="apply calibration tables")
d_atmcor = stage("d_atmcor", "hsd_atmcor", d_applycal, when=total_power, role="atmospheric correction")
d_baseline = stage("d_baseline", "hsd_baseline", d_applycal, d_atmcor, when=single_dish, role="baseline fit")
d_blflag = stage("d_blflag", "hsd_blflag", d_baseline, when=single_dish, role="flag baseline outliers")
d_baseline_2 = stage("d_baseline_2", "hsd_baseline", d_blflag, when=single_dish,
                     role="baseline fit on flagged data")
d_blflag_2 = stage("d_blflag_2", "hsd_blflag", d_baseline_2, when=single_dish,
                   role="flag baseline outliers again")
d_imaging = stage("d_imaging", "hsd_imaging", d_blflag_2, when=single_dish, role="single-dish images")
d_export = stage("d_export", "hsd_exportdata", d_imaging, when=total_power, role="export products")
d_export_nro = stage("d_export_nro", "hsdn_exportdata", d_imaging, when=nobeyama, role="export products")
