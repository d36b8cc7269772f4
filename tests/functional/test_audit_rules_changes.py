"""A service's rules changed in the dashboard are in the "Journal des actions": who changed the
tariff grid, the deadlines, the calendar and capacity or an option's documents, with what was
before and what is now in words, filtered like the other actions and only at the agent's
communes."""

import pytest
from django.contrib.admin.models import LogEntry

from reservations.models import TariffRow
from tests.booking_factories import make_canteen
from tests.factories import AgentFactory, PartnerFactory

from .test_service_rules_dashboard import (
    calendar_data,
    calendar_url,
    requirements_url,
    row,
    tariff_data,
    tariff_url,
)

pytestmark = pytest.mark.django_db

JOURNAL = "/dashboard/familles/journal/"
NBSP = "\xa0"


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def canteen(rosieres):
    return make_canteen(rosieres)


@pytest.fixture
def anne(rosieres):
    return AgentFactory(first_name="Anne", last_name="Agent", communes=[rosieres])


@pytest.fixture
def bruno(rosieres):
    return AgentFactory(first_name="Bruno", last_name="Agent", communes=[rosieres])


def rules_events(client, **filters):
    page = client.get(JOURNAL, {"kind": "rules", **filters}).context["page"]
    return [(str(e.actor), e.role_label, e.what.replace(NBSP, " ")) for e in page.events]


def test_a_price_changed_in_the_grid_is_in_the_journal_with_its_old_and_new_price(
    client, canteen, anne
):
    service, _meal, _calendar = canteen
    client.force_login(anne)
    client.post(tariff_url(service), tariff_data(row(0, high="500", price="3.30")))
    line = TariffRow.objects.get(grid__service=service)

    client.post(
        tariff_url(service), tariff_data(row(0, high="500", price="2.50", pk=line.pk), initial=1)
    )

    changed, created = rules_events(client)
    label = "Enfant, Résident ou non, QF inférieur à 500 €, 1er enfant"
    assert changed == (
        "Anne Agent",
        "Agent",
        f"Grille tarifaire (Cantine de Rosières) — {label} : 3,30 € → 2,50 €",
    )
    assert created[2].startswith("Grille tarifaire (Cantine de Rosières) — Mode : — → Grille")
    assert f"{label} : — → 3,30 €" in created[2]


def test_deadlines_capacity_and_periods_changed_are_said_before_and_after(client, canteen, anne):
    service, _meal, _calendar = canteen
    client.force_login(anne)

    client.post(
        calendar_url(service),
        calendar_data(
            closed_during_school_holidays=None,
            daily_capacity="80",
            cancellation_kind="weekday_of_previous_week",
            cancellation_days="",
            cancellation_weekday="2",
            cancellation_at="23:59",
        ),
    )

    [(_actor, _role, what)] = rules_events(client)
    assert what.startswith("Calendrier (Cantine de Rosières) — ")
    assert "Places par jour : sans limite → 80" in what
    assert (
        "Date limite d'annulation : 2 jours ouvrés avant, à 10:00 → "
        "le mardi de la semaine précédente, à 23:59" in what
    )
    assert "Date limite de réservation" not in what  # unchanged


def test_an_options_documents_are_in_the_journal(client, canteen, anne):
    service, meal, _calendar = canteen
    client.force_login(anne)

    client.post(
        requirements_url(service),
        {
            f"option-{meal.pk}-required_documents": ["proof_of_address"],
            f"option-{meal.pk}-requires_tax_figures": "on",
        },
    )

    [(_actor, _role, what)] = rules_events(client)
    assert what == (
        f"Pièces demandées (Cantine de Rosières — {meal.title}) — "
        "Pièces demandées : — → Justificatif de domicile ; Revenus fiscaux demandés : — → oui"
    )


def test_a_save_that_changes_nothing_writes_nothing(client, canteen, anne):
    service, _meal, _calendar = canteen
    client.force_login(anne)
    client.post(calendar_url(service), calendar_data(daily_capacity="80"))
    before = LogEntry.objects.count()

    client.post(calendar_url(service), calendar_data(daily_capacity="80"))

    assert LogEntry.objects.count() == before
    assert len(rules_events(client)) == 1


def test_rules_changes_are_filtered_by_agent_and_family_like_the_others(
    client, canteen, anne, bruno
):
    service, _meal, _calendar = canteen
    client.force_login(anne)
    client.post(calendar_url(service), calendar_data(daily_capacity="80"))
    client.force_login(bruno)
    client.post(calendar_url(service), calendar_data(daily_capacity="90"))

    by_bruno = rules_events(client, actor=bruno.pk)
    by_anne = rules_events(client, actor=anne.pk)
    unfiltered = client.get(JOURNAL).context["page"].events

    assert [what.split(" — ")[1] for _a, _r, what in by_bruno] == ["Places par jour : 80 → 90"]
    assert [actor for actor, _r, _w in by_anne] == ["Anne Agent"]
    assert rules_events(client, family="Martin") == []  # a rule is no family's
    assert {e.kind for e in unfiltered} == {"rules"}


def test_another_communes_agent_does_not_see_the_rules_changes(client, canteen, anne):
    service, _meal, _calendar = canteen
    client.force_login(anne)
    client.post(calendar_url(service), calendar_data(daily_capacity="80"))
    client.force_login(AgentFactory(communes=[PartnerFactory(name="Bains")]))

    assert rules_events(client) == []
