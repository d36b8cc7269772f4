"""The caterer's automatic headcount: at each service day's booking deadline the beat task
freezes the day's headcount (counts per class and group, diets, PAI) and e-mails it once to the
addresses the commune set; the agents edit those addresses and read the snapshots in the
dashboard, for their communes only."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reservations.caterer import due_days
from reservations.caterer_tasks import send_caterer_headcounts
from reservations.models import BookingStatus, CatererRecipient, Diet, HeadcountSnapshot
from reservations.rules import PARIS
from tests.booking_factories import MEAL_DAY, make_booking, make_canteen
from tests.factories import AdministratorFactory, AgentFactory, ParentFactory, PartnerFactory
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

CATERER = "/dashboard/familles/effectifs/prestataire/"
# MEAL_DAY is Tuesday 12/03/2030: the canteen's rule (J-2 working days at 10:00) locks it on
# Friday 08/03/2030 at 10:00, Paris time.
DEADLINE = datetime.datetime(2030, 3, 8, 10, 0, tzinfo=PARIS)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def canteen(rosieres):
    return make_canteen(rosieres)


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


def child(school_class, group="", **fields):
    return BeneficiaryFactory(
        account=ParentFactory(), school_class=school_class, group=group, **fields
    )


def book(beneficiary, canteen, **fields):
    service, meal, _ = canteen
    return make_booking(beneficiary, service=service, tariff_option=meal, **fields)


@pytest.fixture
def day_booked(canteen):
    """Three meals on MEAL_DAY: two in CP (one PAI, one without pork), one in CE1 group Étude;
    plus a cancelled one that does not count."""
    cp_pai = book(child("CP", has_pai=True, pai_details="Allergie arachide"), canteen)
    cp_pork = book(child("CP", diet=Diet.NO_PORK, first_name="Zoé"), canteen)
    ce1 = book(child("CE1", "Étude", diet=Diet.VEGETARIAN), canteen)
    book(child("CP"), canteen, status=BookingStatus.CANCELLED)
    return cp_pai, cp_pork, ce1


def run_task_at(moment, capture):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return send_caterer_headcounts.apply().get()


def snapshot_of(canteen, day=MEAL_DAY):
    return HeadcountSnapshot.objects.filter(service=canteen[0], date=day).first()


def mails_for(day_label):
    return [m for m in mail.outbox if day_label in m.subject]


def addresses(canteen, *emails):
    for email in emails:
        CatererRecipient.objects.create(service=canteen[0], email=email, label="Cuisine")


def test_the_task_is_scheduled_every_few_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["reservations-caterer-headcounts"]

    assert entry["task"] == send_caterer_headcounts.name
    assert entry["schedule"] <= 600


def test_nothing_is_frozen_nor_sent_before_the_booking_deadline(
    canteen, day_booked, django_capture_on_commit_callbacks
):
    addresses(canteen, "cuisine@traiteur.example.org")

    run_task_at(DEADLINE - MINUTE, django_capture_on_commit_callbacks)

    assert snapshot_of(canteen) is None
    assert mails_for("12 mars 2030") == []


def test_at_the_deadline_the_day_is_frozen_and_each_address_gets_it_once(
    canteen, day_booked, django_capture_on_commit_callbacks
):
    addresses(canteen, "cuisine@traiteur.example.org", "ecole@rosieres.example.org")

    run_task_at(DEADLINE + MINUTE, django_capture_on_commit_callbacks)

    snapshot = snapshot_of(canteen)
    assert snapshot.total == 3
    assert snapshot.deadline == DEADLINE
    assert snapshot.frozen_at == DEADLINE + MINUTE
    assert sorted(snapshot.recipients) == [
        "cuisine@traiteur.example.org",
        "ecole@rosieres.example.org",
    ]
    rows = {row["label"]: row for row in snapshot.counts["rows"]}
    assert list(rows) == ["CP", "CE1 — Étude"]
    assert (rows["CP"]["total"], rows["CP"]["pai"], rows["CP"]["diets"]["sans_porc"]) == (2, 1, 1)
    assert rows["CE1 — Étude"]["diets"]["vegetarien"] == 1
    assert snapshot.counts["diets"] == {
        "": 1,
        "sans_porc": 1,
        "sans_viande": 0,
        "vegetarien": 1,
    }
    sent = mails_for("mardi 12 mars 2030")
    assert sorted(m.to[0] for m in sent) == [
        "cuisine@traiteur.example.org",
        "ecole@rosieres.example.org",
    ]
    assert sent[0].subject == "Effectif du mardi 12 mars 2030 — Cantine de Rosières : 3 repas"


def test_the_email_gives_counts_per_class_with_diets_and_pai_but_no_names(
    canteen, day_booked, django_capture_on_commit_callbacks
):
    addresses(canteen, "cuisine@traiteur.example.org")

    run_task_at(DEADLINE + MINUTE, django_capture_on_commit_callbacks)

    (message,) = mails_for("mardi 12 mars 2030")
    body = message.body
    assert "« Cantine de Rosières » pour le mardi 12 mars 2030" in body
    assert "vendredi 8 mars 2030 à 10:00" in body
    assert "- CP : 2 repas, PAI : 1, Sans porc : 1" in body
    assert "- CE1 — Étude : 1 repas, Végétarien : 1" in body
    assert "Total : 3 repas" in body
    assert "Repas standard : 1" in body
    assert "Allergie arachide" not in body
    assert day_booked[1].beneficiary.first_name not in body


def test_running_the_task_again_sends_nothing_more(
    canteen, day_booked, django_capture_on_commit_callbacks
):
    addresses(canteen, "cuisine@traiteur.example.org")
    run_task_at(DEADLINE + MINUTE, django_capture_on_commit_callbacks)

    again = run_task_at(DEADLINE + 6 * MINUTE, django_capture_on_commit_callbacks)

    assert again == 0
    assert HeadcountSnapshot.objects.filter(service=canteen[0], date=MEAL_DAY).count() == 1
    assert len(mails_for("mardi 12 mars 2030")) == 1


def test_a_cancellation_after_the_deadline_leaves_the_snapshot_as_sent(
    canteen, day_booked, django_capture_on_commit_callbacks
):
    run_task_at(DEADLINE + MINUTE, django_capture_on_commit_callbacks)
    day_booked[0].status = BookingStatus.CANCELLED
    day_booked[0].cancelled_at = DEADLINE + 2 * MINUTE
    day_booked[0].save()

    run_task_at(DEADLINE + 10 * MINUTE, django_capture_on_commit_callbacks)

    assert snapshot_of(canteen).total == 3


def test_a_service_without_addresses_is_frozen_and_kept_but_not_sent(
    canteen, day_booked, django_capture_on_commit_callbacks
):
    run_task_at(DEADLINE + MINUTE, django_capture_on_commit_callbacks)

    snapshot = snapshot_of(canteen)
    assert snapshot.total == 3
    assert (snapshot.recipients, snapshot.sent_at) == ([], None)
    assert mail.outbox == []


def test_each_service_is_sent_to_its_own_addresses_only(
    canteen, bains_canteen, day_booked, django_capture_on_commit_callbacks
):
    addresses(canteen, "cuisine@traiteur.example.org")
    addresses(bains_canteen, "bains@traiteur.example.org")

    run_task_at(DEADLINE + MINUTE, django_capture_on_commit_callbacks)

    sent = {m.to[0]: m.subject for m in mails_for("mardi 12 mars 2030")}
    assert sent == {
        "cuisine@traiteur.example.org": (
            "Effectif du mardi 12 mars 2030 — Cantine de Rosières : 3 repas"
        ),
        "bains@traiteur.example.org": "Effectif du mardi 12 mars 2030 — Cantine de Bains : 0 repas",
    }


def test_days_are_frozen_up_to_now_and_no_further(canteen):
    due = due_days(DEADLINE + MINUTE)

    days = [item.day for item in due if item.service_id == canteen[0].pk]
    # The canteen opens every day: from today (Friday 8) to Tuesday 12, locked by Friday 10:00.
    assert days == [datetime.date(2030, 3, d) for d in (8, 9, 10, 11, 12)]


def test_finding_the_due_days_costs_the_same_queries_for_2_and_8_services(rosieres):
    def queries_for(count):
        HeadcountSnapshot.objects.all().delete()
        for index in range(count):
            make_canteen(rosieres, title=f"Service {count}-{index}")
        due_days(DEADLINE + MINUTE)  # the school holidays' cache, filled once
        with CaptureQueriesContext(connection) as queries:
            due_days(DEADLINE + MINUTE)
        return len(queries)

    assert queries_for(2) == queries_for(6)


# --- The dashboard ------------------------------------------------------------------------------


def test_an_agent_adds_an_address_to_their_service(agent_client, agent, canteen):
    response = agent_client.post(
        CATERER,
        {"service": canteen[0].pk, "email": "cuisine@traiteur.example.org", "label": "Traiteur"},
    )

    assert response.status_code == 302
    recipient = CatererRecipient.objects.get()
    assert (recipient.service, recipient.email, recipient.created_by) == (
        canteen[0],
        "cuisine@traiteur.example.org",
        agent,
    )


def test_the_same_address_twice_is_a_form_error(agent_client, canteen):
    addresses(canteen, "cuisine@traiteur.example.org")

    response = agent_client.post(
        CATERER, {"service": canteen[0].pk, "email": "CUISINE@traiteur.example.org"}
    )

    assert response.status_code == 200
    assert "reçoit déjà" in response.context["form"].errors["email"][0]
    assert CatererRecipient.objects.count() == 1


def test_another_communes_service_gets_no_address_from_this_agent(agent_client, bains_canteen):
    response = agent_client.post(
        CATERER, {"service": bains_canteen[0].pk, "email": "x@traiteur.example.org"}
    )

    assert response.status_code == 200
    assert "service" in response.context["form"].errors
    assert not CatererRecipient.objects.exists()


def test_an_agent_removes_an_address_but_not_another_communes(agent_client, canteen, bains_canteen):
    addresses(canteen, "cuisine@traiteur.example.org")
    addresses(bains_canteen, "bains@traiteur.example.org")
    ours = CatererRecipient.objects.get(email="cuisine@traiteur.example.org")
    theirs = CatererRecipient.objects.get(email="bains@traiteur.example.org")

    assert agent_client.post(f"{CATERER}destinataires/{theirs.pk}/supprimer/").status_code == 404
    assert agent_client.post(f"{CATERER}destinataires/{ours.pk}/supprimer/").status_code == 302
    assert list(CatererRecipient.objects.values_list("email", flat=True)) == [
        "bains@traiteur.example.org"
    ]


def test_the_snapshots_are_listed_and_shown_for_the_agents_communes_only(
    agent_client, canteen, bains_canteen, day_booked, django_capture_on_commit_callbacks
):
    addresses(canteen, "cuisine@traiteur.example.org")
    run_task_at(DEADLINE + MINUTE, django_capture_on_commit_callbacks)
    ours, theirs = snapshot_of(canteen), snapshot_of(bains_canteen)

    listing = agent_client.get(CATERER)
    detail = agent_client.get(f"{CATERER}{ours.pk}/")

    assert listing.status_code == 200
    assert ours in listing.context["snapshots"]
    assert theirs not in listing.context["snapshots"]
    page = detail.content.decode()
    assert detail.status_code == 200
    assert "Effectif du mardi 12 mars 2030" in page
    assert "CE1 — Étude" in page and "cuisine@traiteur.example.org" in page
    assert "Allergie arachide" not in page
    assert "<main" in page
    assert agent_client.get(f"{CATERER}{theirs.pk}/").status_code == 404


def test_the_snapshot_list_costs_the_same_queries_for_2_and_20_snapshots(agent_client, canteen):
    def queries_for(count):
        HeadcountSnapshot.objects.all().delete()
        for index in range(count):
            HeadcountSnapshot.objects.create(
                service=canteen[0],
                date=MEAL_DAY + datetime.timedelta(days=index),
                deadline=DEADLINE,
                frozen_at=DEADLINE,
                total=index,
                counts={},
            )
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(CATERER).status_code == 200
        return len(queries)

    assert queries_for(2) == queries_for(20)


def test_the_caterer_page_needs_the_review_permission(client, canteen):
    client.force_login(ParentFactory())

    assert client.get(CATERER).status_code in (302, 403)


def test_an_administrator_reads_the_snapshots_and_addresses_in_the_admin(
    client, canteen, day_booked, django_capture_on_commit_callbacks
):
    addresses(canteen, "cuisine@traiteur.example.org")
    run_task_at(DEADLINE + MINUTE, django_capture_on_commit_callbacks)
    client.force_login(AdministratorFactory())

    for page in ("headcountsnapshot", "catererrecipient"):
        assert client.get(f"/django-admin/reservations/{page}/").status_code == 200
    snapshot = snapshot_of(canteen)
    assert (
        client.get(
            f"/django-admin/reservations/headcountsnapshot/{snapshot.pk}/change/"
        ).status_code
        == 200
    )
    assert client.get("/django-admin/reservations/headcountsnapshot/add/").status_code == 403
