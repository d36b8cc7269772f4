"""Service calendars and tariff grids in PostgreSQL: the school holidays the data migration
loaded, the database constraints, and the helpers that hand the rows to the pure rules."""

import json
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

import reservations
from reservations.calendars import (
    calendar_window,
    open_days_for,
    tariff_config_for,
)
from reservations.models import (
    Closure,
    OpeningPeriod,
    SchoolHoliday,
    ServiceCalendar,
    TariffGrid,
    TariffRow,
)
from reservations.rules import (
    CHILD,
    EFFORT_RATE,
    DayOfPreviousMonth,
    DaysBefore,
    WeekdayOfPreviousWeek,
    price_for,
)
from tests.factories import AdministratorFactory, AgentFactory, PartnerFactory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def service():
    service, _options = make_service(
        PartnerFactory(name="Rosières"),
        "Cantine de Rosières",
        {"Réservation cantine pour enfants": "3.30"},
    )
    return service


@pytest.fixture
def calendar(service):
    calendar = ServiceCalendar.objects.create(service=service)
    OpeningPeriod.objects.create(
        calendar=calendar,
        start=date(2026, 9, 1),
        end=date(2027, 7, 2),
        label="Année scolaire 2026–2027",
    )
    return calendar


def test_the_data_migration_loaded_the_zone_a_holidays_of_2026_2027():
    school_year = SchoolHoliday.objects.filter(
        zone="A", start__gte=date(2026, 9, 1), start__lte=date(2027, 8, 31)
    )
    assert list(school_year.values_list("name", "start", "end")) == [
        ("Vacances de la Toussaint", date(2026, 10, 17), date(2026, 11, 1)),
        ("Vacances de Noël", date(2026, 12, 19), date(2027, 1, 3)),
        ("Vacances d'hiver", date(2027, 2, 13), date(2027, 2, 28)),
        ("Vacances de printemps", date(2027, 4, 10), date(2027, 4, 25)),
        ("Pont de l'Ascension", date(2027, 5, 6), date(2027, 5, 8)),
        ("Vacances d'été", date(2027, 7, 3), date(2027, 8, 31)),
    ]


def test_the_data_migration_loaded_every_row_of_the_shipped_file():
    path = Path(reservations.__file__).parent / "data" / "school_holidays.json"
    shipped = {
        (row["zone"], row["name"], date.fromisoformat(row["start"]), date.fromisoformat(row["end"]))
        for row in json.loads(path.read_text(encoding="utf-8"))["holidays"]
    }
    loaded = set(SchoolHoliday.objects.values_list("zone", "name", "start", "end"))
    assert shipped <= loaded
    assert {zone for zone, *_ in shipped} == {"A", "B", "C"}


def test_an_opening_period_ending_before_it_starts_is_refused(calendar):
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningPeriod.objects.create(
            calendar=calendar, start=date(2027, 7, 2), end=date(2027, 7, 1)
        )
    OpeningPeriod.objects.create(calendar=calendar, start=date(2027, 7, 5), end=date(2027, 7, 5))


def test_school_holidays_ending_before_they_start_are_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolHoliday.objects.create(
            zone="A", name="Vacances", start=date(2028, 2, 20), end=date(2028, 2, 10)
        )


def test_a_second_closure_of_the_same_day_is_refused(calendar):
    agent = AgentFactory()
    Closure.objects.create(
        calendar=calendar, date=date(2026, 12, 8), reason="grève", created_by=agent
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Closure.objects.create(calendar=calendar, date=date(2026, 12, 8), reason="sortie")


@pytest.mark.parametrize(
    "values",
    [
        {"unit_price": D("-0.01")},
        {"family_quotient_min": D("800"), "family_quotient_max": D("500")},
        {"family_quotient_min": D("500"), "family_quotient_max": D("500")},
        {"family_quotient_min": D("-1")},
        {"sibling_rank": 4},
        {"sibling_rank": 0},
        {"category": "teacher"},
        {"residence": "elsewhere"},
    ],
)
def test_an_impossible_tariff_row_is_refused(service, values):
    grid = TariffGrid.objects.create(service=service)
    row = {"grid": grid, "category": CHILD, "unit_price": D("3.30")} | values
    with pytest.raises(IntegrityError), transaction.atomic():
        TariffRow.objects.create(**row)


def test_two_rows_for_the_same_bracket_are_refused_even_open_ended(service):
    grid = TariffGrid.objects.create(service=service)
    TariffRow.objects.create(grid=grid, category=CHILD, unit_price=D("3.30"))
    with pytest.raises(IntegrityError), transaction.atomic():
        TariffRow.objects.create(grid=grid, category=CHILD, unit_price=D("2.00"))


@pytest.mark.parametrize(
    "values",
    [
        {"mode": EFFORT_RATE},  # no rate
        {"mode": EFFORT_RATE, "effort_rate": D("0")},
        {"floor": D("-1")},
        {"floor": D("2.00"), "ceiling": D("1.00")},
        {"mode": "auction"},
    ],
)
def test_an_impossible_tariff_grid_is_refused(service, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        TariffGrid.objects.create(service=service, **values)


@pytest.mark.parametrize(
    "values",
    [
        {"daily_capacity": 0},
        {"school_zone": "D"},
        {"booking_rule_kind": "whenever"},
    ],
)
def test_an_impossible_calendar_is_refused(service, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceCalendar.objects.create(service=service, **values)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"open_weekdays": []}, "open_weekdays"),
        ({"open_weekdays": [1, 8]}, "open_weekdays"),
        ({"open_weekdays": [1, 1]}, "open_weekdays"),
        ({"open_weekdays": "lundi"}, "open_weekdays"),
        ({"booking_rule_params": {"days": 2}}, "booking_rule_params"),
        (
            {"cancellation_rule_kind": "day_of_previous_month", "cancellation_rule_params": {}},
            "cancellation_rule_params",
        ),
    ],
)
def test_the_admin_form_refuses_a_malformed_calendar(service, values, field):
    calendar = ServiceCalendar(service=service, **values)
    with pytest.raises(ValidationError) as caught:
        calendar.full_clean()
    assert field in caught.value.message_dict


def test_a_calendar_defaults_to_j_minus_2_working_days_at_10_in_zone_a(service):
    calendar = ServiceCalendar.objects.create(service=service)
    calendar.full_clean()
    assert calendar.school_zone == "A"
    assert calendar.closed_during_school_holidays is True
    assert calendar.daily_capacity is None
    assert calendar.open_weekdays == [1, 2, 4, 5]
    assert calendar.booking_rule == DaysBefore(2, time(10, 0), working_days=True)
    assert calendar.cancellation_rule == DaysBefore(2, time(10, 0), working_days=True)


def test_open_days_come_from_the_calendar_its_holidays_and_closures(calendar, service):
    Closure.objects.create(calendar=calendar, date=date(2026, 11, 5), reason="sortie scolaire")
    days = open_days_for(service, date(2026, 10, 12), date(2026, 11, 13))
    assert days == [
        date(2026, 10, 12),
        date(2026, 10, 13),
        date(2026, 10, 15),
        date(2026, 10, 16),
        # Toussaint holidays, then 05/11 closed, 11/11 is a Wednesday
        date(2026, 11, 2),
        date(2026, 11, 3),
        date(2026, 11, 6),
        date(2026, 11, 9),
        date(2026, 11, 10),
        date(2026, 11, 12),
        date(2026, 11, 13),
    ]


def test_a_calendar_window_reads_three_queries_then_answers_without_any(
    calendar, service, django_assert_num_queries
):
    calendar.cancellation_rule_kind = "weekday_of_previous_week"
    calendar.cancellation_rule_params = {"weekday": 2, "at": "23:59"}
    calendar.save()
    Closure.objects.create(calendar=calendar, date=date(2026, 12, 8), reason="grève")
    with django_assert_num_queries(3):
        window = calendar_window(service, date(2026, 12, 1), date(2027, 1, 31))
    with django_assert_num_queries(0):
        assert window.day_state(date(2026, 12, 8)).reason == "Fermeture exceptionnelle : grève"
        assert window.day_state(date(2026, 12, 21)).reason == "Vacances scolaires"
        assert window.day_state(date(2027, 1, 1)).reason == "Férié"
        assert window.open_days()[:3] == [date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 4)]
        # J-2 working days for Monday 04/01/2027: New Year's Day and the weekend skipped
        assert window.booking_deadline(date(2027, 1, 4)).isoformat() == (
            "2026-12-30T10:00:00+01:00"
        )
        assert window.cancellation_deadline(date(2027, 1, 4)).isoformat() == (
            "2026-12-29T23:59:00+01:00"
        )
    assert isinstance(calendar.cancellation_rule, WeekdayOfPreviousWeek)


def test_a_service_without_a_calendar_cannot_be_opened(service):
    with pytest.raises(ServiceCalendar.DoesNotExist):
        calendar_window(service, date(2026, 12, 1), date(2026, 12, 31))


def test_a_calendar_without_opening_periods_opens_no_day(service):
    ServiceCalendar.objects.create(service=service)
    window = calendar_window(service, date(2026, 12, 1), date(2026, 12, 31))
    assert window.config.opening_periods == ()
    assert window.open_days() == []
    assert not window.day_state(date(2026, 12, 1)).open


def test_a_tariff_grid_reads_its_rows_in_their_order_in_one_query(
    service, django_assert_num_queries
):
    grid = TariffGrid.objects.create(service=service, mode=EFFORT_RATE, effort_rate=D("0.5"))
    with django_assert_num_queries(1):
        config = tariff_config_for(service)
    assert config.mode == EFFORT_RATE
    assert config.effort_rate == D("0.5")
    assert config.lines == ()  # a grid without rows
    TariffRow.objects.bulk_create(
        [
            TariffRow(grid=grid, category=CHILD, sibling_rank=2, unit_price=D("2.90")),
            TariffRow(grid=grid, category=CHILD, sibling_rank=1, unit_price=D("3.30")),
        ]
    )
    with django_assert_num_queries(1):
        config = tariff_config_for(service)
    # TariffRow's Meta ordering (category, residence, sibling rank…), not insertion order.
    assert [line.unit_price for line in config.lines] == [D("3.30"), D("2.90")]


def test_a_tariff_grid_in_the_database_prices_through_the_rules(service):
    assert tariff_config_for(service) is None
    grid = TariffGrid.objects.create(service=service)
    TariffRow.objects.bulk_create(
        [
            TariffRow(
                grid=grid, category=CHILD, family_quotient_max=D("700"), unit_price=D("2.10")
            ),
            TariffRow(
                grid=grid, category=CHILD, family_quotient_min=D("700"), unit_price=D("3.30")
            ),
            TariffRow(
                grid=grid,
                category=CHILD,
                family_quotient_min=D("700"),
                sibling_rank=2,
                unit_price=D("2.90"),
            ),
        ]
    )
    config = tariff_config_for(service.pk)
    assert price_for(
        config, category=CHILD, resident=True, family_quotient=D("650"), sibling_rank=1
    ).unit_price == D("2.10")
    assert price_for(
        config, category=CHILD, resident=True, family_quotient=None, sibling_rank=2
    ).unit_price == D("2.90")


def test_an_administrator_adds_a_calendar_and_a_closure_in_the_admin(client, service):
    administrator = AdministratorFactory()
    client.force_login(administrator)
    response = client.post(
        "/django-admin/reservations/servicecalendar/add/",
        {
            "service": service.pk,
            "open_weekdays": "[1, 2, 4, 5]",
            "school_zone": "A",
            "closed_during_school_holidays": "on",
            "daily_capacity": "80",
            "booking_rule_kind": "days_before",
            "booking_rule_params": '{"days": 2, "working_days": true, "at": "10:00"}',
            "cancellation_rule_kind": "day_of_previous_month",
            "cancellation_rule_params": '{"day": 20, "at": "12:00"}',
            "opening_periods-TOTAL_FORMS": "1",
            "opening_periods-INITIAL_FORMS": "0",
            "opening_periods-0-start": "2026-09-01",
            "opening_periods-0-end": "2027-07-02",
            "opening_periods-0-label": "Année scolaire 2026–2027",
            "closures-TOTAL_FORMS": "1",
            "closures-INITIAL_FORMS": "0",
            "closures-0-date": "2026-12-08",
            "closures-0-reason": "grève",
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors
    calendar = ServiceCalendar.objects.get(service=service)
    assert calendar.cancellation_rule == DayOfPreviousMonth(20, time(12, 0))
    closure = calendar.closures.get()
    assert (closure.date, closure.reason, closure.created_by) == (
        date(2026, 12, 8),
        "grève",
        administrator,
    )
    for page in ("servicecalendar", "schoolholiday", "tariffgrid"):
        assert client.get(f"/django-admin/reservations/{page}/").status_code == 200
