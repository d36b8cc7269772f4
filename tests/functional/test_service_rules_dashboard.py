"""A service's rules edited in the agents' dashboard: the calendar and deadlines, the tariff
grid and the documents of each option are typed forms that save what the admin's JSON would,
refuse bad input in French without changing anything, show an example computed by the rules
the bookings use, and answer 404 for another commune's service."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from reservations.access import request_access
from reservations.calendars import calendar_window
from reservations.models import (
    AccessRequirements,
    ServiceAccess,
    ServiceCalendar,
    TariffGrid,
    TariffRow,
)
from reservations.rules import PARIS
from tests.access_factories import AccessBeneficiaryFactory
from tests.booking_factories import make_canteen
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.planning_factories import NOW as PLANNING_NOW
from tests.planning_factories import make_canteen as make_planning_canteen
from tests.planning_factories import make_family
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

# Friday 11 December 2026: the next open day of a canteen open Mon, Tue, Thu, Fri is Monday 14.
FRIDAY = datetime.datetime(2026, 12, 11, 9, 0, tzinfo=PARIS)


def calendar_url(service):
    return f"/dashboard/familles/services/{service.pk}/calendrier/"


def tariff_url(service):
    return f"/dashboard/familles/services/{service.pk}/tarifs/"


def requirements_url(service):
    return f"/dashboard/familles/services/{service.pk}/pieces/"


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def canteen(rosieres):
    service, meal, calendar = make_canteen(rosieres)
    calendar.open_weekdays = [1, 2, 4, 5]
    calendar.save()
    return service, meal, calendar


@pytest.fixture
def bains_canteen():
    return make_canteen(PartnerFactory(name="Bains"), title="Cantine de Bains")


@pytest.fixture
def agent(rosieres):
    return AgentFactory(communes=[rosieres])


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def on_friday(client, agent):
    """The clock on FRIDAY, the agent logged in then (a session opened earlier would have
    expired)."""
    with time_machine.travel(FRIDAY, tick=False):
        client.force_login(agent)
        yield client


def calendar_data(**fields):
    data = {
        "open_weekdays": ["1", "2", "4", "5"],
        "closed_during_school_holidays": "on",
        "school_zone": "A",
        "daily_capacity": "",
        "booking_kind": "days_before",
        "booking_days": "2",
        "booking_working_days": "on",
        "booking_weekday": "",
        "booking_day": "",
        "booking_at": "10:00",
        "cancellation_kind": "days_before",
        "cancellation_days": "2",
        "cancellation_working_days": "on",
        "cancellation_weekday": "",
        "cancellation_day": "",
        "cancellation_at": "10:00",
        "periods-TOTAL_FORMS": "0",
        "periods-INITIAL_FORMS": "0",
    }
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def text(response):
    return response.content.decode()


def test_the_services_page_lists_only_the_agents_communes_services(
    agent_client, canteen, bains_canteen
):
    response = agent_client.get("/dashboard/familles/services/")

    assert response.status_code == 200
    assert "Cantine de Rosières" in text(response)
    assert "Réservation : 2 jours ouvrés avant, à 10:00" in text(response)
    assert "Tarif unique de chaque option" in text(response)
    assert "Cantine de Bains" not in text(response)


def test_the_calendar_page_shows_the_deadlines_of_the_next_open_day(on_friday, canteen):
    service, _, _ = canteen

    response = on_friday.get(calendar_url(service))

    assert response.status_code == 200
    page = text(response)
    assert (
        "Une réservation pour le lundi 14 décembre doit être faite avant le jeudi 10 décembre "
        "à 10:00." in page
    )
    assert "Elle peut être annulée jusqu&#x27;au jeudi 10 décembre à 10:00." in page


def test_saving_a_weekday_rule_stores_what_the_admins_json_would_and_the_example_follows(
    on_friday, canteen
):
    service, _, calendar = canteen
    data = calendar_data(
        open_weekdays=["1", "2", "3", "4", "5"],
        closed_during_school_holidays=None,
        school_zone="B",
        daily_capacity="120",
        booking_kind="weekday_of_previous_week",
        booking_days="",
        booking_weekday="2",
        booking_at="23:59",
        cancellation_kind="day_of_previous_month",
        cancellation_day="20",
        cancellation_at="12:00",
    )

    response = on_friday.post(calendar_url(service), data, follow=True)

    calendar.refresh_from_db()
    assert calendar.open_weekdays == [1, 2, 3, 4, 5]
    assert calendar.closed_during_school_holidays is False
    assert calendar.school_zone == "B"
    assert calendar.daily_capacity == 120
    assert calendar.booking_rule_kind == "weekday_of_previous_week"
    assert calendar.booking_rule_params == {"weekday": 2, "at": "23:59"}
    assert calendar.cancellation_rule_kind == "day_of_previous_month"
    assert calendar.cancellation_rule_params == {"day": 20, "at": "12:00"}
    calendar.full_clean()  # what the admin would accept
    page = text(response)
    assert "Le calendrier est enregistré." in page
    assert (
        "Une réservation pour le lundi 14 décembre doit être faite avant le mardi 8 décembre "
        "à 23:59." in page
    )
    assert "annulée jusqu&#x27;au vendredi 20 novembre à 12:00." in page


def test_a_days_before_rule_is_stored_with_its_working_days(agent_client, canteen):
    service, _, calendar = canteen

    agent_client.post(
        calendar_url(service),
        calendar_data(booking_days="5", booking_working_days=None, booking_at="08:30"),
    )

    calendar.refresh_from_db()
    assert calendar.booking_rule_kind == "days_before"
    assert calendar.booking_rule_params == {"days": 5, "working_days": False, "at": "08:30"}


def test_the_parents_calendar_follows_the_new_rule(agent_client, canteen):
    service, _, _ = canteen
    monday = datetime.date(2030, 3, 11)

    agent_client.post(
        calendar_url(service),
        calendar_data(
            booking_kind="weekday_of_previous_week", booking_days="", booking_weekday="3"
        ),
    )

    window = calendar_window(service, monday, monday)
    assert window.booking_deadline(monday) == datetime.datetime(2030, 3, 6, 10, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"booking_days": ""}, "Indiquez le nombre de jours avant le repas."),
        (
            {"booking_kind": "weekday_of_previous_week", "booking_weekday": ""},
            "Choisissez le jour de la semaine précédente.",
        ),
        (
            {"cancellation_kind": "day_of_previous_month", "cancellation_day": "32"},
            "inférieure ou égale à 31",
        ),
        ({"open_weekdays": []}, "Cochez au moins un jour d&#x27;ouverture."),
        ({"daily_capacity": "0"}, "Indiquez au moins une place"),
        ({"booking_at": "25:00"}, "Saisissez une heure valide."),
    ],
)
def test_bad_calendar_input_is_refused_in_french_and_changes_nothing(
    agent_client, canteen, fields, message
):
    service, _, calendar = canteen
    before = ServiceCalendar.objects.filter(pk=calendar.pk).values().get()

    response = agent_client.post(calendar_url(service), calendar_data(**fields))

    assert response.status_code == 400
    assert message in text(response)
    assert "Le calendrier n'est pas enregistré" in text(response)
    assert ServiceCalendar.objects.filter(pk=calendar.pk).values().get() == before


def test_another_communes_service_is_a_404_and_stays_as_it_was(agent_client, bains_canteen):
    service, meal, calendar = bains_canteen

    for url in (calendar_url(service), tariff_url(service), requirements_url(service)):
        assert agent_client.get(url).status_code == 404
    response = agent_client.post(
        calendar_url(service), calendar_data(booking_days="9", open_weekdays=["1"])
    )

    assert response.status_code == 404
    calendar.refresh_from_db()
    assert calendar.booking_rule_params["days"] == 2
    assert agent_client.post(tariff_url(service), tariff_data()).status_code == 404
    assert not TariffGrid.objects.filter(service=service).exists()


# --- Tariff grid ---------------------------------------------------------------------------


def row(n, *, low="", high="", rank="1", price="3.30", category="child", pk=""):
    return {
        f"rows-{n}-id": pk,
        f"rows-{n}-category": category,
        f"rows-{n}-residence": "any",
        f"rows-{n}-family_quotient_min": low,
        f"rows-{n}-family_quotient_max": high,
        f"rows-{n}-sibling_rank": rank,
        f"rows-{n}-unit_price": price,
    }


def tariff_data(*rows, mode="grid", initial=0, **fields):
    data = {
        "mode": mode,
        "effort_rate": "",
        "floor": "",
        "ceiling": "",
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": str(initial),
        **fields,
    }
    for values in rows:
        data.update(values)
    return data


def test_saving_a_grid_stores_its_rows_and_shows_the_example_price(agent_client, canteen):
    service, _, _ = canteen
    data = tariff_data(
        row(0, high="500", price="1.20"),
        row(1, low="500", high="1000", price="3.50"),
        row(2, low="500", high="1000", rank="2", price="3.10"),
        row(3, low="1000", price="4.80"),
        row(4, price=""),  # an extra row left as the page shows it: ignored
    )

    response = agent_client.post(tariff_url(service), data, follow=True)

    grid = TariffGrid.objects.get(service=service)
    assert grid.mode == "grid"
    assert set(
        grid.rows.values_list(
            "family_quotient_min", "family_quotient_max", "sibling_rank", "unit_price"
        )
    ) == {
        (None, Decimal("500.00"), 1, Decimal("1.20")),
        (Decimal("500.00"), Decimal("1000.00"), 1, Decimal("3.50")),
        (Decimal("1000.00"), None, 1, Decimal("4.80")),
        (Decimal("500.00"), Decimal("1000.00"), 2, Decimal("3.10")),
    }
    assert "La grille tarifaire est enregistrée." in text(response)
    assert "Pour un QF de 750, 2e enfant : 3,10\xa0€" in text(response)
    first_child = agent_client.get(tariff_url(service), {"qf": "400", "rang": "1"})
    assert "Pour un QF de 400, 1er enfant : 1,20\xa0€" in text(first_child)


def test_overlapping_brackets_are_refused_in_french_and_nothing_is_saved(agent_client, canteen):
    service, _, _ = canteen
    data = tariff_data(
        row(0, high="800", price="1.20"),
        row(1, low="500", high="1000", price="3.50"),
    )

    response = agent_client.post(tariff_url(service), data)

    assert response.status_code == 400
    assert "Les lignes 1 et 2 se chevauchent" in text(response)
    assert not TariffGrid.objects.filter(service=service).exists()
    assert not TariffRow.objects.exists()


def test_a_row_added_over_a_saved_one_is_refused_and_the_saved_grid_stays(agent_client, canteen):
    service, _, _ = canteen
    grid = TariffGrid.objects.create(service=service)
    saved = TariffRow.objects.create(
        grid=grid, category="child", residence="any", unit_price=Decimal("3.30")
    )
    data = tariff_data(
        row(0, pk=str(saved.pk), price="3.30"),
        row(1, low="", price="2.00"),
        initial=1,
    )

    response = agent_client.post(tariff_url(service), data)

    assert response.status_code == 400
    assert "se chevauchent" in text(response)
    assert list(grid.rows.values_list("unit_price", flat=True)) == [Decimal("3.30")]


@pytest.mark.parametrize(
    ("fields", "rows", "message"),
    [
        ({"mode": "effort_rate"}, [], "Indiquez le taux d&#x27;effort"),
        (
            {"mode": "effort_rate", "effort_rate": "0.5", "floor": "2", "ceiling": "1"},
            [],
            "Le prix plafond doit être au moins égal au plancher.",
        ),
        ({}, [row(0, low="800", high="500")], "doit être plus grand que le QF"),
        ({}, [row(0, price="-1")], "Le prix ne peut pas être négatif."),
    ],
)
def test_bad_grid_input_is_refused_in_french(agent_client, canteen, fields, rows, message):
    service, _, _ = canteen

    response = agent_client.post(tariff_url(service), tariff_data(*rows, **fields))

    assert response.status_code == 400
    assert message in text(response)
    assert "Constraint" not in text(response)
    assert not TariffGrid.objects.filter(service=service).exists()


def test_an_effort_rate_grid_is_saved_and_its_example_is_the_rate_of_the_quotient(
    agent_client, canteen
):
    service, _, _ = canteen
    data = tariff_data(mode="effort_rate", effort_rate="0.5", floor="1.00", ceiling="5.00")

    response = agent_client.post(tariff_url(service), data, follow=True)

    grid = TariffGrid.objects.get(service=service)
    assert (grid.mode, grid.effort_rate, grid.floor, grid.ceiling) == (
        "effort_rate",
        Decimal("0.5"),
        Decimal("1"),
        Decimal("5"),
    )
    assert "Pour un QF de 750, 2e enfant : 3,75\xa0€" in text(response)


# --- Required documents ----------------------------------------------------------------------


def test_the_documents_of_an_option_are_saved_from_checkboxes(agent_client, canteen):
    service, meal, _ = canteen
    prefix = f"option-{meal.pk}"

    response = agent_client.post(
        requirements_url(service),
        {
            f"{prefix}-required_documents": ["proof_of_address", "family_quotient"],
            f"{prefix}-requires_tax_figures": "on",
        },
        follow=True,
    )

    requirements = AccessRequirements.objects.get(tariff_option=meal)
    assert requirements.required_documents == ["proof_of_address", "family_quotient"]
    assert requirements.requires_tax_figures is True
    assert "Les pièces demandées sont enregistrées." in text(response)

    agent_client.post(requirements_url(service), {f"{prefix}-required_documents": []})
    requirements.refresh_from_db()
    assert requirements.required_documents == []
    assert requirements.requires_tax_figures is False


def test_an_unknown_document_is_refused_in_french_and_nothing_is_saved(agent_client, canteen):
    service, meal, _ = canteen

    response = agent_client.post(
        requirements_url(service), {f"option-{meal.pk}-required_documents": ["passport"]}
    )

    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in text(response)
    assert not AccessRequirements.objects.filter(tariff_option=meal).exists()


# --- What the parents then see ---------------------------------------------------------------


def existing_rows(grid, prices: dict):
    """The grid's saved rows as the page posts them back, with new prices by (QF from, rank)."""
    rows = grid.rows.order_by("pk")
    return [
        row(
            n,
            pk=str(saved.pk),
            low="" if saved.family_quotient_min is None else str(saved.family_quotient_min),
            high="" if saved.family_quotient_max is None else str(saved.family_quotient_max),
            rank=str(saved.sibling_rank),
            category=saved.category,
            price=prices.get(
                (saved.family_quotient_min, saved.sibling_rank), str(saved.unit_price)
            ),
        )
        | {f"rows-{n}-residence": saved.residence}
        for n, saved in enumerate(rows)
    ]


def test_the_parents_calendar_api_follows_the_new_deadline_and_the_new_price(client, rosieres):
    service, children_option, _ = make_planning_canteen(rosieres)
    family = make_family(children_option, children=1, quotient="800")
    parent_api = APIClient()
    parent_api.force_authenticate(family.parent)
    grid = TariffGrid.objects.get(service=service)
    client.force_login(AgentFactory(communes=[rosieres]))

    with time_machine.travel(PLANNING_NOW, tick=False):
        saved = client.post(
            calendar_url(service),
            calendar_data(
                booking_kind="weekday_of_previous_week",
                booking_days="",
                booking_weekday="3",
                booking_at="12:00",
            ),
        )
        rows = existing_rows(grid, {(Decimal("500.00"), 1): "3.45"})
        priced = client.post(tariff_url(service), tariff_data(*rows, initial=len(rows)))
        response = parent_api.get(
            "/api/reservations/calendar/",
            {"beneficiary": family.children[0].pk, "month": "2026-12"},
        )

    assert (saved.status_code, priced.status_code) == (302, 302)
    days = {d["date"]: d for d in response.json()[0]["services"][0]["days"]}
    # Thursday 3 December: the Wednesday of the week before, at noon.
    assert days["2026-12-03"]["booking_deadline"] == "2026-11-25T12:00:00+01:00"
    assert days["2026-12-03"]["price"] == "3.45"


def test_a_row_duplicating_a_saved_one_the_form_did_not_show_is_a_french_error(
    agent_client, rosieres
):
    """A stale page (another agent added the row since): the database refuses, the page says
    why in French, and nothing of the save is kept."""
    service, _, _ = make_planning_canteen(rosieres)
    grid = TariffGrid.objects.get(service=service)
    before = list(grid.rows.values_list("pk", "unit_price"))

    response = agent_client.post(
        tariff_url(service),
        tariff_data(row(0, low="500", price="9.99"), mode="grid", effort_rate=""),
    )

    assert response.status_code == 400
    assert "Cette grille a déjà une ligne pour cette catégorie" in text(response)
    assert list(grid.rows.values_list("pk", "unit_price")) == before


def test_a_service_without_a_calendar_gets_one_on_its_first_save(agent_client, rosieres):
    service, _ = make_service(rosieres, "Garderie de Rosières", {"Garderie": "1.10"})

    page = agent_client.get(calendar_url(service))
    response = agent_client.post(calendar_url(service), calendar_data(booking_days="1"))

    assert "Enregistrez le calendrier pour voir un exemple" in text(page)
    assert response.status_code == 302
    calendar = ServiceCalendar.objects.get(service=service)
    assert calendar.booking_rule_params == {"days": 1, "working_days": True, "at": "10:00"}


@pytest.mark.parametrize("services", [5, 50])
def test_the_services_page_reads_the_same_few_queries_for_5_or_50_services(
    agent_client, rosieres, services, django_assert_max_num_queries
):
    for n in range(services):
        make_service(rosieres, f"Service {n}", {"Repas": "3.30"})

    with django_assert_max_num_queries(12):
        response = agent_client.get("/dashboard/familles/services/")

    assert text(response).count("Modifier le calendrier") == services


def test_an_opening_period_is_added_and_the_calendar_opens_only_within_it(agent_client, rosieres):
    service, _ = make_service(rosieres, "Accueil de loisirs", {"Journée": "8.00"})

    response = agent_client.post(
        calendar_url(service),
        calendar_data(
            closed_during_school_holidays=None,  # an "accueil de loisirs" opens in the summer
            **{
                "periods-TOTAL_FORMS": "1",
                "periods-0-start": "2030-07-08",
                "periods-0-end": "2030-07-31",
                "periods-0-label": "Été 2030",
            },
        ),
    )

    assert response.status_code == 302
    calendar = ServiceCalendar.objects.get(service=service)
    assert list(calendar.opening_periods.values_list("start", "end", "label")) == [
        (datetime.date(2030, 7, 8), datetime.date(2030, 7, 31), "Été 2030")
    ]
    days = calendar_window(
        service, datetime.date(2030, 7, 1), datetime.date(2030, 8, 5)
    ).open_days()
    assert (days[0], days[-1]) == (datetime.date(2030, 7, 8), datetime.date(2030, 7, 30))


def test_a_period_ending_before_it_starts_is_refused_and_the_calendar_is_not_saved(
    agent_client, canteen
):
    service, _, calendar = canteen
    before = ServiceCalendar.objects.filter(pk=calendar.pk).values().get()

    response = agent_client.post(
        calendar_url(service),
        calendar_data(
            booking_days="7",
            **{
                "periods-TOTAL_FORMS": "1",
                "periods-0-start": "2031-07-08",
                "periods-0-end": "2031-07-01",
            },
        ),
    )

    assert response.status_code == 400
    assert "La fin de la période doit être le même jour ou après son début." in text(response)
    assert ServiceCalendar.objects.filter(pk=calendar.pk).values().get() == before
    assert calendar.opening_periods.count() == 1


def test_the_agents_menu_leads_to_the_services_rules(agent_client):
    response = agent_client.get("/dashboard/familles/comptes/")

    assert 'href="/dashboard/familles/services/"' in text(response)
    assert "Règles des services" in text(response)


def test_each_save_is_in_the_admins_history_of_the_object_with_its_agent(
    agent_client, agent, canteen
):
    service, meal, calendar = canteen

    agent_client.post(calendar_url(service), calendar_data(booking_days="4"))
    agent_client.post(tariff_url(service), tariff_data(row(0, price="3.30")))
    agent_client.post(
        requirements_url(service), {f"option-{meal.pk}-required_documents": ["proof_of_address"]}
    )

    entries = LogEntry.objects.filter(user=agent).order_by("pk")
    assert [(e.object_repr, e.action_flag) for e in entries] == [
        (str(calendar), CHANGE),
        (str(service), ADDITION),
        (str(meal), ADDITION),
    ]
    assert entries[0].get_change_message() == (
        "Calendrier (Cantine de Rosières) — Fermé pendant les vacances scolaires : non → oui ; "
        "Date limite de réservation : 2 jours ouvrés avant, à 10:00 → 4 jours ouvrés avant, "
        "à 10:00"
    )


def test_a_rule_mistyped_in_the_admin_opens_and_is_typed_again(agent_client, canteen):
    service, _, calendar = canteen
    ServiceCalendar.objects.filter(pk=calendar.pk).update(booking_rule_params={"jours": 2})

    page = agent_client.get(calendar_url(service))
    response = agent_client.post(calendar_url(service), calendar_data())

    assert page.status_code == 200
    assert "Une date limite enregistrée est invalide" in text(page)
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert calendar.booking_rule_params == {"days": 2, "working_days": True, "at": "10:00"}


def test_a_parents_request_then_asks_for_the_documents_the_agent_checked(agent_client, canteen):
    service, meal, _ = canteen
    parent = ParentFactory()
    agent_client.post(
        requirements_url(service),
        {
            f"option-{meal.pk}-required_documents": ["proof_of_address"],
            f"option-{meal.pk}-requires_tax_figures": "on",
        },
    )

    with pytest.raises(ValidationError) as refused:
        request_access(
            account=parent,
            tariff_option=meal,
            beneficiaries=[AccessBeneficiaryFactory(account=parent)],
            documents={},
        )

    assert refused.value.message_dict == {
        "proof_of_address": ["Joignez ce justificatif : Justificatif de domicile."],
        "reference_tax_income": [
            "Ce service demande votre revenu fiscal de référence et votre nombre de parts."
        ],
    }
    assert not ServiceAccess.objects.exists()


def test_another_communes_option_documents_are_a_404_and_stay_as_they_were(
    agent_client, bains_canteen
):
    service, meal, _ = bains_canteen

    response = agent_client.post(
        requirements_url(service), {f"option-{meal.pk}-required_documents": ["proof_of_address"]}
    )

    assert response.status_code == 404
    assert not AccessRequirements.objects.filter(tariff_option=meal).exists()
