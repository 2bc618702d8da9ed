"""One minor unit per currency for the pages, the forms and the published files."""

from __future__ import annotations

from decimal import Decimal

from townhall.budgeting.money import format_money, minor_to_typed, to_whole, typed_to_minor


def test_amounts_follow_the_currencys_minor_unit():
    assert typed_to_minor(Decimal("12500.50"), "USD") == 1_250_050
    assert typed_to_minor(Decimal("12500"), "JPY") == 12_500
    assert typed_to_minor(Decimal("1.005"), "KWD") == 1_005
    assert minor_to_typed(12_500, "JPY") == Decimal(12_500)
    assert to_whole(typed_to_minor(Decimal("1.5"), "KWD"), "KWD") * 2 == 3
    assert format_money(1_250_050, "USD") == "$12,500.50"
    assert format_money(1_250_000, "USD") == "$12,500"
    assert format_money(12_500, "JPY") == "12,500 JPY"
    assert format_money(1_005, "KWD") == "1.005 KWD"
