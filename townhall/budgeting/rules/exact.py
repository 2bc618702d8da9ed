"""Exact rational numbers for the counting rules.

pabutools computes with ``gmpy2.mpq`` fractions, so ties between projects are real ties and
are broken by project id. We need the same exactness wherever a decision is close. gmpy2 is
several times faster than :class:`fractions.Fraction`; it is used when it is installed and
gives identical results either way (both are exact).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

try:  # pragma: no cover - depends on the environment
    from gmpy2 import mpq as _mpq

    def Q(numerator: Any, denominator: Any = 1) -> Any:  # noqa: N802 - reads like the maths
        return _mpq(numerator, denominator)

    BACKEND = "gmpy2"
except ImportError:  # pragma: no cover

    def Q(numerator: Any, denominator: Any = 1) -> Any:  # noqa: N802
        return Fraction(numerator) / Fraction(denominator)

    BACKEND = "fractions"


def to_fraction(value: Any) -> Fraction:
    """Any exact number as a standard-library Fraction (for results and JSON)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(int(value.numerator), int(value.denominator))
