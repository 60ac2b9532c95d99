from edps import JobParameters

from .alma_keywords import *

# Conditions of the pipeline stages. Each reads the dataset (descriptor keywords of the
# execution block) or the processing request (workflow parameters of the chosen set);
# `when(...)` combines them so a task states its rule in one line.


def _flag(params: JobParameters, name: str, default=False) -> bool:
    value = params.get_workflow_param(name, default)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return bool(value)


def _intents(params: JobParameters) -> set:
    return {i.strip() for i in str(params.get_keyword(intents, "") or "").split(",") if i.strip()}


def _array(params: JobParameters) -> str:
    return str(params.get_keyword(array, "") or "")


def alma_if(params): return _array(params) in INTERFEROMETER
def vla(params): return _array(params) == "VLA"
def vlass(params): return _array(params) == "VLASS"
def vla_family(params): return _array(params) in ("VLA", "VLASS")
def total_power(params): return _array(params) == "TP"
def nobeyama(params): return _array(params) == "NRO45"
def single_dish(params): return _array(params) in SINGLE_DISH
def calibrate(params): return _flag(params, "calibrate", True)
def image(params): return _flag(params, "image")
def selfcal(params): return _flag(params, "selfcal")
def survey(params): return _flag(params, "survey")
def switched_power(params): return _flag(params, "switched_power", True)
def template(params): return bool(params.get_workflow_param("template", ""))
def cube_template(params): return params.get_workflow_param("template", "") == "cube"
def ms_template(params): return params.get_workflow_param("template", "") == "deliver_ms"
def polarisation(params): return "POLARIZATION" in _intents(params)
def full_stokes(params): return polarisation(params) and params.get_workflow_param("products", "") != "total_intensity"
def diffgain(params): return "DIFFGAINREF" in _intents(params)
def flux_calibrator(params): return "AMPLITUDE" in _intents(params)
def spectral_lines(params): return str(params.get_keyword(lines, "F")).upper() in ("T", "TRUE", "1")


def vlass_stage(name: str):
    def stage(params): return params.get_workflow_param("vlass", "") == name
    stage.__name__ = f"vlass_{name}"
    return stage


def not_(condition):
    def negated(params): return not condition(params)
    negated.__name__ = f"not_{condition.__name__}"
    return negated


def any_(*conditions):
    def either(params): return any(c(params) for c in conditions)
    either.__name__ = "_or_".join(c.__name__ for c in conditions)
    return either


def when(*conditions):
    """All of the conditions; named after them so a failing one is easy to find."""
    def all_of(params): return all(c(params) for c in conditions)
    all_of.__name__ = "_and_".join(c.__name__ for c in conditions)
    return all_of


# Recurring combinations
alma_cal = when(alma_if, calibrate)
vla_cal = when(vla_family, calibrate)
vla_fluxcal = when(vla_cal, flux_calibrator)
vla_imaging = when(vla_family, image)
