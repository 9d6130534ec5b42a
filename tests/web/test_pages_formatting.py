"""The page filters write numbers and dates as each language does, isolated for bidi."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from iofs import i18n
from iofs.http import formatting
from iofs.http.templating import environment


@pytest.fixture
def language() -> Iterator[None]:
    yield
    i18n.set_language("en")


@pytest.mark.usefixtures("language")
@pytest.mark.parametrize(
    ("lang", "grouped", "money", "negative", "day", "month"),
    [
        ("en", "40,000", "13,200.00", "-2.79", "Nov 1, 2024", "November 2024"),
        ("fr", "40\u202f000", "13\u202f200,00", "-2,79", "1 nov. 2024", "novembre 2024"),
        ("ar", "40,000", "13,200.00", "-2.79", "1 نوفمبر 2024", "نوفمبر 2024"),
    ],
)
def test_filters_per_language(
    lang: str, grouped: str, money: str, negative: str, day: str, month: str
) -> None:
    i18n.set_language(lang)
    assert formatting.number(40000, 0) == f'<bdi dir="ltr">{grouped}</bdi>'
    assert formatting.number(13200, 2, isolate=False) == money
    assert formatting.number(-2.79, 2) == f'<bdi dir="ltr">{negative}</bdi>'
    assert formatting.usd(13200, isolate=False) == f"{money}\u00a0USD"
    assert formatting.date(dt.date(2024, 11, 1)) == f"<bdi>{day}</bdi>"
    assert formatting.month("2024-11", isolate=False) == month
    assert formatting.month(dt.date(2024, 11, 17), isolate=False) == month


@pytest.mark.usefixtures("language")
def test_template_filters_missing_values_and_partial_dates() -> None:
    i18n.set_language("fr")
    template = environment().from_string(
        "{{ none|number(2) }} {{ 12.5|percent }} {{ '2013-12'|date }} {{ '2013'|date }}"
        ' <span title="{{ 1234.5|number(1, isolate=False) }}"></span>'
    )
    html = template.render()
    assert html.startswith("— ")
    assert '<bdi dir="ltr">12,5\u00a0%</bdi>' in html
    assert "<bdi>décembre 2013</bdi>" in html and '<bdi dir="ltr">2013</bdi>' in html
    assert 'title="1\u202f234,5"' in html


@pytest.mark.usefixtures("language")
def test_unit_stays_inside_the_isolate() -> None:
    i18n.set_language("ar")
    assert formatting.number(800, 0, unit="t") == '<bdi dir="ltr">800\u00a0t</bdi>'
    i18n.set_language("fr")
    assert formatting.number(1985.5, 1, unit="t") == '<bdi dir="ltr">1\u202f985,5\u00a0t</bdi>'
