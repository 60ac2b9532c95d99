"""Shared test and benchmark helpers, one home for them all (as Optuna's ``testing``):
header-only FITS frames described as keyword templates (:mod:`.frames`), job graphs for
sequencers, the guard and replay (:mod:`.graphs`), a demo0 night (:mod:`.demo0_night`)."""

from .frames import fits_keyword, write_frame, write_frames

__all__ = ["fits_keyword", "write_frame", "write_frames"]
