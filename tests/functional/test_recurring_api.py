"""POST /api/reservations/basket/recurring/ and /api/reservations/basket/repeat/: a weekly
pattern previewed (bookable with prices, refused with reasons, closed days apart), then added
all or nothing, the refused left out only when asked; last week's bookings repeated; another
family's child is a 404; deadlines on the controlled clock; flat query counts."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from oscar.core.loading import get_model
from rest_framework.test import APIClient

from reservations.models import Closure
from reservations.rules import PARIS
from tests.booking_factories import make_booking
from tests.factories import ParentFactory, PartnerFactory
from tests.planning_factories import NOW, make_canteen, make_family
from tests.reservations_factories import BeneficiaryFactory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

Line = get_model("basket", "Line")
RECURRING = "/api/reservations/basket/recurring/"
REPEAT = "/api/reservations/basket/repeat/"
MON, TUE, WED, THU, FRI = 1, 2, 3, 4, 5

# From Monday 2 November 2026 (NOW) to the end of the term, Friday 18 December: 7 weeks of
# Mondays, Tuesdays and Thursdays, 21 days. J-2 working days at 10:00: the 2nd and the 3rd
# are already past their deadline, the 19 others bookable.
TERM_DAYS, LATE_DAYS = 21, [date(2026, 11, 2), date(2026, 11, 3)]


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


@pytest.fixture
def family(canteen):
    _service, children, _adults = canteen
    return make_family(children)


def pattern(service, family, **extra):
    return {
        "service": service.pk,
        "beneficiaries": [child.pk for child in family.children],
        "weekdays": [MON, TUE, THU],
        **extra,
    }


def test_the_preview_lists_the_bookable_meals_with_prices_and_the_refused_with_reasons(
    clock, canteen, family
):
    service, _children, _adults = canteen

    response = client_for(family.parent).post(RECURRING, pattern(service, family), format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["start"], body["end"]) == ("2026-11-02", "2026-12-18")  # the end of the term
    assert len(body["bookable"]) == (TERM_DAYS - len(LATE_DAYS)) * 2
    first, second = body["bookable"][:2]
    assert first["date"] == second["date"] == "2026-11-05"
    assert (first["price"], second["price"]) == ("3.30", "2.90")  # the second child's price
    assert "2e enfant" in second["explanation"]
    assert body["total"] == str(Decimal("6.20") * 19)
    assert body["basket_total"] == body["total"]
    refused = body["refused"]
    assert [meal["date"] for meal in refused] == ["2026-11-02"] * 2 + ["2026-11-03"] * 2
    assert all("date limite de réservation" in meal["reason"] for meal in refused)
    assert refused[0]["beneficiary"]["id"] == family.children[0].pk
    assert body["closed"] == []
    assert not Line.objects.exists()  # a preview adds nothing


def test_closed_days_are_not_offered_nor_refused(clock, canteen, family):
    service, _children, _adults = canteen
    Closure.objects.create(calendar=service.calendar, date=date(2026, 11, 12), reason="Grève")

    body = (
        client_for(family.parent)
        .post(
            RECURRING,
            pattern(service, family, weekdays=[WED, THU], start="2026-11-09", end="2026-11-15"),
            format="json",
        )
        .json()
    )

    # Wednesday the 11th: no school, and a public holiday; Thursday the 12th: a strike.
    assert body["bookable"] == []
    assert body["refused"] == []
    assert [(day["date"], day["reason"]) for day in body["closed"]] == [
        ("2026-11-11", "Jour non travaillé"),
        ("2026-11-12", "Fermeture exceptionnelle : Grève"),
    ]


def test_accepting_the_rest_adds_the_bookable_meals_and_leaves_the_refused_out(
    clock, canteen, family
):
    service, _children, _adults = canteen

    response = client_for(family.parent).post(
        RECURRING, pattern(service, family, preview=False, skip_refused=True), format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["added"] == body["lines_count"] == 38
    assert body["total"] == "117.80"
    assert [meal["date"] for meal in body["refused"]] == ["2026-11-02"] * 2 + ["2026-11-03"] * 2
    assert Line.objects.count() == 38


def test_adding_a_pattern_with_a_refused_meal_adds_nothing_unless_told_to_skip_them(
    clock, canteen, family
):
    service, _children, _adults = canteen

    response = client_for(family.parent).post(
        RECURRING, pattern(service, family, preview=False), format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Aucun repas n'a été ajouté."
    assert {error["date"] for error in body["errors"]} == {"2026-11-02", "2026-11-03"}
    assert not Line.objects.exists()


def test_a_pattern_fully_bookable_is_added_all_at_once(clock, canteen, family):
    service, _children, _adults = canteen
    response = client_for(family.parent).post(
        RECURRING,
        pattern(service, family, preview=False, start="2026-11-05", end="2026-11-30"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    # Thursdays 5, 12, 19, 26; Mondays 9, 16, 23, 30; Tuesdays 10, 17, 24: 11 days, 2 children.
    assert response.json()["added"] == Line.objects.count() == 22


def test_another_familys_child_is_not_found_and_nothing_is_added(clock, canteen, family):
    service, _children, _adults = canteen
    stranger = BeneficiaryFactory(account=ParentFactory())
    body = pattern(service, family)
    body["beneficiaries"].append(stranger.pk)

    for preview in (True, False):
        response = client_for(family.parent).post(
            RECURRING, {**body, "preview": preview, "skip_refused": True}, format="json"
        )
        assert response.status_code == 404
    assert not Line.objects.exists()


def test_a_child_without_access_is_refused_with_the_reason(clock, canteen, family):
    service, _children, _adults = canteen
    cousin = BeneficiaryFactory(account=family.parent)
    body = (
        client_for(family.parent)
        .post(
            RECURRING,
            {
                **pattern(service, family, start="2026-11-05", end="2026-11-05"),
                "beneficiaries": [cousin.pk],
            },
            format="json",
        )
        .json()
    )
    assert body["bookable"] == []
    assert body["refused"][0]["reason"] == "Pas d'accès accepté à ce service pour ce bénéficiaire."


def test_a_period_past_the_end_of_the_school_year_is_refused(clock, canteen, family):
    service, _children, _adults = canteen
    response = client_for(family.parent).post(
        RECURRING, pattern(service, family, end="2027-07-05"), format="json"
    )
    assert response.status_code == 400
    assert "02/07/2027" in response.json()["end"][0]


def test_the_frequency_is_applied(clock, canteen, family):
    service, _children, _adults = canteen
    body = (
        client_for(family.parent)
        .post(
            RECURRING,
            pattern(
                service,
                family,
                beneficiaries=[family.children[0].pk],
                weekdays=[MON],
                frequency="even_weeks",
                start="2026-11-09",
                end="2026-12-18",
            ),
            format="json",
        )
        .json()
    )
    # ISO weeks 46 (9/11), 48 (23/11), 50 (7/12).
    assert [meal["date"] for meal in body["bookable"]] == ["2026-11-09", "2026-11-23", "2026-12-07"]
    assert body["patterns"] == [
        {"beneficiary": family.children[0].pk, "weekdays": [MON], "frequency": "even_weeks"}
    ]


@pytest.mark.parametrize(
    ("moment", "refused"),
    [
        # Thursday 5 November is bookable until Tuesday the 3rd at 10:00 (J-2 working days).
        (datetime(2026, 11, 3, 9, 59, tzinfo=PARIS), []),
        (datetime(2026, 11, 3, 10, 0, tzinfo=PARIS), ["2026-11-05", "2026-11-05"]),
    ],
)
def test_a_day_past_its_booking_deadline_is_refused_on_the_clock(canteen, family, moment, refused):
    service, _children, _adults = canteen
    with time_machine.travel(moment, tick=False):
        body = (
            client_for(family.parent)
            .post(
                RECURRING,
                pattern(service, family, weekdays=[THU], start="2026-11-05", end="2026-11-05"),
                format="json",
            )
            .json()
        )
    assert [meal["date"] for meal in body["refused"]] == refused
    assert len(body["bookable"]) == 2 - len(refused)
    if refused:
        assert body["refused"][0]["reason"] == (
            "La date limite de réservation était le 03/11 à 10:00."
        )


def test_meals_already_booked_or_in_the_basket_are_refused_and_the_rest_priced_with_them(
    clock, canteen, family
):
    service, children, _adults = canteen
    eldest, youngest = family.children
    make_booking(eldest, service=service, tariff_option=children, day=date(2026, 11, 5))
    client = client_for(family.parent)
    client.post(
        "/api/reservations/basket/",
        {"service": service.pk, "beneficiaries": [eldest.pk], "dates": ["2026-11-09"]},
        format="json",
    )

    body = client.post(
        RECURRING,
        pattern(service, family, weekdays=[MON, THU], start="2026-11-05", end="2026-11-09"),
        format="json",
    ).json()

    assert [(m["beneficiary"]["id"], m["date"], m["reason"]) for m in body["refused"]] == [
        (eldest.pk, "2026-11-05", "Ce repas est déjà réservé."),
        (eldest.pk, "2026-11-09", "Ce repas est déjà dans votre panier."),
    ]
    # The youngest comes second on both days: the eldest is booked or in the basket.
    assert [(m["date"], m["price"]) for m in body["bookable"]] == [
        ("2026-11-05", "2.90"),
        ("2026-11-09", "2.90"),
    ]
    assert body["basket_total"] == "9.10"  # 3.30 already in the basket + 2 × 2.90


def test_a_full_day_is_refused_with_the_seats_left(clock):
    service, children, _adults = make_canteen(capacity=1)
    family = make_family(children)
    body = (
        client_for(family.parent)
        .post(
            RECURRING,
            pattern(service, family, weekdays=[THU], start="2026-11-05", end="2026-11-12"),
            format="json",
        )
        .json()
    )
    # Two children, one seat a day: both are refused, on both days.
    assert len(body["refused"]) == 4
    assert "places restantes : 1" in body["refused"][0]["reason"]


def test_repeat_last_week_books_each_childs_weekdays_over_the_coming_week(canteen, family):
    service, children, _adults = canteen
    eldest, youngest = family.children
    # Last week (Monday 2 to Sunday 8 November): the eldest on Monday and Tuesday, the youngest
    # on Thursday; a cancelled booking does not count.
    for child, day in ((eldest, 2), (eldest, 3), (youngest, 5)):
        make_booking(child, service=service, tariff_option=children, day=date(2026, 11, day))
    make_booking(
        youngest, service=service, tariff_option=children, day=date(2026, 11, 6), status="cancelled"
    )

    with time_machine.travel(datetime(2026, 11, 10, 9, 0, tzinfo=PARIS), tick=False):
        client = client_for(family.parent)
        body = {"service": service.pk, "beneficiaries": [eldest.pk, youngest.pk], "what": "week"}
        preview = client.post(REPEAT, body, format="json").json()
        added = client.post(REPEAT, {**body, "preview": False}, format="json")

    # The coming week: Monday 16 to Sunday 22 November.
    assert [(m["beneficiary"]["id"], m["date"]) for m in preview["bookable"]] == [
        (eldest.pk, "2026-11-16"),
        (eldest.pk, "2026-11-17"),
        (youngest.pk, "2026-11-19"),
    ]
    assert preview["refused"] == []
    assert added.status_code == 201, added.json()
    assert added.json()["added"] == Line.objects.count() == 3


def test_repeat_without_bookings_last_month_says_there_is_nothing_to_repeat(clock, canteen, family):
    service, _children, _adults = canteen
    response = client_for(family.parent).post(
        REPEAT,
        {"service": service.pk, "beneficiaries": [family.children[0].pk], "what": "month"},
        format="json",
    )
    assert response.status_code == 400
    assert "rien à répéter" in response.json()["what"][0]


def test_repeat_of_another_familys_child_is_not_found(clock, canteen, family):
    service, _children, _adults = canteen
    stranger = BeneficiaryFactory(account=ParentFactory())
    response = client_for(family.parent).post(
        REPEAT,
        {"service": service.pk, "beneficiaries": [stranger.pk], "what": "week"},
        format="json",
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": [8]}, "weekdays"),
        ({"frequency": "monthly"}, "frequency"),
        ({"service": 999999}, "service"),
        ({"start": "2026-12-10", "end": "2026-12-01"}, "end"),
    ],
)
def test_a_bad_pattern_is_refused_with_the_field_to_correct(clock, canteen, family, body, field):
    service, _children, _adults = canteen
    response = client_for(family.parent).post(
        RECURRING, {**pattern(service, family), **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_an_anonymous_visitor_is_refused(clock, canteen, family):
    service, _children, _adults = canteen
    response = APIClient().post(RECURRING, pattern(service, family), format="json")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize(("end", "days"), [("2027-01-11", 5), ("2027-04-30", 51)])
def test_preview_and_add_take_as_many_queries_for_5_days_as_for_50(
    clock, canteen, family, end, days, django_assert_max_num_queries
):
    service, _children, _adults = canteen
    # From Monday 4 January 2027, every day the canteen opens: the winter holidays and Easter
    # Monday are out.
    body = pattern(service, family, weekdays=[MON, TUE, THU, FRI], start="2027-01-04", end=end)
    client = client_for(family.parent)
    with django_assert_max_num_queries(30):
        preview = client.post(RECURRING, body, format="json").json()
    assert len(preview["bookable"]) == days * 2
    with django_assert_max_num_queries(45):
        response = client.post(RECURRING, {**body, "preview": False}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["added"] == days * 2


def test_a_service_without_a_calendar_says_it_cannot_be_booked(clock):
    service, (option,) = make_service(PartnerFactory(), "Garderie", {"Garderie": "1.00"})
    family = make_family(option)
    for end in ({}, {"end": "2026-12-18"}):
        response = client_for(family.parent).post(
            RECURRING, {**pattern(service, family), **end}, format="json"
        )
        assert response.status_code == 400
        assert "pas encore de calendrier" in response.json()["service"][0]


def test_repeat_last_month_books_its_weekdays_over_the_coming_month(canteen, family):
    service, children, _adults = canteen
    eldest, _youngest = family.children
    # November: the eldest on Tuesdays only.
    for day in (3, 10, 17):
        make_booking(eldest, service=service, tariff_option=children, day=date(2026, 11, day))
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=PARIS), tick=False):
        body = (
            client_for(family.parent)
            .post(
                REPEAT,
                {"service": service.pk, "beneficiaries": [eldest.pk], "what": "month"},
                format="json",
            )
            .json()
        )
    # Every Tuesday of January 2027 (the Christmas holidays end on Sunday the 3rd).
    assert [meal["date"] for meal in body["bookable"]] == [
        "2027-01-05",
        "2027-01-12",
        "2027-01-19",
        "2027-01-26",
    ]
    assert body["closed"] == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"service": "x", "beneficiaries": "1", "weekdays": "1"},
        {"weekdays": [True]},
        {"beneficiaries": []},
        {"beneficiaries": [0]},
        {"start": "1999-12-31"},
        {"start": "2000-01-01", "end": "2099-12-31"},
        {"start": "2000-01-01", "end": "2000-06-01"},
        {"end": "2099-12-31"},
        {"preview": "maybe"},
        {"frequency": None},
    ],
)
def test_odd_input_is_a_400_never_a_server_error(clock, canteen, family, body):
    service, _children, _adults = canteen
    client = client_for(family.parent)
    response = client.post(RECURRING, {**pattern(service, family), **body}, format="json")
    assert response.status_code in (200, 400, 404), response.content
    response = client.post(
        REPEAT,
        {"service": service.pk, "beneficiaries": [family.children[0].pk], "what": "week", **body},
        format="json",
    )
    assert response.status_code in (200, 400, 404), response.content
