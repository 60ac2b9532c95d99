"""Image statistics the imaging recipes share: robust noise, sigma-clipped combination,
median and box filters, source masks, background meshes, aperture photometry, and the
effect measure of in-place stages."""

from __future__ import annotations

import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MAD_TO_SIGMA = 1.4826
#: A pixel counts as changed by a stage when it moved by more than this many sigma of noise.
CHANGE_THRESHOLD_SIGMA = 0.5


def nanmedian(values: np.ndarray, axis: int | None = None) -> np.ndarray | float:
    """Median ignoring NaN; all-NaN slices give NaN without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(values, axis=axis)


def robust_sigma(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0
    return float(MAD_TO_SIGMA * np.median(np.abs(values - np.median(values))))


def pixel_noise(image: np.ndarray) -> float:
    """Pixel-to-pixel noise, blind to smooth structure (MAD of neighbour differences / sqrt 2)."""
    return robust_sigma(np.diff(image, axis=1)) / float(np.sqrt(2.0))


def changed_fraction(before: np.ndarray, after: np.ndarray, sigma: float | None = None) -> float:
    """Fraction of pixels a stage moved by more than ``CHANGE_THRESHOLD_SIGMA`` of the noise.

    This is the ``effect`` of an in-place stage: 0 means no pixel changed by a
    noticeable amount, so skipping the stage would have given the same product.
    """
    sigma = pixel_noise(before) if sigma is None else sigma
    if sigma <= 0:
        return float(np.mean(before != after))
    delta = np.abs(after - before)
    return float(np.mean(np.nan_to_num(delta, nan=0.0) > CHANGE_THRESHOLD_SIGMA * sigma))


def frame_noise(stack: np.ndarray) -> float:
    """Noise of one frame of a stack from differences of consecutive frames, which
    cancel fixed patterns (bias columns, pixel response, stars) and leave the noise."""
    if stack.shape[0] < 2:
        return pixel_noise(stack[0])
    sigmas = [robust_sigma(stack[k + 1] - stack[k]) for k in range(stack.shape[0] - 1)]
    return float(np.median(sigmas) / np.sqrt(2.0))


def clipped_combine(
    stack: np.ndarray, kappa: float = 3.0, iterations: int = 3, noise: np.ndarray | None = None
) -> tuple[np.ndarray, int]:
    """Sigma-clipped, inverse-variance weighted mean along axis 0 (NaN = no data).

    A value is rejected when it lies more than ``kappa`` sigma from the pixel's median,
    sigma being the larger of the frame's noise (``noise``, one value per frame,
    default from frame differences) and the pixel's own MAD spread. The noise floor
    keeps a few-frame stack from rejecting good pixels by chance; the MAD keeps star
    cores whose shape changes with seeing. With fewer than 3 frames nothing can be told
    apart and nothing is rejected. Returns (combined image, number of rejected values).
    """
    n = stack.shape[0]
    valid = np.isfinite(stack)
    noise = np.full(n, frame_noise(stack)) if noise is None else np.asarray(noise, float)
    keep = valid
    if n >= 3:
        floor = noise[:, None, None]
        for _ in range(iterations):
            work = np.where(keep, stack, np.nan)
            median = nanmedian(work, axis=0)
            spread = MAD_TO_SIGMA * nanmedian(np.abs(work - median), axis=0)
            sigma = np.maximum(floor, np.nan_to_num(spread)[None])
            new = valid & (np.abs(stack - median) <= kappa * sigma)
            if np.array_equal(new, keep):
                break
            keep = new
    weights = np.where(keep, 1.0 / np.maximum(noise, 1e-30)[:, None, None] ** 2, 0.0)
    total = weights.sum(axis=0)
    with np.errstate(all="ignore"):
        combined = (weights * np.nan_to_num(stack)).sum(axis=0) / total
    combined[total == 0] = np.nan
    return combined, int(np.count_nonzero(valid & ~keep))


def median_filter(
    image: np.ndarray, size: int, chunk: int = 64, mode: str = "reflect"
) -> np.ndarray:
    """Median over ``size`` x ``size`` windows (edges padded with numpy ``mode``), in row
    chunks to bound memory."""
    r = size // 2
    padded = np.pad(image.astype(np.float32), r, mode=mode)
    out = np.empty(image.shape, dtype=np.float64)
    for start in range(0, image.shape[0], chunk):
        stop = min(start + chunk, image.shape[0])
        windows = sliding_window_view(padded[start : stop + 2 * r], (size, size))
        out[start:stop] = np.median(windows.reshape(stop - start, image.shape[1], -1), axis=-1)
    return out


def box_mean(image: np.ndarray, size: int) -> np.ndarray:
    """Mean over ``size`` x ``size`` windows (edges reflected), via cumulative sums."""
    r = size // 2
    padded = np.pad(image, r, mode="reflect")
    c = np.cumsum(np.cumsum(padded, axis=0), axis=1)
    c = np.pad(c, ((1, 0), (1, 0)))
    ny, nx = image.shape
    total = c[size : size + ny, size : size + nx] - c[:ny, size : size + nx] - c[size : size + ny, :nx] + c[:ny, :nx]
    return total / (size * size)


def _clipped_median(values: np.ndarray, kappa: float = 3.0, iterations: int = 3) -> float:
    """Median after iteratively dropping values beyond ``kappa`` MAD-sigma (numpy only:
    called once per background cell, where astropy's overhead would dominate)."""
    for _ in range(iterations):
        median = np.median(values)
        spread = MAD_TO_SIGMA * np.median(np.abs(values - median))
        if spread == 0:
            break
        kept = values[np.abs(values - median) <= kappa * spread]
        if kept.size == values.size or kept.size == 0:
            break
        values = kept
    return float(np.median(values))


def mesh_box(shape: tuple[int, ...], fraction: float = 0.125) -> int:
    """Background cell size: a fraction of the image (so results do not depend on the
    detector size), at least 8 pixels."""
    return max(8, int(round(min(shape) * fraction)))


def source_mask(
    image: np.ndarray, sigma: float, nsigma: float = 2.5, grow: int = 2, box: int | None = None
) -> np.ndarray:
    """Pixels belonging to sources: 3x3-smoothed excess over the local background
    (a mesh of ``box`` cells, default an eighth of the image) above ``nsigma`` x noise,
    grown by ``grow`` pixels."""
    box = box or mesh_box(image.shape)
    local = image - mesh_background(image, np.zeros(image.shape, bool), box)
    mask = box_mean(local, 3) > nsigma * sigma / 3.0
    if grow > 0:
        mask = box_mean(mask.astype(np.float64), 2 * grow + 1) > 0
    return mask


def mesh_background(image: np.ndarray, mask: np.ndarray, box: int) -> np.ndarray:
    """Smooth background: clipped medians of unmasked pixels in ``box`` cells, median-
    filtered over neighbouring cells, bilinearly interpolated between cell centres."""
    ny, nx = image.shape
    gy, gx = max(1, round(ny / box)), max(1, round(nx / box))
    ys = np.linspace(0, ny, gy + 1).astype(int)
    xs = np.linspace(0, nx, gx + 1).astype(int)
    grid = np.full((gy, gx), np.nan)
    for i in range(gy):
        for j in range(gx):
            cell = image[ys[i] : ys[i + 1], xs[j] : xs[j + 1]]
            good = cell[~mask[ys[i] : ys[i + 1], xs[j] : xs[j + 1]] & np.isfinite(cell)]
            if good.size >= 0.2 * cell.size:
                grid[i, j] = _clipped_median(good)
    if np.all(np.isnan(grid)):
        grid[:] = nanmedian(image)
    grid = np.where(np.isnan(grid), nanmedian(grid), grid)
    if gy >= 3 and gx >= 3:
        grid = median_filter(grid, 3, mode="edge")  # edge: keeps ramps at the borders
    cy, grid = _extend((ys[:-1] + ys[1:]) / 2 - 0.5, grid, axis=0)
    cx, grid = _extend((xs[:-1] + xs[1:]) / 2 - 0.5, grid, axis=1)
    rows = np.array([np.interp(np.arange(nx), cx, row) for row in grid])
    return np.array([np.interp(np.arange(ny), cy, rows[:, k]) for k in range(nx)]).T


def _extend(centres: np.ndarray, grid: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Add a linearly extrapolated cell beyond each end, so a gradient continues to the
    image border instead of flattening beyond the outermost cell centre."""
    if grid.shape[axis] < 2:
        return centres, grid
    step = centres[1] - centres[0]
    first = 2 * np.take(grid, [0], axis) - np.take(grid, [1], axis)
    last = 2 * np.take(grid, [-1], axis) - np.take(grid, [-2], axis)
    centres = np.concatenate([[centres[0] - step], centres, [centres[-1] + step]])
    return centres, np.concatenate([first, grid, last], axis=axis)


def centroid(image: np.ndarray, x: float, y: float, half: int = 3, iterations: int = 3) -> tuple[float, float]:
    """Refine a position with background-subtracted first moments in a small box."""
    ny, nx = image.shape
    for _ in range(iterations):
        ix, iy = int(round(x)), int(round(y))
        x0, x1 = max(ix - half, 0), min(ix + half + 1, nx)
        y0, y1 = max(iy - half, 0), min(iy + half + 1, ny)
        if x1 - x0 < 3 or y1 - y0 < 3:
            return x, y
        cut = image[y0:y1, x0:x1]
        cut = np.clip(cut - np.median(cut), 0, None)
        total = cut.sum()
        if total <= 0:
            return x, y
        yy, xx = np.mgrid[y0:y1, x0:x1]
        x, y = float((cut * xx).sum() / total), float((cut * yy).sum() / total)
    return x, y


def aperture_flux(
    image: np.ndarray, x: float, y: float, radius: float, annulus: tuple[float, float]
) -> tuple[float, float]:
    """Flux in a circular aperture minus the annulus median; returns (flux, pixel count).

    Returns NaN flux when the aperture leaves the image.
    """
    ny, nx = image.shape
    outer = annulus[1]
    x0, x1 = int(np.floor(x - outer)), int(np.ceil(x + outer)) + 1
    y0, y1 = int(np.floor(y - outer)), int(np.ceil(y + outer)) + 1
    if x0 < 0 or y0 < 0 or x1 > nx or y1 > ny:
        return float("nan"), 0
    cut = image[y0:y1, x0:x1]
    yy, xx = np.mgrid[y0:y1, x0:x1]
    r = np.hypot(xx - x, yy - y)
    inside = r <= radius
    ring = (r >= annulus[0]) & (r <= annulus[1])
    background = float(np.median(cut[ring])) if ring.any() else 0.0
    return float(cut[inside].sum() - background * inside.sum()), int(inside.sum())
