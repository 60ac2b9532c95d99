"""The simulated imager: detector, optics and filters, fixed for the instrument's life.

Everything here is the same on every night: the static pixel patterns (bias structure,
pixel response, vignetting, scattered light, fringe pattern, hot pixels) come from one
fixed instrument seed, so two simulations with different seeds observe with the same
camera, as two runs on a real instrument would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

INSTRUMENT = "SIMIMG"
TELESCOPE = "SIM-1.5m"
INSTRUMENT_SEED = 20240101
PIXEL_SCALE = 0.25  # arcsec per unbinned pixel
GAIN = 1.6  # e-/ADU
READ_NOISE = 4.5  # e-
BIAS_LEVEL = 1000.0  # ADU
SATURATION = 65535
DARK_CURRENT = 0.4  # e-/s/pixel (unbinned)
HOT_PIXEL_FRACTION = 0.001
FILTERS = ("B", "V", "R", "I", "z")
BINNINGS = (1, 2)


@dataclass(frozen=True)
class Filter:
    """Photometric properties of one filter.

    ``zero_point`` gives 1 e-/s above the atmosphere; ``sky`` is the dark-time sky in
    mag/arcsec^2 and ``moon_sky`` the full-moon sky contribution; ``fringe`` is the
    fringe amplitude as a fraction of the sky (0 where the filter does not fringe).
    """

    name: str
    zero_point: float
    extinction: float
    sky: float
    moon_sky: float
    fringe: float


FILTER_PROPERTIES = {
    f.name: f
    for f in (
        Filter("B", 25.0, 0.25, 22.7, 18.6, 0.0),
        Filter("V", 25.4, 0.15, 21.8, 18.4, 0.0),
        Filter("R", 25.5, 0.10, 20.9, 18.5, 0.0),
        Filter("I", 25.0, 0.06, 19.9, 18.6, 0.02),
        Filter("z", 24.0, 0.05, 18.8, 18.3, 0.05),
    )
}


def rebin(image: np.ndarray, binning: int) -> np.ndarray:
    """Average ``binning`` x ``binning`` blocks (patterns that multiply the light)."""
    if binning == 1:
        return image
    ny, nx = image.shape
    return image.reshape(ny // binning, binning, nx // binning, binning).mean(axis=(1, 3))


@dataclass
class Instrument:
    """Static detector and optics patterns for an unbinned ``size`` x ``size`` detector."""

    size: int = 256
    _cache: dict = field(default_factory=dict, repr=False)

    @cached_property
    def _rng(self) -> np.random.Generator:
        return np.random.default_rng([INSTRUMENT_SEED, self.size])

    @cached_property
    def _grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Normalised coordinates in [-1, 1] over the unbinned detector."""
        axis = (np.arange(self.size) + 0.5) / self.size * 2 - 1
        return np.meshgrid(axis, axis)

    @cached_property
    def response(self) -> np.ndarray:
        """Pixel response: vignetting times pixel-to-pixel sensitivity (PRNU) and dust."""
        x, y = self._grid
        r2 = x**2 + y**2
        vignetting = 1.0 - 0.10 * r2 / 2
        prnu = 1.0 + 0.012 * self._rng.standard_normal((self.size, self.size))
        dust = np.ones_like(r2)
        for _ in range(3):  # out-of-focus dust donuts, a few per cent deep
            cx, cy = self._rng.uniform(-0.7, 0.7, 2)
            radius = self._rng.uniform(0.04, 0.09)
            d = np.hypot(x - cx, y - cy)
            dust -= 0.03 * np.exp(-(((d - radius) / (radius / 3)) ** 2))
        return vignetting * prnu * dust

    @cached_property
    def scattered_light(self) -> np.ndarray:
        """Extra light in flat fields (scattered, centrally concentrated), median ~1.

        Flats see response x scattered_light; the night sky sees only the response, so
        flat-fielded science carries 1/scattered_light: the illumination correction.
        """
        x, y = self._grid
        pattern = 1.0 + 0.035 * (1.0 - (x**2 + y**2) / 2) + 0.01 * x
        return pattern / np.median(pattern)

    @cached_property
    def lamp_gradient(self) -> np.ndarray:
        """Non-uniform illumination of the dome screen, seen only in dome flats."""
        x, y = self._grid
        return 1.0 + 0.03 * (0.8 * x + 0.6 * y)

    @cached_property
    def fringe_pattern(self) -> np.ndarray:
        """Interference pattern of night-sky lines in thin red-sensitive CCDs, rms 1."""
        x, y = self._grid
        pattern = np.zeros_like(x)
        for _ in range(6):
            angle = self._rng.uniform(0, np.pi)
            wavelength = self._rng.uniform(0.08, 0.2)  # in units of half the detector
            phase = self._rng.uniform(0, 2 * np.pi)
            k = 2 * np.pi / wavelength
            warp = 0.3 * np.sin(3 * x + phase)
            pattern += np.sin(k * (x * np.cos(angle) + y * np.sin(angle)) + warp + phase)
        pattern -= pattern.mean()
        return pattern / pattern.std()

    @cached_property
    def bias_structure(self) -> np.ndarray:
        """Fixed column pattern of the readout, in ADU around the bias level."""
        columns = 2.0 * self._rng.standard_normal(self.size)
        rows = np.linspace(-1.5, 1.5, self.size)[:, None]
        return columns[None, :] + rows

    @cached_property
    def hot_pixels(self) -> np.ndarray:
        """Extra dark current of hot pixels, e-/s (zero for normal pixels)."""
        hot = np.zeros((self.size, self.size))
        n = max(1, int(HOT_PIXEL_FRACTION * self.size**2))
        index = self._rng.choice(self.size**2, n, replace=False)
        hot.flat[index] = self._rng.uniform(5.0, 60.0, n)
        return hot

    def binned(self, name: str, binning: int) -> np.ndarray:
        """A static pattern at the given binning (multiplicative ones averaged, additive
        light summed, the readout pattern unchanged per binned pixel)."""
        key = (name, binning)
        if key not in self._cache:
            pattern = getattr(self, name)
            if name == "bias_structure":
                value = pattern[::binning, ::binning]
            elif name == "hot_pixels":
                value = rebin(pattern, binning) * binning**2
            else:
                value = rebin(pattern, binning)
            self._cache[key] = value
        return self._cache[key]

    def shape(self, binning: int) -> tuple[int, int]:
        return (self.size // binning, self.size // binning)
