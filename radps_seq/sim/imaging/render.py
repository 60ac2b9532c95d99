"""Pixel data of one exposure: light through the optics onto the detector, then readout.

The recipe of light: sky (with a linear gradient from airmass and moon), fringes in
fringing filters, stars (pixel-integrated Gaussian PSFs from the seeing), an extended
galaxy for some targets, all scaled by exposure time, extinction and transparency and
multiplied by the pixel response. Flats see the response times scattered light (and the
dome lamp's gradient). Then dark current, hot pixels, cosmic rays (Poisson in rate x
time), photon and read noise, bias level and column pattern, digitisation to 16 bits.
"""

from __future__ import annotations

import math

import numpy as np

from .instrument import (
    BIAS_LEVEL,
    DARK_CURRENT,
    FILTER_PROPERTIES,
    GAIN,
    PIXEL_SCALE,
    READ_NOISE,
    SATURATION,
    Instrument,
)
from .plan import Exposure
from .sky import Night, fringe_amplitude, gradient_amplitude, sky_rate
from .targets import (
    counts_per_second,
    galaxy_colour,
    galaxy_profile,
    standard_field,
    target_field,
)


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf."""
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def add_stars(image: np.ndarray, x: np.ndarray, y: np.ndarray, flux: np.ndarray, sigma: float) -> None:
    """Add pixel-integrated circular Gaussians (flux in e-) centred at pixel coords x, y."""
    ny, nx = image.shape
    radius = int(math.ceil(5 * sigma)) + 1
    scale = math.sqrt(2) * sigma
    for x0, y0, f in zip(x, y, flux, strict=True):
        ix, iy = int(round(x0)), int(round(y0))
        x_lo, x_hi = max(ix - radius, 0), min(ix + radius + 1, nx)
        y_lo, y_hi = max(iy - radius, 0), min(iy + radius + 1, ny)
        if x_lo >= x_hi or y_lo >= y_hi:
            continue
        xs = np.arange(x_lo, x_hi) - x0
        ys = np.arange(y_lo, y_hi) - y0
        fx = 0.5 * (_erf((xs + 0.5) / scale) - _erf((xs - 0.5) / scale))
        fy = 0.5 * (_erf((ys + 0.5) / scale) - _erf((ys - 0.5) / scale))
        image[y_lo:y_hi, x_lo:x_hi] += f * np.outer(fy, fx)


def _ramp(shape: tuple[int, int], angle: float) -> np.ndarray:
    """A linear ramp from -0.5 to 0.5 across the detector along ``angle``."""
    ny, nx = shape
    x = (np.arange(nx) + 0.5) / nx - 0.5
    y = (np.arange(ny) + 0.5) / ny - 0.5
    ramp = np.cos(angle) * x[None, :] + np.sin(angle) * y[:, None]
    return ramp / (abs(math.cos(angle)) + abs(math.sin(angle)))


def _moon_up(altitude: float) -> float:
    return math.sin(math.radians(altitude)) ** 0.5 if altitude > 0 else 0.0


def light(exp: Exposure, instrument: Instrument, rng: np.random.Generator) -> np.ndarray:
    """Photo-electrons from light (before noise), per binned pixel."""
    b = exp.binning
    shape = instrument.shape(b)
    response = instrument.binned("response", b)
    if exp.kind in ("FLAT_DOME", "FLAT_TWILIGHT"):
        shaped = instrument.binned("scattered_light", b) * response
        if exp.kind == "FLAT_DOME":
            shaped = shaped * instrument.binned("lamp_gradient", b)
        else:
            shaped = shaped * (1 + 0.01 * _ramp(shape, float(rng.uniform(0, 2 * math.pi))))
        return exp.level * GAIN * shaped
    if not exp.on_sky:
        return np.zeros(shape)
    state = exp.state
    props = FILTER_PROPERTIES[exp.filter]
    moon_up = _moon_up(exp.moon_altitude)
    throughput = exp.exptime * state.transparency * 10 ** (-0.4 * props.extinction * state.airmass)
    sky = sky_rate(exp.filter, state, moon_up) * b * b * exp.exptime
    gradient = gradient_amplitude(exp.filter, state, moon_up)
    image = sky * (1 + gradient * _ramp(shape, state.gradient_angle))
    fringes = fringe_amplitude(exp.filter, state.humidity)
    if fringes > 0:
        image += sky * fringes * instrument.binned("fringe_pattern", b)
    if exp.kind == "OBJECT" and exp.target.kind == "galaxy":
        profile = galaxy_profile(exp.target, instrument.size, b)
        colour = galaxy_colour(exp.filter)
        image += profile * 10 ** (0.4 * (props.zero_point - colour)) * throughput
    if exp.standard is not None:
        field = standard_field(exp.standard, instrument.size)
        jitter = rng.normal(0, 1.5, 2)
    else:
        field = target_field(exp.target, instrument.size)
        jitter = rng.normal(0, 0.25, 2)
    delivered = state.seeing * state.airmass**0.6 / (PIXEL_SCALE * b)
    sigma = max(delivered / 2.3548, 0.35)
    x = (field.x - exp.offset[0] + jitter[0]) / b - 0.5
    y = (field.y - exp.offset[1] + jitter[1]) / b - 0.5
    flux = counts_per_second(field.mags[exp.filter], exp.filter) * throughput
    add_stars(image, x, y, flux, sigma)
    return image * response


def cosmic_rays(shape: tuple[int, int], expected: float, rng: np.random.Generator) -> np.ndarray:
    """Short tracks of charge (e-): Poisson number, random lengths, directions, energies."""
    hits = np.zeros(shape)
    ny, nx = shape
    for _ in range(rng.poisson(expected)):
        length = int(rng.integers(1, 5))
        angle = rng.uniform(0, 2 * math.pi)
        x, y = rng.uniform(0, nx), rng.uniform(0, ny)
        energy = rng.uniform(800, 6000)
        for step in range(length):
            ix = int(x + step * math.cos(angle))
            iy = int(y + step * math.sin(angle))
            if 0 <= ix < nx and 0 <= iy < ny:
                hits[iy, ix] += energy * rng.uniform(0.5, 1.0)
    return hits


def render(
    exp: Exposure, night: Night, instrument: Instrument, bias_offset: float, rng: np.random.Generator
) -> np.ndarray:
    """The raw 16-bit frame (ADU) of ``exp``."""
    b = exp.binning
    shape = instrument.shape(b)
    electrons = light(exp, instrument, rng)
    if exp.exptime > 0:
        dark = DARK_CURRENT * b * b + instrument.binned("hot_pixels", b)
        electrons = electrons + dark * exp.exptime
    electrons = rng.poisson(np.clip(electrons, 0, None)).astype(np.float64)
    if exp.exptime > 0:
        expected = night.cosmic_ray_rate * exp.exptime * instrument.size**2 / 1e6
        electrons += cosmic_rays(shape, expected, rng)
    electrons += rng.normal(0, READ_NOISE, shape)
    adu = BIAS_LEVEL + bias_offset + instrument.binned("bias_structure", b) + electrons / GAIN
    return np.clip(np.rint(adu), 0, SATURATION).astype(np.uint16)
