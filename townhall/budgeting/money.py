"""Money in participatory budgeting: integer minor units stored, whole units shown and typed.

One place for the currency's minor unit (cents for USD, EUR, PLN; none for JPY; mils for
KWD), used by the pages, the forms and the Pabulib files alike, so that an amount typed
in the back office, shown to residents and written to a published ``.pb`` file agree.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.formats import number_format

from townhall.budgeting.rules.election import Money
from townhall.budgeting.rules.pabulib import format_number

# ISO 4217 currencies whose minor unit is not the cent (default: 2 decimals).
MINOR_DIGITS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0, "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip

# Signs for the currencies a city is likely to use; any other code is written out.
CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "$", "AUD": "$", "MXN": "$"}


def minor_digits(currency: str) -> int:
    return MINOR_DIGITS.get((currency or "").upper(), 2)


def minor_factor(currency: str) -> int:
    """Minor units per whole unit of ``currency`` (100 for USD, EUR, PLN; 1 for JPY)."""
    return 10 ** minor_digits(currency)


def to_whole(amount: int, currency: str) -> Money:
    """Minor units to whole currency units, exactly (an int when it is whole)."""
    value = Fraction(amount, minor_factor(currency))
    return value.numerator if value.denominator == 1 else value


def to_minor(amount: Money, currency: str) -> int:
    """Whole currency units to minor units; ValueError if that is not a whole number."""
    value = Fraction(amount) * minor_factor(currency)
    if value.denominator != 1:
        raise ValueError(f"{format_number(Fraction(amount))} is finer than the currency allows")
    return value.numerator


def typed_to_minor(amount: Decimal, currency: str) -> int:
    """An amount typed in a form (whole units) to minor units, rounded half up."""
    return int((amount * minor_factor(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def minor_to_typed(amount: int, currency: str) -> Decimal:
    """Minor units as a form shows them again (whole units)."""
    return Decimal(amount) / minor_factor(currency)


def format_money(minor: int | None, currency: str) -> str:
    """An amount in minor units as people read it: "$12,500", "$12,500.50", "12,500 PLN"."""
    if minor is None:
        return ""
    factor = minor_factor(currency)
    places = 0 if minor % factor == 0 else minor_digits(currency)
    text = number_format(
        Decimal(minor) / factor, decimal_pos=places, use_l10n=True, force_grouping=True
    )
    sign = CURRENCY_SIGNS.get(currency.upper())
    return f"{sign}{text}" if sign else f"{text} {currency.upper()}"
