"""An agent's whole week in Chromium, at 1280 and 360 px, with a screenshot of each step and
axe-core on every page: validate a new family's account, accept its access request with its
quotient corrected, set the service's tariff, book the family's child, read the headcounts of
that day (and the next) by class, close the class's day after its preview, and find each of
these acts in the "Journal des actions".

Each viewport has its own Rosières service ("Cantine de la semaine …") and family, so the test
clashes neither with itself nor with the demo's services other tests book and edit."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from config.demo import DEMO_PASSWORD
from reservations.access import request_access
from reservations.calendars import calendar_window
from reservations.models import AccessStatus, Booking, BookingStatus, ServiceAccess
from tests.factories import PendingParentFactory
from tests.reservations_factories import BeneficiaryFactory
from wallet import ledger

from .agent_data import make_week_service
from .helpers import assert_accessible, screenshot, wait_for_email

AGENT = "agent.rosieres@portail-famille.test"


def make_new_family(tag: str, meal):
    """A family that has just registered and asked access to `meal` for its child in CM1."""
    parent = PendingParentFactory(
        email=f"semaine.{tag}@example.org", first_name="Inès", last_name=f"Semaine{tag}"
    )
    child = BeneficiaryFactory(account=parent, first_name="Noé", school_class="CM1", group="")
    request_access(
        account=parent,
        tariff_option=meal,
        beneficiaries=[child],
        documents={},
        reference_tax_income=Decimal("30000"),
        tax_shares=Decimal("3"),
    )
    return parent, child


def log_in(page):
    page.goto("/dashboard/login/")
    page.fill("#id_username", AGENT)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("#id_password").press("Enter")


def step(page, name):
    screenshot(page, f"week-{name}")
    assert_accessible(page)


@pytest.fixture
def week(site, viewport):
    tag = re.sub(r"\D", "", viewport["name"])  # "1280900", "360740"
    service, meal = make_week_service(tag)
    parent, child = make_new_family(tag, meal)
    window = calendar_window(service, timezone.localdate(), timezone.localdate() + timedelta(90))
    day = window.open_days()[12]  # past any booking deadline, a working week or two ahead
    return service, meal, parent, child, day


def test_an_agents_week(page, site, viewport, week, outbox):
    service, meal, parent, child, day = week
    log_in(page)
    step(page, "home")

    validate_the_account(page, parent, outbox)
    accept_the_access(page, parent, outbox)
    set_the_tariff(page, service)
    book_for_the_family(page, parent, child, service, day)
    read_the_headcounts(page, service, day)
    close_the_class_day(page, service, child, day, outbox)
    read_the_journal(page, parent, service)


def validate_the_account(page, parent, outbox):
    page.goto(reverse("families-dashboard:account-list"))
    step(page, "accounts")
    page.locator("tr", has_text=parent.email).get_by_role("link", name="Voir").click()
    page.wait_for_url(f"**/comptes/{parent.pk}/")
    step(page, "account")
    page.get_by_role("button", name="Valider le compte").click()
    page.wait_for_load_state("load")
    step(page, "account-validated")
    parent.refresh_from_db()
    assert parent.validated_at is not None
    wait_for_email(outbox, to=parent.email)


def accept_the_access(page, parent, outbox):
    access = ServiceAccess.objects.get(account=parent)
    page.goto(reverse("families-dashboard:access-list"))
    step(page, "access-requests")
    page.goto(reverse("families-dashboard:access-detail", kwargs={"pk": access.pk}))
    step(page, "access-request")
    form = page.locator("#accept_form")
    # The tax notice says 2.5 shares, not 3: the quotient follows, the reason is kept.
    form.get_by_label("Nombre de parts").fill("2.5")
    form.get_by_label("Quotient familial").fill("")  # empty: computed from income and shares
    form.get_by_label("Motif de la correction").fill("Avis d'imposition : 2,5 parts")
    form.get_by_role("button", name="Accepter la demande").click()
    page.wait_for_load_state("load")
    step(page, "access-accepted")
    access.refresh_from_db()
    assert access.status == AccessStatus.ACCEPTED
    assert access.tax_shares == Decimal("2.5")
    assert access.family_quotient == Decimal("1000.00")  # 30 000 / 12 / 2.5
    wait_for_email(outbox, to=parent.email)


def set_the_tariff(page, service):
    page.goto(reverse("families-dashboard:service-rules"))
    step(page, "service-rules")
    page.goto(reverse("families-dashboard:service-tariff", kwargs={"pk": service.pk}))
    step(page, "tariff")
    page.locator("#id_rows-0-family_quotient_min").fill("800")
    page.locator("#id_rows-0-unit_price").fill("2.80")
    page.locator("#tariff_form").get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state("load")
    assert "La grille tarifaire est enregistrée." in page.content()
    page.locator("#example_qf").fill("1000")
    page.locator("#example_rank").select_option("1")
    page.get_by_role("button", name="Calculer").click()
    page.wait_for_load_state("load")
    assert "Pour un QF de 1000, 1er enfant : 2,80" in page.locator("#price_example").inner_text()
    step(page, "tariff-saved")


def book_for_the_family(page, parent, child, service, day):
    ledger.credit_top_up(
        parent, Decimal("20.00"), reference="e2e", idempotency_key=f"e2e-week-{parent.pk}"
    )
    page.goto(reverse("bookings-dashboard:family-list"))
    step(page, "families")
    page.goto(reverse("bookings-dashboard:family-book", kwargs={"pk": parent.pk}))
    step(page, "book-for-family")
    form = page.locator("#book_form")
    form.get_by_label("Service").select_option(label=service.title)
    form.get_by_label(re.compile(child.first_name)).check()
    form.get_by_label("Dates").fill(f"{day:%d/%m/%Y}")
    with page.expect_navigation():
        form.get_by_role("button", name=re.compile("Réserver")).click()
    step(page, "booked")
    booking = Booking.objects.get(beneficiary=child, service=service, date=day)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.booked_by_role == "agent"
    assert booking.unit_price == Decimal("2.80")  # the grid just set, for a quotient of 1000


def read_the_headcounts(page, service, day):
    page.goto(reverse("families-dashboard:headcount"))
    page.select_option("#id_service", label=service.title)
    page.fill("#id_date", day.isoformat())
    page.get_by_role("button", name="Afficher", exact=True).click()
    page.wait_for_url("**date=*")
    totals = page.locator("#headcount_totals")
    assert totals.get_by_role("rowheader", name="CM1").count() == 1
    step(page, "headcount")
    page.locator("#headcount_next").click()
    page.wait_for_url(lambda url: f"date={day.isoformat()}" not in url)
    assert page.locator("#headcount_totals").get_by_role("rowheader", name="CM1").count() == 0
    step(page, "headcount-next-day")


def close_the_class_day(page, service, child, day, outbox):
    page.goto(reverse("families-dashboard:closure-list"))
    page.select_option("#id_service", label=service.title)
    page.fill("#id_date", day.isoformat())
    page.select_option("#id_school_class", "CM1")
    page.fill("#id_reason", "Classe de découverte")
    step(page, "closure-form")
    page.get_by_role("button", name="Voir l'aperçu").click()
    bookings = page.locator("#closure_bookings")
    bookings.wait_for()
    assert bookings.get_by_text(child.last_name).count() == 1
    assert "2,80" in page.locator("#closure_refunds").inner_text()
    step(page, "closure-preview")
    page.get_by_role("button", name="Confirmer la fermeture").click()
    page.wait_for_url("**/dashboard/familles/fermetures/")
    step(page, "closure-done")
    booking = Booking.objects.get(beneficiary=child, service=service, date=day)
    assert booking.status == BookingStatus.CANCELLED
    wait_for_email(outbox, to=child.account.email, subject="Fermeture exceptionnelle")


def journal_rows(page, **filters) -> list[str]:
    page.goto(reverse("families-dashboard:audit"))
    for field, value in filters.items():
        control = page.locator(f"#id_{field}")
        if field == "kind":
            control.select_option(value)
        else:
            control.fill(value)
    page.get_by_role("button", name="Filtrer", exact=True).click()
    page.wait_for_load_state("load")
    return page.locator("#audit_table tbody tr").all_inner_texts()


def read_the_journal(page, parent, service):
    family = journal_rows(page, family=parent.last_name)
    step(page, "journal-family")
    kinds = " ".join(family)
    for kind in ("Compte validé", "Demande d'accès", "Réservation", "Annulation"):
        assert kind in kinds, (kind, family)
    assert any("2,5 parts" in row for row in family), family  # the correction's reason
    agent = User.objects.get(email=AGENT)
    assert all(agent.get_full_name() in row for row in family if "Usager" not in row), family

    rules = journal_rows(page, kind="rules")
    assert any(service.title in row and "→ 2,80" in row for row in rules), rules
    step(page, "journal-rules")
    closures = journal_rows(page, kind="closed")
    assert any(service.title in row and "Classe de découverte" in row for row in closures)
    step(page, "journal-closures")
