"""Issue 15, the waiting list: a child joins a full day's list only (reservations/waitlist.py);
a freed seat promotes the list in the order it joined, before the booking deadline only
(shop/waitlist.py): paid from the wallet through the real checkout when the family opted in and
has the money, else a 24-hour offer by e-mail. Real PostgreSQL, Oscar and the Celery task code
(eager); the last test races two cancellations in real threads."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.roles import ActorRole
from reservations import waitlist
from reservations.bookings import cancel_booking
from reservations.exceptions import UnknownBeneficiary
from reservations.models import (
    Booking,
    BookingStatus,
    ServiceCalendar,
    WaitlistEntry,
    WaitlistStatus,
)
from reservations.rules import PARIS
from shop.waitlist import expire_waitlist, promote_day
from tests.booking_factories import MEAL_DAY, accept_access, make_booking, make_canteen, top_up
from tests.factories import ParentFactory
from tests.functional.test_checkout_payment import general_pot
from tests.integration.test_wallet_concurrency import run_in_threads
from tests.reservations_factories import BeneficiaryFactory

# The default booking rule closes MEAL_DAY (Tuesday 12/03/2030) two working days before, 10:00.
AFTER_DEADLINE = datetime.datetime(2030, 3, 11, 9, 0, tzinfo=PARIS)


def full_day(capacity=1):
    """A canteen whose MEAL_DAY is full: `capacity` other families' children booked."""
    service, meal, calendar = make_canteen(capacity=capacity)
    booked = [
        make_booking(service=service, tariff_option=meal, day=MEAL_DAY) for _ in range(capacity)
    ]
    return service, meal, booked


def family_with_access(meal, *, money=None):
    parent = ParentFactory()
    child = BeneficiaryFactory(account=parent)
    accept_access(parent, meal, [child])
    if money:
        top_up(parent, money)
    return parent, child


def join(parent, child, service, *, auto_pay=False):
    return waitlist.join(
        parent,
        beneficiary_id=child.pk,
        service_id=service.pk,
        day=MEAL_DAY,
        auto_pay=auto_pay,
        now=timezone.now(),
    )


def cancel(booking):
    return cancel_booking(booking, by=booking.account, role=ActorRole.PARENT, now=timezone.now())


@pytest.mark.django_db
class TestJoining:
    def test_a_day_with_a_seat_left_cannot_be_joined_and_the_parent_is_told_to_book_it(self):
        service, meal, _ = make_canteen(capacity=2)
        make_booking(service=service, tariff_option=meal, day=MEAL_DAY)
        parent, child = family_with_access(meal)

        with pytest.raises(waitlist.WaitlistRefused) as refused:
            join(parent, child, service)

        assert refused.value.detail == (
            "Il reste des places ce jour-là : réservez ce repas directement."
        )
        assert not WaitlistEntry.objects.exists()

    def test_a_full_day_is_joined_once_per_child(self):
        service, meal, _ = full_day()
        parent, child = family_with_access(meal)

        entry = join(parent, child, service)
        with pytest.raises(waitlist.WaitlistRefused) as refused:
            join(parent, child, service)

        assert entry.status == WaitlistStatus.WAITING
        assert "déjà sur la liste d'attente" in refused.value.detail
        assert WaitlistEntry.objects.count() == 1

    def test_a_child_without_an_accepted_access_is_refused_with_that_reason(self):
        service, meal, _ = full_day()
        parent = ParentFactory()
        child = BeneficiaryFactory(account=parent)

        with pytest.raises(waitlist.WaitlistRefused) as refused:
            join(parent, child, service)

        assert refused.value.detail == "Pas d'accès accepté à ce service pour ce bénéficiaire."

    def test_another_familys_child_is_unknown(self):
        service, meal, _ = full_day()
        parent, _child = family_with_access(meal)
        _other, strangers_child = family_with_access(meal)

        with pytest.raises(UnknownBeneficiary):
            join(parent, strangers_child, service)

    def test_past_the_booking_deadline_a_full_day_cannot_be_joined(self):
        service, meal, _ = full_day()
        parent, child = family_with_access(meal)

        with pytest.raises(waitlist.WaitlistRefused) as refused:
            waitlist.join(
                parent,
                beneficiary_id=child.pk,
                service_id=service.pk,
                day=MEAL_DAY,
                auto_pay=False,
                now=AFTER_DEADLINE,
            )

        assert refused.value.detail.startswith("La date limite de réservation était")


@pytest.mark.django_db
class TestPromotion:
    def test_a_cancellation_offers_the_seat_to_the_first_to_join_by_e_mail_not_the_second(
        self, django_capture_on_commit_callbacks
    ):
        service, meal, (booking,) = full_day()
        first = family_with_access(meal)
        second = family_with_access(meal)
        entry_1 = join(*first, service)
        entry_2 = join(*second, service)
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            cancel(booking)

        entry_1.refresh_from_db()
        entry_2.refresh_from_db()
        assert entry_1.status == WaitlistStatus.OFFERED
        assert entry_2.status == WaitlistStatus.WAITING
        assert entry_1.offered_until - entry_1.offered_at == datetime.timedelta(hours=24)
        offers = [m for m in mail.outbox if m.to == [first[0].email]]
        assert len(offers) == 1
        assert "Une place s'est libérée" in offers[0].subject
        assert f"/espace/reserver/?service={service.pk}&mois=2030-03" in offers[0].body
        assert "n'est pas gardée" in offers[0].body
        assert not [m for m in mail.outbox if m.to == [second[0].email]]

    def test_auto_pay_books_the_meal_and_debits_the_wallet_once(
        self, django_capture_on_commit_callbacks
    ):
        service, meal, (booking,) = full_day()
        parent, child = family_with_access(meal, money="10.00")
        entry = join(parent, child, service, auto_pay=True)

        with django_capture_on_commit_callbacks(execute=True):
            cancel(booking)
        promote_day(service.pk, MEAL_DAY)  # a retried task, a second cancellation: no-op

        entry.refresh_from_db()
        booked = Booking.objects.get(beneficiary=child, date=MEAL_DAY)
        assert entry.status == WaitlistStatus.BOOKED
        assert entry.order_number == booked.order_number
        assert booked.status == BookingStatus.CONFIRMED
        assert booked.booked_by_role == ActorRole.SYSTEM
        assert general_pot(parent) == Decimal("6.70")
        assert (
            Booking.objects.filter(
                service=service, date=MEAL_DAY, status=BookingStatus.CONFIRMED
            ).count()
            == 1
        )

    def test_auto_pay_without_the_money_becomes_an_offer_and_nothing_is_debited(
        self, django_capture_on_commit_callbacks
    ):
        service, meal, (booking,) = full_day()
        parent, child = family_with_access(meal, money="1.00")
        entry = join(parent, child, service, auto_pay=True)
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            cancel(booking)

        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.OFFERED
        assert general_pot(parent) == Decimal("1.00")
        assert not Booking.objects.filter(beneficiary=child).exists()
        assert [m.to for m in mail.outbox if "Une place" in m.subject] == [[parent.email]]

    def test_after_the_booking_deadline_a_freed_seat_promotes_nobody(self):
        service, meal, (booking,) = full_day()
        parent, child = family_with_access(meal, money="10.00")
        entry = join(parent, child, service, auto_pay=True)
        cancel(booking)

        assert promote_day(service.pk, MEAL_DAY, now=AFTER_DEADLINE) == []

        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.WAITING
        assert not Booking.objects.filter(beneficiary=child).exists()
        assert expire_waitlist(AFTER_DEADLINE.isoformat()) == 1
        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.EXPIRED

    def test_an_offer_past_its_24_hours_expires_and_the_next_in_line_is_offered(self):
        service, meal, (booking,) = full_day()
        first = family_with_access(meal)
        second = family_with_access(meal)
        entry_1 = join(*first, service)
        entry_2 = join(*second, service)
        cancel(booking)
        now = timezone.now()
        promote_day(service.pk, MEAL_DAY, now=now)
        assert promote_day(service.pk, MEAL_DAY, now=now) == []  # the offer runs: nothing more

        expire_waitlist((now + datetime.timedelta(hours=25)).isoformat())

        entry_1.refresh_from_db()
        entry_2.refresh_from_db()
        assert entry_1.status == WaitlistStatus.EXPIRED
        assert entry_2.status == WaitlistStatus.OFFERED

    def test_raising_the_days_capacity_promotes_the_list(self, django_capture_on_commit_callbacks):
        service, meal, _booked = full_day()
        parent, child = family_with_access(meal, money="10.00")
        entry = join(parent, child, service, auto_pay=True)
        calendar = ServiceCalendar.objects.get(service=service)

        with django_capture_on_commit_callbacks(execute=True):
            calendar.daily_capacity = 2
            calendar.save()

        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.BOOKED
        assert general_pot(parent) == Decimal("6.70")

    def test_the_periodic_task_promotes_a_seat_freed_without_the_signal(self):
        service, meal, (booking,) = full_day()
        first = family_with_access(meal)
        entry = join(*first, service)
        Booking.objects.filter(pk=booking.pk).update(
            status=BookingStatus.CANCELLED, cancelled_at=timezone.now()
        )

        assert expire_waitlist() == 0

        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.OFFERED

    def test_leaving_the_list_withdraws_the_entry_and_promotion_skips_it(self):
        service, meal, (booking,) = full_day()
        first = family_with_access(meal)
        second = family_with_access(meal)
        entry_1 = join(*first, service)
        entry_2 = join(*second, service)

        waitlist.leave(first[0], entry_1.pk, now=timezone.now())
        cancel(booking)
        promote_day(service.pk, MEAL_DAY)

        entry_1.refresh_from_db()
        entry_2.refresh_from_db()
        assert entry_1.status == WaitlistStatus.WITHDRAWN
        assert entry_2.status == WaitlistStatus.OFFERED


@pytest.mark.django_db
class TestApi:
    def client_of(self, parent):
        client = Client()
        client.force_login(parent)
        return client

    def test_a_parent_joins_lists_and_leaves_through_the_api(self):
        service, meal, _ = full_day()
        parent, child = family_with_access(meal)
        client = self.client_of(parent)

        joined = client.post(
            "/api/reservations/waitlist/",
            {"beneficiary": child.pk, "service": service.pk, "date": "2030-03-12"},
            content_type="application/json",
        )
        listed = client.get("/api/reservations/waitlist/")
        left = client.delete(f"/api/reservations/waitlist/{joined.json()['id']}/")

        assert joined.status_code == 201, joined.content
        assert joined.json()["status"] == "waiting"
        assert [e["id"] for e in listed.json()] == [joined.json()["id"]]
        assert left.status_code == 204
        assert client.get("/api/reservations/waitlist/").json() == []

    def test_a_day_not_full_is_refused_in_french_and_another_familys_entry_is_a_404(self):
        service, meal, _ = make_canteen(capacity=2)
        make_booking(service=service, tariff_option=meal, day=MEAL_DAY)
        parent, child = family_with_access(meal)
        other, others_child = family_with_access(meal)
        theirs = WaitlistEntry.objects.create(
            account=other, beneficiary=others_child, service=service, date=MEAL_DAY
        )
        client = self.client_of(parent)

        refused = client.post(
            "/api/reservations/waitlist/",
            {"beneficiary": child.pk, "service": service.pk, "date": "2030-03-12"},
            content_type="application/json",
        )
        strangers_child = client.post(
            "/api/reservations/waitlist/",
            {"beneficiary": others_child.pk, "service": service.pk, "date": "2030-03-12"},
            content_type="application/json",
        )
        strangers_entry = client.delete(f"/api/reservations/waitlist/{theirs.pk}/")

        assert refused.status_code == 400
        assert refused.json()["detail"] == (
            "Il reste des places ce jour-là : réservez ce repas directement."
        )
        assert strangers_child.status_code == 404
        assert strangers_entry.status_code == 404
        theirs.refresh_from_db()
        assert theirs.status == WaitlistStatus.WAITING


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("attempt", range(2))
def test_two_cancellations_at_once_promote_the_first_two_exactly_once_and_never_overbook(
    attempt,
):
    service, meal, booked = full_day(capacity=2)
    families = [family_with_access(meal, money="10.00") for _ in range(3)]
    entries = [join(parent, child, service, auto_pay=True) for parent, child in families]

    outcomes = run_in_threads(2, lambda index: cancel(booked[index]))

    assert outcomes == ["ok", "ok"]
    for entry in entries:
        entry.refresh_from_db()
    assert [e.status for e in entries] == [
        WaitlistStatus.BOOKED,
        WaitlistStatus.BOOKED,
        WaitlistStatus.WAITING,
    ]
    active = Booking.objects.filter(service=service, date=MEAL_DAY, status=BookingStatus.CONFIRMED)
    assert active.count() == 2
    assert set(active.values_list("beneficiary_id", flat=True)) == {
        families[0][1].pk,
        families[1][1].pk,
    }
    assert [general_pot(parent) for parent, _child in families] == [
        Decimal("6.70"),
        Decimal("6.70"),
        Decimal("10.00"),
    ]
