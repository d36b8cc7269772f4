"""The calendar page books siblings ticked on different days in one go: each child pays the
rank they have among the children booked that day, whatever order the form lists them in."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from reservations.basket import basket_summary
from tests.planning_factories import NOW, make_canteen, make_family

pytestmark = pytest.mark.django_db

PLANNING = reverse("portail:planning")


def test_siblings_ticked_on_different_days_pay_their_rank_of_each_day(client):
    service, children, _ = make_canteen()
    family = make_family(children, children=2)
    eldest, youngest = family.children
    client.force_login(family.parent)

    with time_machine.travel(NOW, tick=False):
        response = client.post(
            PLANNING,
            {
                "service": service.pk,
                "mois": "2026-12",
                "enfant": [youngest.pk, eldest.pk],
                # The youngest first, and the children do not share all their days.
                "repas": [
                    f"{youngest.pk}:2026-12-01",
                    f"{youngest.pk}:2026-12-04",
                    f"{eldest.pk}:2026-12-01",
                    f"{eldest.pk}:2026-12-03",
                ],
            },
        )

    assert response.status_code == 302
    summary = basket_summary(family.parent)
    prices = {
        (line.beneficiary["id"], day.date): line.price for day in summary.days for line in day.lines
    }
    assert prices == {
        (eldest.pk, date(2026, 12, 1)): Decimal("3.30"),
        (youngest.pk, date(2026, 12, 1)): Decimal("2.90"),  # second child that day
        (eldest.pk, date(2026, 12, 3)): Decimal("3.30"),
        (youngest.pk, date(2026, 12, 4)): Decimal("3.30"),  # alone that day
    }
