"""The booking calendar (/espace/reserver/) of a large family costs what a small one's does: a
fixed number of queries, and one price explanation per access, category and sibling rank rather
than one per child and day."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reservations import pricing as pricing_module
from reservations.basket import add_meals_to_basket
from tests.booking_factories import make_booking
from tests.planning_factories import NOW, make_canteen, make_family

pytestmark = pytest.mark.django_db

PLANNING = reverse("portail:planning")
DECEMBER = date(2026, 12, 1)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def six_children(client):
    """Six children with an accepted access; the eldest booked on 1 December, the second in
    the basket on 3 December, so that sibling ranks come into the prices shown."""
    service, option, _ = make_canteen()
    family = make_family(option, children=6)
    eldest, second = family.children[:2]
    make_booking(eldest, service=service, tariff_option=option, day=date(2026, 12, 1))
    add_meals_to_basket(
        account=family.parent,
        service_id=service.pk,
        meals=[(second.pk, date(2026, 12, 3))],
        now=NOW,
    )
    client.force_login(family.parent)
    return service, family


def calendar(client, service, children):
    return client.get(
        PLANNING, {"service": service.pk, "mois": "2026-12", "enfant": [c.pk for c in children]}
    )


def test_the_calendar_of_six_children_reads_as_many_queries_as_that_of_one(
    clock, client, six_children
):
    service, family = six_children
    calendar(client, service, family.children[:1])  # warm caches (options, site)

    with CaptureQueriesContext(connection) as one:
        calendar(client, service, family.children[:1])
    with CaptureQueriesContext(connection) as six:
        response = calendar(client, service, family.children)

    assert response.status_code == 200
    # Eleven open days in December before the Christmas holidays, a cell per child on each.
    assert response.content.decode().count('class="meal meal--') == 6 * 11
    assert len(six) == len(one)


def test_the_calendar_explains_each_price_once_per_rank_not_per_child_and_day(
    clock, client, six_children, monkeypatch
):
    service, family = six_children
    explained = []
    original = pricing_module.price_meal

    def counting(beneficiary, *args, **kwargs):
        explained.append(beneficiary.pk)
        return original(beneficiary, *args, **kwargs)

    monkeypatch.setattr(pricing_module, "price_meal", counting)

    response = calendar(client, service, family.children)

    page = response.content.decode()
    assert response.status_code == 200
    # One access, one category (children), and two ranks this month: next to the booked
    # eldest or the second in the basket, every other child is a second child.
    assert len(explained) <= 2
    # The prices are still each child's: the first child's price, and the second's.
    assert "3,30\xa0€" in page and "2,90\xa0€" in page
