"""Issue 15's journey, done when this passes: in Chromium at 360 × 740, a parent books a term by
pattern for two children, joins a full day's waiting list (auto-pay from the wallet chosen in
the settings) and is promoted when another family cancels, receives the deadline reminder (the
reminders' task run with a fixed clock: the live server runs in this process), sees the
forecast, subscribes to a child's calendar feed (fetched and read with icalendar), downloads
the family's data (zip) and closes the account. Screenshots and axe on each page.

The family is the test's own (the demo parent's data serves the other tests): both children
have access to the demo's Cantine de Rosières, the elder also to a small "Garderie du soir" of
one seat a day, at a commune of its own."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from icalendar import Calendar

from accounts.models import User
from accounts.roles import ActorRole
from reservations.basket import add_meals_to_basket
from reservations.bookings import cancel_bookings
from reservations.models import (
    AccessStatus,
    Booking,
    BookingStatus,
    ServiceAccess,
    ServiceCalendar,
    WaitlistEntry,
)
from reservations.month import BOOKABLE, month_calendar
from reservations.rules import PARIS
from reservations.tasks import send_reminders
from shop.checkout import checkout
from shop.payment.constants import PaymentMethod
from tests.booking_factories import accept_access
from tests.factories import DEFAULT_PASSWORD, ParentFactory, PartnerFactory
from tests.planning_factories import make_canteen
from tests.reservations_factories import BeneficiaryFactory
from wallet import ledger
from wallet.models import POT_KINDS, LedgerAccount

from .helpers import assert_accessible, screenshot, wait_for_email
from .test_recurring_booking import CANTEEN, a_monday_with_a_term_ahead

GARDERIE = "Garderie du soir"


def step(page, name: str) -> None:
    page.wait_for_load_state("load")
    screenshot(page, f"journey-{name}")
    assert_accessible(page)


def log_in(page, email: str) -> None:
    page.goto("/connexion/")
    page.fill("#id_email", email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("load")


def refund_the_wallet(account) -> None:
    """What the town hall does before an account with money left may close: pays it back
    (an agent's adjustment of each pot to zero)."""
    agent = User.objects.filter(is_superuser=True).first()
    for pot in LedgerAccount.objects.filter(owner=account, kind__in=POT_KINDS, balance__gt=0):
        ledger.adjust_pot(
            pot,
            -pot.balance,
            reason="Remboursement du solde",
            agent=agent,
            idempotency_key=f"e2e-refund-{uuid.uuid4()}",
        )


def credit(account, amount: str) -> None:
    ledger.credit_top_up(
        account, Decimal(amount), reference="e2e journey", idempotency_key=f"e2e-{uuid.uuid4()}"
    )


def bookable_days(account, child, service, today: date) -> list:
    """The service's days the child may still book, this month and the next (deadlines kept)."""
    days = []
    for month in (today.replace(day=1), (today.replace(day=28) + timedelta(days=4)).replace(day=1)):
        for child_month in month_calendar(
            account=account,
            beneficiary_ids=[child.pk],
            month=month,
            now=timezone.now(),
            service_id=service.pk,
        ):
            for service_month in child_month.services:
                days += [day for day in service_month.days if day.state == BOOKABLE]
    return days


def the_family(email: str):
    """A validated parent, two children with the canteen, the elder with the garderie too."""
    parent = ParentFactory(email=email, first_name="Inès", last_name="Parcours")
    elder = BeneficiaryFactory(account=parent, first_name="Aïda", birth_date=date(2017, 4, 2))
    younger = BeneficiaryFactory(account=parent, first_name="Noé", birth_date=date(2019, 9, 9))
    canteen_option = (
        ServiceAccess.objects.filter(
            tariff_option__parent__title=CANTEEN, status=AccessStatus.ACCEPTED
        )
        .first()
        .tariff_option
    )
    accept_access(parent, canteen_option, [elder, younger])
    garderie, option, _adults = make_canteen(
        PartnerFactory(name=f"Parcours {uuid.uuid4().hex[:6]}"), capacity=1, title=GARDERIE
    )
    accept_access(parent, option, [elder])
    credit(parent, "400.00")
    return parent, elder, younger, garderie, option


def another_family_takes_the_seat(garderie, option, day: date):
    """A family books the garderie's only seat that day, paid by wallet."""
    other = ParentFactory(email=f"autre.{uuid.uuid4().hex[:8]}@example.org")
    child = BeneficiaryFactory(account=other, first_name="Léon")
    accept_access(other, option, [child])
    credit(other, "20.00")
    basket = add_meals_to_basket(
        account=other, service_id=garderie.pk, meals=[(child.pk, day)], now=timezone.now()
    )
    checkout(basket.pk, payer=other, payment_method=PaymentMethod.WALLET)
    return other


@pytest.mark.parametrize("viewport", ["360x740"], indirect=True)
def test_a_parent_books_a_term_waits_is_promoted_is_reminded_and_leaves(page, site, outbox):
    email = f"parcours.{uuid.uuid4().hex[:8]}@example.org"
    parent, elder, younger, garderie, option = the_family(email)
    canteen = ServiceCalendar.objects.get(service__title=CANTEEN)
    monday = a_monday_with_a_term_ahead(canteen.school_zone)

    with time_machine.travel(monday, tick=True):
        # Log in: a family that can book lands on the month calendar.
        log_in(page, email)
        page.wait_for_url("**/espace/reserver/")
        step(page, "calendar")

        # 1. A term of Mondays, Tuesdays and Thursdays at the canteen, paid by wallet.
        page.goto(f"/espace/reserver/periode/?service={canteen.service_id}")
        step(page, "recurring-form")
        page.get_by_label("Vendredi", exact=True).uncheck()
        page.get_by_role("button", name="Voir les jours réservés").click()
        step(page, "recurring-preview")
        page.get_by_role("button", name=re.compile(r"^Ajouter et payer .* porte-monnaie$")).click()
        page.wait_for_url(re.compile(r"/espace/commandes/[^/]+/confirmation/$"))
        step(page, "recurring-paid")
        term = Booking.objects.filter(account=parent, service_id=canteen.service_id)
        assert term.filter(status=BookingStatus.CONFIRMED).count() >= 2 * 6
        assert {d.isoweekday() for d in term.values_list("date", flat=True)} == {1, 2, 4}

        # 2. The waiting list: auto-pay chosen in the settings, then a full day joined.
        page.goto("/espace/mes-emails/")
        page.get_by_label(
            "Réserver et payer le repas avec mon porte-monnaie, tout de suite"
        ).check()
        page.get_by_role("button", name="Enregistrer ce choix").click()
        step(page, "waitlist-setting")
        days = bookable_days(parent, elder, garderie, timezone.localdate())
        assert len(days) >= 2, "the garderie has days to book"
        full, unbooked = days[0], days[-1]
        other = another_family_takes_the_seat(garderie, option, full.date)
        page.goto(
            f"/espace/reserver/?service={garderie.pk}&mois={full.date:%Y-%m}&enfant={elder.pk}"
        )
        cell = page.locator(f"#jour-{full.date.isoformat()}")
        assert "Complet" in cell.inner_text()
        cell.get_by_role("button", name=re.compile("Rejoindre la liste d'attente")).click()
        step(page, "waitlist-joined")
        entry = WaitlistEntry.objects.get(account=parent)
        assert entry.auto_pay_from_wallet
        page.goto("/espace/reservations/")
        waitlist = page.locator("section.waitlist")
        assert "Aïda" in waitlist.inner_text()
        step(page, "waitlist-listed")

        # The other family cancels: the seat goes to the list, paid from the wallet.
        cancel_bookings(
            list(Booking.objects.filter(account=other)),
            by=other,
            role=ActorRole.PARENT,
            now=timezone.now(),
        )
        promoted = Booking.objects.filter(
            account=parent, service=garderie, date=full.date, status=BookingStatus.CONFIRMED
        )
        assert promoted.exists()
        page.goto(f"/espace/reservations/?mois={full.date:%Y-%m}")
        step(page, "waitlist-promoted")
        assert "Garderie du soir" in page.locator("main").inner_text()

        # 3. The deadline reminder, the day before an unbooked day's booking deadline.
        deadline = unbooked.booking_deadline
        assert send_reminders(now=(deadline - timedelta(days=1)).isoformat()) >= 1
        reminder = wait_for_email(outbox, to=email, subject="Dernier jour pour réserver")
        assert GARDERIE in reminder.subject

        # 4. The forecast on the space's home.
        page.goto("/espace/")
        step(page, "forecast")
        assert page.get_by_role("heading", name="Prévision du porte-monnaie").is_visible()

        # 5. The elder's calendar feed, fetched and read.
        page.goto("/espace/filiations/")
        page.get_by_role("link", name="Agenda Aïda").click()
        page.wait_for_url(re.compile(r"/agenda/$"))
        step(page, "calendar-feed")
        feed = page.request.get(page.locator("#feed-url").input_value())
        assert feed.status == 200
        events = Calendar.from_ical(feed.body()).walk("VEVENT")
        starts = {event.decoded("dtstart") for event in events}
        assert full.date in starts
        assert len(events) >= term.filter(beneficiary=elder).count()

    # 6. After the term, the town hall has paid the wallet's balance back: the family downloads
    #    its data and closes the account (nothing booked ahead, nothing left in the wallet).
    last = Booking.objects.filter(account=parent).order_by("-date").first().date
    with time_machine.travel(datetime.combine(last + timedelta(days=1), time(9), PARIS), tick=True):
        refund_the_wallet(parent)
        log_in(page, email)
        page.goto("/espace/mes-donnees/")
        step(page, "my-data")
        with page.expect_download() as download:
            page.get_by_role("button", name="Télécharger mes données").click()
        with open(download.value.path(), "rb") as handle:
            archive = zipfile.ZipFile(io.BytesIO(handle.read()))
        data = json.loads(archive.read("donnees.json"))
        assert data["account"]["email"] == email
        assert sorted(b["first_name"] for b in data["beneficiaries"]) == ["Aïda", "Noé"]
        page.fill("#id_password", DEFAULT_PASSWORD)
        page.check("#id_confirm")
        page.get_by_role("button", name="Fermer mon compte").click()
        page.wait_for_url(re.compile(r"/$"))
        step(page, "account-closed")
        assert wait_for_email(outbox, to=email, subject="Votre compte Portail Famille est fermé")
        assert not User.objects.get(pk=parent.pk).is_active
