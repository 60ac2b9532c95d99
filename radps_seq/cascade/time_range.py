"""Time ranges for association, in days around the trigger's MJD-OBS (EDPS names).

A candidate matches when ``before <= candidate.mjd - trigger.mjd <= after``.
``SAME_NIGHT`` is not a fixed window: both frames must belong to the same observing
night, whose boundary is local noon at the site (``NIGHT_BOUNDARY_MJD_FRACTION``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Fraction of an MJD day at which one observing night ends and the next begins
#: (local noon in Chile, UTC-4, is 16:00 UT = 0.6667). Change it for other sites.
NIGHT_BOUNDARY_MJD_FRACTION = 16.0 / 24.0


def night_of(mjd: float) -> int:
    """The integer MJD of the evening on which the night containing ``mjd`` started."""
    return math.floor(mjd - NIGHT_BOUNDARY_MJD_FRACTION)


@dataclass(frozen=True)
class RelativeTimeRange:
    """Window of ``before``..``after`` days relative to the trigger (before is negative)."""

    before: float
    after: float

    def __post_init__(self) -> None:
        if self.before > self.after:
            raise ValueError(
                f"RelativeTimeRange({self.before}, {self.after}): 'before' must not exceed 'after'"
            )

    def contains(self, trigger_mjd: float | None, candidate_mjd: float | None) -> bool:
        if math.isinf(self.before) and math.isinf(self.after):
            return True
        if trigger_mjd is None or candidate_mjd is None:
            return False
        return self.before <= candidate_mjd - trigger_mjd <= self.after

    @property
    def width(self) -> float:
        """Widest distance from the trigger this range admits (for ordering ranges)."""
        return max(-self.before, self.after)


@dataclass(frozen=True)
class SameNightTimeRange(RelativeTimeRange):
    """Both frames belong to the same observing night."""

    def contains(self, trigger_mjd: float | None, candidate_mjd: float | None) -> bool:
        if trigger_mjd is None or candidate_mjd is None:
            return False
        return night_of(trigger_mjd) == night_of(candidate_mjd)


ONE_AND_HALF_HOURS = RelativeTimeRange(-0.0625, 0.0625)
SAME_NIGHT = SameNightTimeRange(-1.0, 1.0)
NEXT_DAY = RelativeTimeRange(0.0, 1.0)
ONE_DAY = RelativeTimeRange(-1.0, 1.0)
TWO_DAYS = RelativeTimeRange(-2.0, 2.0)
THREE_DAYS = RelativeTimeRange(-3.0, 3.0)
FOUR_DAYS = RelativeTimeRange(-4.0, 4.0)
FIVE_DAYS = RelativeTimeRange(-5.0, 5.0)
ONE_WEEK = RelativeTimeRange(-7.0, 7.0)
TWO_WEEKS = RelativeTimeRange(-14.0, 14.0)
THREE_WEEKS = RelativeTimeRange(-21.0, 21.0)
ONE_MONTH = RelativeTimeRange(-30.0, 30.0)
TWO_MONTHS = RelativeTimeRange(-62.0, 62.0)
QUARTERLY = RelativeTimeRange(-90.0, 90.0)
HALF_YEAR = RelativeTimeRange(-183.0, 183.0)
ONE_YEAR = RelativeTimeRange(-366.0, 366.0)
UNLIMITED = RelativeTimeRange(-math.inf, math.inf)
IN_THE_PAST = RelativeTimeRange(-math.inf, 0.0)
IN_THE_FUTURE = RelativeTimeRange(0.0, math.inf)

__all__ = [
    "NIGHT_BOUNDARY_MJD_FRACTION",
    "night_of",
    "RelativeTimeRange",
    "SameNightTimeRange",
    "ONE_AND_HALF_HOURS",
    "SAME_NIGHT",
    "NEXT_DAY",
    "ONE_DAY",
    "TWO_DAYS",
    "THREE_DAYS",
    "FOUR_DAYS",
    "FIVE_DAYS",
    "ONE_WEEK",
    "TWO_WEEKS",
    "THREE_WEEKS",
    "ONE_MONTH",
    "TWO_MONTHS",
    "QUARTERLY",
    "HALF_YEAR",
    "ONE_YEAR",
    "UNLIMITED",
    "IN_THE_PAST",
    "IN_THE_FUTURE",
]
