"""Shared test helpers: header-only FITS frames described as keyword templates."""

from .frames import fits_keyword, write_frame, write_frames

__all__ = ["fits_keyword", "write_frame", "write_frames"]
