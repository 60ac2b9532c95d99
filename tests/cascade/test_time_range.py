import math

import pytest

from radps_seq.cascade import time_range as tr


def test_relative_range_is_inclusive_around_the_trigger():
    r = tr.RelativeTimeRange(-3, 1)
    assert r.contains(100.0, 97.0)
    assert r.contains(100.0, 101.0)
    assert not r.contains(100.0, 96.9)
    assert not r.contains(100.0, 101.1)
    assert r.width == 3


def test_unlimited_matches_even_without_dates():
    assert tr.UNLIMITED.contains(None, None)
    assert tr.UNLIMITED.contains(0.0, 1e6)


def test_bounded_range_needs_both_dates():
    assert not tr.ONE_DAY.contains(None, 100.0)
    assert not tr.ONE_DAY.contains(100.0, None)


def test_past_and_future_ranges():
    assert tr.IN_THE_PAST.contains(100.0, 50.0)
    assert not tr.IN_THE_PAST.contains(100.0, 100.5)
    assert tr.IN_THE_FUTURE.contains(100.0, 100.5)
    assert not tr.IN_THE_FUTURE.contains(100.0, 99.5)
    assert math.isinf(tr.IN_THE_FUTURE.after)


def test_named_ranges_widen_in_order():
    names = ["ONE_DAY", "TWO_DAYS", "THREE_DAYS", "FOUR_DAYS", "FIVE_DAYS", "ONE_WEEK",
             "TWO_WEEKS", "ONE_MONTH", "TWO_MONTHS", "QUARTERLY", "HALF_YEAR", "ONE_YEAR",
             "UNLIMITED"]
    widths = [getattr(tr, n).width for n in names]
    assert widths == sorted(widths)
    assert len(set(widths)) == len(widths)


def test_same_night_uses_the_night_boundary_not_a_window():
    boundary = tr.NIGHT_BOUNDARY_MJD_FRACTION
    evening = 60000 + boundary + 0.1  # just after the boundary: night 60000
    morning = 60001 + boundary - 0.1  # just before the next boundary: still night 60000
    next_evening = 60001 + boundary + 0.1
    assert tr.night_of(evening) == tr.night_of(morning) == 60000
    assert tr.SAME_NIGHT.contains(evening, morning)
    assert not tr.SAME_NIGHT.contains(morning, next_evening)  # 0.2 days apart, other night
    assert not tr.SAME_NIGHT.contains(None, morning)


def test_before_after_inverted_is_refused():
    with pytest.raises(ValueError, match="'before' must not exceed 'after'"):
        tr.RelativeTimeRange(1, -1)
