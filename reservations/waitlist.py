"""The waiting list of a full day: a family joins it for one child, leaves it, reads it.

A child may join only when the one bookability rule (`rules.meal_refusal`) says the day is
full for them and nothing else: a closed day, a passed deadline, a missing access or a meal
already booked are refused with that reason, and a day with a seat left is refused with "book
it". Promotion, which books and pays, lives in shop/waitlist.py: reservations does not import
shop."""

from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import capacity, rules
from .calendars import calendar_window
from .exceptions import ReservationsError, UnknownService
from .models import (
    ACTIVE_WAITLIST_STATUSES,
    ServiceCalendar,
    WaitlistEntry,
    WaitlistStatus,
)
from .selectors import accepted_accesses, bookings_by_day, family_of

Product = get_model("catalogue", "Product")

OFFER_HOURS = 24


class WaitlistRefused(ReservationsError):
    """Joining or leaving is refused; `detail` tells the parent why and what to do."""

    def __init__(self, detail: str):
        self.detail = str(detail)
        super().__init__(self.detail)


def join(account, *, beneficiary_id: int, service_id: int, day: date, auto_pay: bool, now):
    """Put `account`'s child on the waiting list of a full day; returns the entry.

    UnknownBeneficiary (another family's child: a 404) or UnknownService; WaitlistRefused when
    the day is not full, or cannot be booked for another reason (said in French)."""
    family = family_of(account, [beneficiary_id])
    if not Product.objects.filter(pk=service_id, structure=Product.PARENT).exists():
        raise UnknownService(service_id)
    with transaction.atomic():
        # The day's lock: a cancellation promoting this day's list cannot run between our
        # "full" and our insert, leaving this child waiting beside a free seat.
        capacity.lock_meal_days([(service_id, day)])
        refusal = _refusal(account, family[beneficiary_id], service_id, day, now)
        if refusal is None:
            raise WaitlistRefused(
                _("Il reste des places ce jour-là : réservez ce repas directement.")
            )
        if refusal.code != rules.DAY_FULL:
            raise WaitlistRefused(refusal.reason)
        try:
            with transaction.atomic():
                return WaitlistEntry.objects.create(
                    account=account,
                    beneficiary_id=beneficiary_id,
                    service_id=service_id,
                    date=day,
                    auto_pay_from_wallet=auto_pay,
                )
        except IntegrityError:
            raise WaitlistRefused(
                _("Cet enfant est déjà sur la liste d'attente de ce jour.")
            ) from None


def _refusal(account, beneficiary, service_id, day, now) -> rules.Refusal | None:
    try:
        window = calendar_window(service_id, day, day)
    except ServiceCalendar.DoesNotExist:
        return rules.Refusal(
            rules.DAY_CLOSED,
            _("Ce service n'a pas encore de calendrier : il ne peut pas être réservé."),
        )
    capped = [service_id] if window.daily_capacity is not None else []
    booked, taken = bookings_by_day(account, [service_id], [day], capped_service_ids=capped)
    accesses = accepted_accesses(account, [beneficiary.pk], [service_id])
    return rules.meal_refusal(
        rules.MealDay(
            state=window.day_state_for(day, beneficiary),
            booking_deadline=window.booking_deadline(day),
            capacity=window.daily_capacity,
            seats_taken=taken[service_id, day],
            booked=beneficiary.pk in booked[service_id, day],
            access_accepted=(beneficiary.pk, service_id) in accesses,
        ),
        now,
    )


def leave(account, entry_id: int, *, now) -> WaitlistEntry:
    """Withdraw one of `account`'s waiting or offered entries. Another family's entry raises
    WaitlistEntry.DoesNotExist (a 404); a closed one, WaitlistRefused."""
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry_id, account=account)
        if entry.status not in ACTIVE_WAITLIST_STATUSES:
            raise WaitlistRefused(
                _("Cette inscription n'est plus sur la liste d'attente (%(status)s).")
                % {"status": entry.get_status_display()}
            )
        entry.status = WaitlistStatus.WITHDRAWN
        entry.closed_at = now
        entry.save(update_fields=["status", "closed_at"])
    return entry


@transaction.atomic
def set_waitlist_auto_pay(account, wanted: bool) -> int:
    """The family's choice for a freed seat: paid from the wallet at once (True) or offered by
    e-mail (False), for the entries waiting now and those it joins next. Returns how many
    entries changed."""
    get_user_model().objects.filter(pk=account.pk).update(waitlist_auto_pay=wanted)
    account.waitlist_auto_pay = wanted
    return (
        WaitlistEntry.objects.filter(account=account, status__in=ACTIVE_WAITLIST_STATUSES)
        .exclude(auto_pay_from_wallet=wanted)
        .update(auto_pay_from_wallet=wanted)
    )


def entries_of(account, *, since: date | None = None):
    """The family's entries still open (waiting or offered), by date: what the bookings page
    and the API list."""
    queryset = WaitlistEntry.objects.filter(account=account, status__in=ACTIVE_WAITLIST_STATUSES)
    if since is not None:
        queryset = queryset.filter(date__gte=since)
    return queryset.select_related("beneficiary", "service").order_by("date", "created_at", "pk")


def offer_end(now: datetime, booking_deadline: datetime | None) -> datetime:
    """An offer lasts 24 hours, never past the day's booking deadline."""
    end = now + timedelta(hours=OFFER_HOURS)
    return end if booking_deadline is None else min(end, booking_deadline)
