"""/api/reservations/basket/ and /api/reservations/calendar/: bulk add all or nothing with
French errors, removal, the summary, the month calendar, and flat query counts."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from oscar.core.loading import get_model
from rest_framework.test import APIClient

from reservations.calendars import open_days_for
from reservations.models import Booking, Closure
from reservations.rules import PARIS
from tests.factories import ParentFactory
from tests.planning_factories import NOW, make_canteen, make_family
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

Line = get_model("basket", "Line")
BASKET = "/api/reservations/basket/"
CALENDAR = "/api/reservations/calendar/"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def canteen():
    return make_canteen()


def school_days(service, count):
    return open_days_for(service, date(2026, 11, 16), date(2027, 7, 3))[:count]


def test_adding_two_children_for_two_days_creates_four_priced_lines(clock, canteen):
    service, children, _ = canteen
    family = make_family(children)

    response = client_for(family.parent).post(
        BASKET,
        {
            "service": service.pk,
            "beneficiaries": [c.pk for c in family.children],
            "dates": ["2026-12-01", "2026-12-03"],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["lines_count"] == 4
    assert body["total"] == "12.40"  # 3.30 + 2.90 (2nd child), twice
    first_day = body["days"][0]
    assert first_day["date"] == "2026-12-01"
    assert [line["price"] for line in first_day["lines"]] == ["3.30", "2.90"]
    assert "2e enfant" in first_day["lines"][1]["explanation"]


def test_line_reference_is_the_one_oscar_builds(clock, canteen):
    service, children, _ = canteen
    family = make_family(children, children=1)
    client_for(family.parent).post(
        BASKET,
        {"service": service.pk, "beneficiaries": [family.children[0].pk], "dates": ["2026-12-01"]},
        format="json",
    )
    line = Line.objects.get()
    options = [
        {"option": a.option, "value": a.value}
        for a in line.attributes.select_related("option")
        if a.option.code in ("beneficiary", "date")
    ]

    expected = line.basket._create_line_reference(line.product, line.stockrecord, options)

    assert line.line_reference == expected
    assert {o["value"] for o in options} == {str(family.children[0].pk), "2026-12-01"}


def test_refusals_are_per_meal_in_french_and_nothing_is_added(clock, canteen):
    service, children, _ = canteen
    family = make_family(children, children=1)
    child = family.children[0]
    no_access = BeneficiaryFactory(account=family.parent)
    Closure.objects.create(calendar=service.calendar, date=date(2026, 12, 4), reason="Grève")
    Booking.objects.create(
        account=family.parent,
        beneficiary=child,
        service=service,
        tariff_option=children,
        commune=family.access.commune,
        date=date(2026, 12, 7),
        unit_price=Decimal("3.30"),
        order_number="100001",
        booked_by_role="parent",
    )

    response = client_for(family.parent).post(
        BASKET,
        {
            "service": service.pk,
            "beneficiaries": [child.pk, no_access.pk],
            "dates": ["2026-11-03", "2026-12-02", "2026-12-04", "2026-12-07", "2026-12-08"],
        },
        format="json",
    )

    assert response.status_code == 400
    errors = {(e["beneficiary"], e["date"]): e["error"] for e in response.json()["errors"]}
    assert (
        errors[(child.pk, "2026-11-03")] == "La date limite de réservation était le 30/10 à 10:00."
    )
    assert errors[(child.pk, "2026-12-02")] == "Jour fermé : Jour non travaillé."
    assert errors[(child.pk, "2026-12-04")] == "Jour fermé : Fermeture exceptionnelle : Grève."
    assert errors[(child.pk, "2026-12-07")] == "Ce repas est déjà réservé."
    assert (child.pk, "2026-12-08") not in errors
    assert "Pas d'accès accepté" in errors[(no_access.pk, "2026-12-08")]
    assert not Line.objects.exists()


def test_a_meal_already_in_the_basket_is_refused(clock, canteen):
    service, children, _ = canteen
    family = make_family(children, children=1)
    payload = {
        "service": service.pk,
        "beneficiaries": [family.children[0].pk],
        "dates": ["2026-12-01"],
    }
    client = client_for(family.parent)
    assert client.post(BASKET, payload, format="json").status_code == 201

    response = client.post(BASKET, payload, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["error"] == "Ce repas est déjà dans votre panier."
    assert Line.objects.count() == 1


def test_capacity_counts_bookings_and_basket_lines(clock):
    service, children, _ = make_canteen(capacity=2)
    family = make_family(children, children=3)

    response = client_for(family.parent).post(
        BASKET,
        {
            "service": service.pk,
            "beneficiaries": [c.pk for c in family.children],
            "dates": ["2026-12-01"],
        },
        format="json",
    )

    assert response.status_code == 400
    assert "Plus assez de places" in response.json()["errors"][0]["error"]


def test_another_parents_beneficiary_is_a_404_and_nothing_is_added(clock, canteen):
    service, children, _ = canteen
    family = make_family(children, children=1)
    other = make_family(children, children=1)

    response = client_for(family.parent).post(
        BASKET,
        {
            "service": service.pk,
            "beneficiaries": [family.children[0].pk, other.children[0].pk],
            "dates": ["2026-12-01"],
        },
        format="json",
    )

    assert response.status_code == 404
    assert not Line.objects.exists()


def test_a_weekday_pattern_leaves_closed_days_out(clock, canteen):
    service, children, _ = canteen
    family = make_family(children, children=1)

    response = client_for(family.parent).post(
        BASKET,
        {
            "service": service.pk,
            "beneficiaries": [family.children[0].pk],
            "from": "2026-12-14",
            "to": "2026-12-31",
            "weekdays": [1, 2, 3, 4, 5],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    # Christmas holidays (zone A) start on Saturday 19 December 2026.
    assert [d["date"] for d in response.json()["days"]] == [
        "2026-12-14",
        "2026-12-15",
        "2026-12-17",
        "2026-12-18",
    ]


def test_meals_are_removed_by_line_or_by_beneficiary_and_date(clock, canteen):
    service, children, _ = canteen
    family = make_family(children, children=1)
    child = family.children[0]
    client = client_for(family.parent)
    client.post(
        BASKET,
        {"service": service.pk, "beneficiaries": [child.pk], "dates": ["2026-12-01", "2026-12-03"]},
        format="json",
    )
    first = Line.objects.order_by("pk").first()

    by_line = client.delete(BASKET, {"lines": [first.pk]}, format="json")
    by_date = client.delete(
        BASKET, {"beneficiaries": [child.pk], "dates": ["2026-12-03"]}, format="json"
    )

    assert by_line.json()["removed"] == 1
    assert by_date.json()["removed"] == 1
    assert by_date.json()["lines_count"] == 0
    assert not Line.objects.exists()


@pytest.mark.parametrize("meals", [10, 100])
def test_bulk_add_query_count_does_not_grow_with_meals(
    clock, canteen, meals, django_assert_max_num_queries
):
    service, children, _ = canteen
    family = make_family(children, children=2)
    client = client_for(family.parent)
    payload = {
        "service": service.pk,
        "beneficiaries": [c.pk for c in family.children],
        "dates": [d.isoformat() for d in school_days(service, meals // 2)],
    }

    with django_assert_max_num_queries(20):
        response = client.post(BASKET, payload, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["lines_count"] == meals


def test_calendar_shows_each_days_state_price_and_deadlines(clock, canteen):
    service, children, _ = canteen
    family = make_family(children, children=2)
    eldest, youngest = family.children
    client = client_for(family.parent)
    client.post(
        BASKET,
        {"service": service.pk, "beneficiaries": [eldest.pk], "dates": ["2026-12-01"]},
        format="json",
    )

    response = client.get(CALENDAR, {"beneficiary": [eldest.pk, youngest.pk], "month": "2026-12"})

    assert response.status_code == 200
    eldest_days = {d["date"]: d for d in response.json()[0]["services"][0]["days"]}
    youngest_days = {d["date"]: d for d in response.json()[1]["services"][0]["days"]}
    assert eldest_days["2026-12-01"]["state"] == "in_basket"
    assert eldest_days["2026-12-02"] == {
        **eldest_days["2026-12-02"],
        "state": "closed",
        "reason": "Jour non travaillé",
    }
    assert eldest_days["2026-12-25"]["state"] == "closed"
    assert eldest_days["2026-12-03"]["state"] == "bookable"
    assert eldest_days["2026-12-03"]["price"] == "3.30"
    # The youngest, with the eldest in the basket that day, would pay the second rank.
    assert youngest_days["2026-12-01"]["price"] == "2.90"
    assert eldest_days["2026-12-03"]["booking_deadline"] == "2026-12-01T10:00:00+01:00"
    assert eldest_days["2026-12-03"]["cancellation_deadline"] == "2026-12-01T10:00:00+01:00"


def test_calendar_locks_days_past_the_booking_deadline(canteen):
    service, children, _ = canteen
    family = make_family(children, children=1)
    late = datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)

    with time_machine.travel(late, tick=False):
        response = client_for(family.parent).get(
            CALENDAR, {"beneficiary": family.children[0].pk, "month": "2026-12"}
        )

    days = {d["date"]: d["state"] for d in response.json()[0]["services"][0]["days"]}
    assert days["2026-12-03"] == "locked"
    assert days["2026-12-04"] == "bookable"


def test_calendar_of_another_parents_beneficiary_is_a_404(clock, canteen):
    _, children, _ = canteen
    other = make_family(children, children=1)

    response = client_for(ParentFactory()).get(
        CALENDAR, {"beneficiary": other.children[0].pk, "month": "2026-12"}
    )

    assert response.status_code == 404


@pytest.mark.parametrize("month", ["2026-12", "2027-02", "2027-07"])
def test_calendar_takes_at_most_ten_queries_for_three_beneficiaries(
    clock, canteen, month, django_assert_max_num_queries
):
    service, children, _ = canteen
    family = make_family(children, children=3)
    client = client_for(family.parent)
    client.post(
        BASKET,
        {
            "service": service.pk,
            "beneficiaries": [c.pk for c in family.children],
            "dates": ["2026-12-01"],
        },
        format="json",
    )

    with django_assert_max_num_queries(10):
        response = client.get(
            CALENDAR, {"beneficiary": [c.pk for c in family.children], "month": month}
        )

    assert response.status_code == 200
    assert len(response.json()) == 3
