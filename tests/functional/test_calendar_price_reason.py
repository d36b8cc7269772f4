"""The month calendar says beside each price why it is that price, in a few words, and stays
light enough for a phone with six children on the page."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from reservations.basket import add_meals_to_basket
from tests.planning_factories import NOW, make_canteen, make_family

pytestmark = pytest.mark.django_db

PLANNING = reverse("portail:planning")


def _cell(html: str, beneficiary, day: str) -> str:
    """The calendar's <li> of one child on one day."""
    match = re.search(
        rf'<li class="meal[^"]*">(?:(?!</li>).)*?repas-{beneficiary.pk}-{day}(?:(?!</li>).)*</li>',
        html,
        re.S,
    )
    assert match, f"no cell for {beneficiary} on {day}"
    return match.group(0)


def test_each_price_of_the_calendar_carries_its_reason_in_a_few_words(client):
    service, children, _ = make_canteen()
    family = make_family(children, children=2, quotient="800")
    eldest, youngest = family.children
    client.force_login(family.parent)

    with time_machine.travel(NOW, tick=False):
        add_meals_to_basket(
            account=family.parent,
            service_id=service.pk,
            meals=[(eldest.pk, date(2026, 12, 1))],
            now=NOW,
        )
        response = client.get(
            PLANNING, {"service": service.pk, "mois": "2026-12", "enfant": [eldest.pk, youngest.pk]}
        )

    html = response.content.decode()
    alone = _cell(html, youngest, "2026-12-03")
    assert (
        '<span class="amount">3,30\xa0€</span><span class="price-reason"> · QF ≥ 500, 1er enfant'
        in alone
    )
    # The eldest is in the basket that day: the youngest would be the second child.
    second = _cell(html, youngest, "2026-12-01")
    assert (
        '<span class="amount">2,90\xa0€</span><span class="price-reason"> · QF ≥ 500, 2e enfant'
        in second
    )


def test_the_calendar_of_six_children_weighs_at_most_120_kb(client):
    service, children, _ = make_canteen()
    family = make_family(children, children=6)
    client.force_login(family.parent)

    with time_machine.travel(NOW, tick=False):
        response = client.get(PLANNING, {"service": service.pk, "mois": "2026-12"})

    assert response.status_code == 200
    assert response.content.count(b'class="price-reason"') >= 6 * 10
    assert len(response.content) <= 120 * 1024, len(response.content)


def test_the_calendar_api_gives_the_same_reason_beside_the_price(client):
    service, children, _ = make_canteen()
    family = make_family(children, children=2, quotient="800")
    eldest, youngest = family.children
    client.force_login(family.parent)

    with time_machine.travel(NOW, tick=False):
        add_meals_to_basket(
            account=family.parent,
            service_id=service.pk,
            meals=[(eldest.pk, date(2026, 12, 1))],
            now=NOW,
        )
        response = client.get(
            "/api/reservations/calendar/",
            {"beneficiary": [eldest.pk, youngest.pk], "month": "2026-12"},
        )

    youngest_days = {d["date"]: d for d in response.json()[1]["services"][0]["days"]}
    assert youngest_days["2026-12-01"]["price"] == "2.90"
    assert youngest_days["2026-12-01"]["price_reason"] == "QF ≥ 500, 2e enfant"
    assert youngest_days["2026-12-02"]["price_reason"] == ""  # closed: no price, no reason
