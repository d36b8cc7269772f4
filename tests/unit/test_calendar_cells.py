"""The calendar's meals rendered in Python (themes/calendar_cells.py): what the template wrote,
names escaped, our own texts kept as written."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from reservations.month import BOOKABLE, BOOKED, CLOSED, FULL, CalendarDay
from themes.calendar_cells import CellTexts, MealsOfDay
from themes.calendar_grid import Cell

MONDAY = date(2030, 3, 4)


def meals(*cells) -> str:
    day = SimpleNamespace(iso=MONDAY.isoformat(), long_name="lundi 4 mars", cells=list(cells))
    with translation.override("fr"):
        return str(MealsOfDay(day, CellTexts()).html())


def cell(state, name="Alice", **fields) -> Cell:
    return Cell({"id": 7, "name": name}, CalendarDay(MONDAY, state, **fields))


def test_a_bookable_day_is_a_box_labelled_with_the_child_and_the_price():
    bookable = cell(BOOKABLE, price=Decimal("3.30"))
    bookable.price, bookable.price_reason = "3,30 €", "QF 600–800"
    html = meals(bookable)
    assert (
        '<input type="checkbox" name="repas" value="7:2030-03-04" id="repas-7-2030-03-04" '
        'data-price="3.30" aria-describedby="limite-2030-03-04" data-day>'
    ) in html
    assert '<span class="visually-hidden">Réserver le lundi 4 mars pour </span>' in html
    assert '<span class="amount">3,30 €</span><span class="price-reason"> · QF 600–800</span>' in (
        html
    )


def test_a_name_is_escaped_and_our_apostrophes_are_kept():
    html = meals(cell(FULL, name="<b>O'Brien</b>"))
    assert "&lt;b&gt;O&#x27;Brien&lt;/b&gt;" in html
    assert "<b>" not in html
    assert "Rejoindre la liste d'attente" in html  # as {% translate %} wrote it


def test_an_error_marks_the_box_invalid_and_is_described():
    refused = cell(BOOKABLE)
    refused.errors = ["Trop tard : la date limite était le 02/03 à 10:00."]
    html = meals(refused)
    assert 'class="meal meal--bookable meal--error"' in html
    assert 'aria-describedby="limite-2030-03-04 repas-7-2030-03-04-error"' in html
    assert 'aria-invalid="true"' in html
    assert '<p class="field__error" id="repas-7-2030-03-04-error">Trop tard' in html


@pytest.mark.parametrize(
    ("state", "shown", "priced"),
    [(BOOKED, "✓", True), (CLOSED, "—", False), (FULL, "⊘", False)],
)
def test_a_day_that_cannot_be_ticked_shows_its_state(state, shown, priced):
    shown_cell = cell(state, reason="Grève" if state == CLOSED else "")
    shown_cell.price = "3,30 €"
    html = meals(shown_cell)
    assert f'<span class="state state--{state}" aria-hidden="true">{shown}</span>' in html
    assert 'type="checkbox"' not in html
    assert ('<span class="amount">3,30 €</span>' in html) is priced
    assert ("(Grève)" in html) is (state == CLOSED)
