"""One rule per concept for shares, numbers, p-values and durations in messages."""

from __future__ import annotations

import math

import pytest

from pipewarden._text import duration, interval, number, p_value, share, signed_share


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.0, "0%"),
        (0.000001, "<0.001%"),
        (0.00001, "0.001%"),
        (0.0005, "0.050%"),
        (0.000999, "0.100%"),
        (0.001, "0.1%"),
        (0.0123, "1.2%"),
        (0.1, "10%"),
        (0.4567, "46%"),
        (0.994, "99%"),
        (0.996, "99.6%"),
        (0.9996, ">99.9%"),
        (1.0, "100%"),
        (1.5, "150%"),
    ],
)
def test_share(x: float, text: str) -> None:
    assert share(x) == text


@pytest.mark.parametrize(
    ("x", "text"),
    [(0.0, "0%"), (0.25, "+25%"), (-0.035, "-3.5%"), (1.5, "+150%")],
)
def test_signed_share(x: float, text: str) -> None:
    assert signed_share(x) == text


@pytest.mark.parametrize(
    ("x", "digits", "text"),
    [
        (0, 6, "0"),
        (1250000.0, 6, "1,250,000"),
        (-3, 6, "-3"),
        (0.1234567, 6, "0.123457"),
        (0.1234567, 4, "0.1235"),
        (1234.5678, 6, "1,234.57"),
        (1234.5678, 4, "1,235"),
        (1e20, 6, "1e+20"),
        (2.5e-7, 6, "2.5e-07"),
        (math.inf, 6, "inf"),
        (-math.inf, 4, "-inf"),
        (math.nan, 6, "nan"),
    ],
)
def test_number(x: float, digits: int, text: str) -> None:
    assert number(x, digits) == text


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (0, 120, "[0, 120]"),
        (None, 2.5, "[-inf, 2.5]"),
        (-1e6, None, "[-1,000,000, inf]"),
    ],
)
def test_interval(low: float | None, high: float | None, text: str) -> None:
    assert interval(low, high) == text


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0, "p < 1e-300"),
        (1e-301, "p < 1e-300"),
        (3.21e-5, "p = 3.2e-05"),
        (0.0123, "p = 0.012"),
        (0.5, "p = 0.5"),
        (1.0, "p = 1"),
    ],
)
def test_p_value(p: float, text: str) -> None:
    assert p_value(p) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 seconds"),
        (1, "1 second"),
        (90, "90 seconds"),
        (120, "2 minutes"),
        (7199, "120 minutes"),
        (7200, "2.0 hours"),
        (28440, "7.9 hours"),
        (172800, "2.0 days"),
        (682560, "7.9 days"),
    ],
)
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text
