"""The agents' "Journal des actions": every kind of action with who did it, filters, the CSV
export, the agent's communes only, and a query count that does not grow with the events."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import ActorRole
from accounts.services import refuse_account, validate_account
from reservations.access import refuse_access
from reservations.models import (
    AccessEvent,
    AccessStatus,
    Booking,
    BookingStatus,
    Closure,
    ServiceAccess,
)
from tests.booking_factories import make_booking, make_canteen
from tests.factories import AgentFactory, ParentFactory, PartnerFactory, PendingParentFactory
from tests.reservations_factories import BeneficiaryFactory
from wallet import ledger

pytestmark = pytest.mark.django_db

JOURNAL = "/dashboard/familles/journal/"
EXPORT = "/dashboard/familles/journal/export.csv"


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def bains():
    return PartnerFactory(name="Bains")


@pytest.fixture
def canteen(rosieres):
    return make_canteen(rosieres)


@pytest.fixture
def anne(rosieres):
    return AgentFactory(first_name="Anne", last_name="Agent", communes=[rosieres])


@pytest.fixture
def bruno(rosieres):
    return AgentFactory(first_name="Bruno", last_name="Agent", communes=[rosieres])


@pytest.fixture
def family():
    return ParentFactory(first_name="Claire", last_name="Martin")


def book(canteen, child, *, by, day_offset=0):
    service, meal, _calendar = canteen
    booking = make_booking(
        child,
        service=service,
        tariff_option=meal,
        day=timezone.localdate() + timedelta(days=30 + day_offset),
    )
    Booking.objects.filter(pk=booking.pk).update(booked_by=by, booked_by_role=ActorRole.AGENT)
    return booking


@pytest.fixture
def every_kind(canteen, rosieres, anne, bruno, family):
    """One action of each kind at Rosières, by Anne or Bruno."""
    service, meal, calendar = canteen
    child = BeneficiaryFactory(account=family, first_name="Léo")
    booking = book(canteen, child, by=anne)
    cancelled = book(canteen, child, by=anne, day_offset=1)
    Booking.objects.filter(pk=cancelled.pk).update(
        status=BookingStatus.CANCELLED,
        cancelled_at=timezone.now(),
        cancelled_by=bruno,
        cancelled_by_role=ActorRole.AGENT,
        cancellation_reason="Sortie scolaire",
    )
    Closure.objects.create(
        calendar=calendar,
        date=booking.date,
        end_date=booking.date,
        reason="Grève",
        created_by=bruno,
    )
    ledger.adjust_pot(
        ledger.service_pot(family, service.pk, rosieres.pk),
        Decimal("2.00"),
        reason="Repas payé en espèces",
        agent=anne,
        idempotency_key="adjust:audit",
    )
    access = ServiceAccess.objects.create(account=family, tariff_option=meal, commune=rosieres)
    refuse_access(access, reason="Dossier incomplet", by=bruno)
    validate_account(PendingParentFactory(last_name="Validé"), validated_by=anne)
    refuse_account(PendingParentFactory(last_name="Refusé"), refused_by=bruno, reason="Doublon")
    return booking


def rows(response):
    return [(e.kind, str(e.actor) if e.actor else None) for e in response.context["page"].events]


def test_each_kind_of_action_appears_with_who_did_it(client, every_kind, anne):
    client.force_login(anne)

    response = client.get(JOURNAL)

    assert response.status_code == 200
    found = set(rows(response))
    assert {
        ("booked", "Anne Agent"),
        ("cancelled", "Bruno Agent"),
        ("closed", "Bruno Agent"),
        ("adjusted", "Anne Agent"),
        ("access", "Bruno Agent"),
        ("validated", "Anne Agent"),
        ("refused", "Bruno Agent"),
    } <= found
    html = response.content.decode()
    assert "Sortie scolaire" in html and "Grève" in html and "Doublon" in html
    assert "Repas payé en espèces" in html and "Dossier incomplet" in html


def test_the_journal_filters_by_kind_agent_family_and_dates(client, every_kind, anne, bruno):
    client.force_login(anne)

    by_kind = rows(client.get(JOURNAL, {"kind": "closed"}))
    by_agent = rows(client.get(JOURNAL, {"actor": bruno.pk}))
    by_family = client.get(JOURNAL, {"family": "claire martin"}).context["page"].events
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    later = rows(client.get(JOURNAL, {"start": tomorrow}))

    assert by_kind == [("closed", "Bruno Agent")]
    assert {actor for _kind, actor in by_agent} == {"Bruno Agent"}
    assert {"cancelled", "closed", "access", "refused"} <= {kind for kind, _a in by_agent}
    assert by_family and {e.family.last_name for e in by_family} == {"Martin"}
    assert {e.kind for e in by_family} >= {"booked", "cancelled", "adjusted", "access"}
    assert later == []


def test_another_communes_actions_are_not_shown(client, every_kind, bains):
    stranger = AgentFactory(communes=[bains])
    client.force_login(stranger)

    response = client.get(JOURNAL)

    # Only the validation and the refusal of families who asked no commune yet are shared.
    assert {kind for kind, _actor in rows(response)} <= {"validated", "refused"}
    assert client.get(JOURNAL, {"family": "Martin"}).context["page"].events == []


def test_the_export_is_a_csv_of_the_filtered_journal(client, every_kind, anne):
    client.force_login(anne)

    response = client.get(EXPORT, {"kind": "adjusted"})

    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:3] == ["Date", "Action", "Par"]
    assert len(lines) == 2
    assert lines[1][1] == "Ajustement de porte-monnaie" and lines[1][2] == "Anne Agent"
    assert lines[1][4] == "Claire Martin"


def test_the_journal_is_paginated(client, canteen, anne, family):
    child = BeneficiaryFactory(account=family)
    for offset in range(30):
        book(canteen, child, by=anne, day_offset=offset)
    client.force_login(anne)

    first = client.get(JOURNAL, {"kind": "booked"}).context["page"]
    second = client.get(JOURNAL, {"kind": "booked", "page": 2}).context["page"]

    assert (first.count, len(first.events), len(second.events)) == (30, 25, 5)
    assert not {id(e) for e in first.events} & {id(e) for e in second.events}
    assert first.events[0].at >= second.events[0].at


def queries_for(client, agent):
    client.force_login(agent)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(JOURNAL).status_code == 200
    return len(queries)


def test_the_journal_runs_as_many_queries_for_5_events_as_for_50(client, canteen, anne, rosieres):
    service, meal, _calendar = canteen

    def add_events(n, start):
        for i in range(n):
            parent = ParentFactory()
            child = BeneficiaryFactory(account=parent)
            book(canteen, child, by=anne, day_offset=start + i)
            access = ServiceAccess.objects.create(
                account=parent, tariff_option=meal, commune=rosieres
            )
            AccessEvent.objects.create(access=access, status=AccessStatus.PENDING, actor=parent)

    add_events(5, 0)
    few = queries_for(client, anne)
    add_events(45, 5)
    many = queries_for(client, anne)

    assert many == few


def test_a_page_past_the_end_shows_nothing_and_a_silly_one_is_capped(client, canteen, anne):
    book(canteen, BeneficiaryFactory(account=ParentFactory()), by=anne)
    client.force_login(anne)

    past = client.get(JOURNAL, {"kind": "booked", "page": 3}).context["page"]
    silly = client.get(JOURNAL, {"page": 10**9}).context["page"]
    garbage = client.get(JOURNAL, {"page": "deux"}).context["page"]

    assert past.events == [] and past.number == 3
    assert silly.number == 400
    assert garbage.number == 1 and garbage.events
