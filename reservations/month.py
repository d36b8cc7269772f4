"""The month calendar of a family: for each child, each service they may book and each day,
whether it can be booked (and why not), its price and its deadlines."""

import calendar as month_days
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import rules
from .basket import basket_meal_lines
from .calendars import calendar_windows, tariff_configs
from .models import ACTIVE_BOOKING_STATUSES, Booking
from .pricing import price_meal
from .selectors import accepted_accesses, family_of

Basket = get_model("basket", "Basket")

# Day states of the calendar.
CLOSED = "closed"
BOOKABLE = "bookable"
IN_BASKET = "in_basket"
BOOKED = "booked"
LOCKED = "locked"
FULL = "full"
DAY_STATES = (CLOSED, BOOKABLE, IN_BASKET, BOOKED, LOCKED, FULL)


@dataclass
class CalendarDay:
    date: date
    state: str
    reason: str = ""
    price: Decimal | None = None
    explanation: str = ""
    booking_deadline: datetime | None = None
    cancellation_deadline: datetime | None = None


@dataclass
class ServiceMonth:
    service: dict
    tariff_option: dict
    days: list[CalendarDay]


@dataclass
class BeneficiaryMonth:
    beneficiary: dict
    services: list[ServiceMonth]


def month_calendar(
    *, account, beneficiary_ids, month: date, now: datetime, service_id=None
) -> list[BeneficiaryMonth]:
    """For each beneficiary, each service they have accepted access to (or only `service_id`),
    and each day of `month`: its state, price and deadlines. A fixed number of queries."""
    beneficiary_ids = list(dict.fromkeys(beneficiary_ids))
    family = family_of(account, beneficiary_ids)
    start = month.replace(day=1)
    end = month.replace(day=month_days.monthrange(month.year, month.month)[1])
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    accesses = accepted_accesses(
        account, beneficiary_ids, None if service_id is None else [service_id]
    )
    service_ids = sorted({service for _b, service in accesses})
    windows = calendar_windows(service_ids, start, end) if service_ids else {}
    tariffs = tariff_configs(service_ids) if service_ids else {}

    booked = defaultdict(set)  # (service, day) → the family's booked beneficiaries
    counts = defaultdict(int)  # (service, day) → active bookings of everyone
    with_capacity = [s for s, w in windows.items() if w.daily_capacity is not None]
    if service_ids:
        bookings = Booking.objects.filter(
            service_id__in=service_ids, date__range=(start, end), status__in=ACTIVE_BOOKING_STATUSES
        )
        if not with_capacity:
            bookings = bookings.filter(account=account)
        for service, day, beneficiary_id in bookings.values_list(
            "service_id", "date", "beneficiary_id"
        ):
            counts[(service, day)] += 1
            if beneficiary_id in family:
                booked[(service, day)].add(beneficiary_id)

    in_basket = defaultdict(set)
    if service_ids:
        for line in basket_meal_lines(
            line__basket__owner=account, line__basket__status=Basket.OPEN
        ):
            if line.date is not None and line.beneficiary_id is not None:
                in_basket[(line.service_id, line.date)].add(line.beneficiary_id)

    result = []
    now_utc = now.astimezone(UTC)
    no_calendar = _("Ce service n'a pas encore de calendrier.")
    for beneficiary_id in beneficiary_ids:
        beneficiary = family[beneficiary_id]
        months = []
        for service in service_ids:
            access = accesses.get((beneficiary_id, service))
            if access is None:
                continue
            window = windows.get(service)
            option = access.tariff_option
            entries = []
            for day in days:
                if window is None:
                    entries.append(CalendarDay(day, CLOSED, no_calendar))
                    continue
                state = window.day_state(day)
                if not state.open:
                    entries.append(CalendarDay(day, CLOSED, state.reason))
                    continue
                booking_deadline = window.booking_deadline(day)
                entry = CalendarDay(
                    day,
                    BOOKABLE,
                    booking_deadline=booking_deadline,
                    cancellation_deadline=window.cancellation_deadline(day),
                )
                key = (service, day)
                if beneficiary_id in booked[key]:
                    entry.state = BOOKED
                elif beneficiary_id in in_basket[key]:
                    entry.state = IN_BASKET
                elif now_utc >= booking_deadline.astimezone(UTC):
                    entry.state = LOCKED
                elif window.daily_capacity is not None and counts[key] >= window.daily_capacity:
                    entry.state = FULL
                siblings = [family[pk] for pk in booked[key] | in_basket[key] if pk in family]
                try:
                    explanation = price_meal(
                        beneficiary,
                        option,
                        day,
                        siblings,
                        access,
                        tariff=tariffs.get(service),
                        fallback_price=access.option_price,
                    )
                except rules.NoTariffError as error:
                    entry.explanation = str(error)
                else:
                    entry.price = explanation.unit_price
                    entry.explanation = explanation.explanation_fr
                entries.append(entry)
            months.append(
                ServiceMonth(
                    service={"id": service, "title": option.parent.title},
                    tariff_option={"id": option.pk, "title": option.title},
                    days=entries,
                )
            )
        result.append(
            BeneficiaryMonth(
                beneficiary={"id": beneficiary.pk, "name": str(beneficiary)}, services=months
            )
        )
    return result


def bookable_meals(months, start: date, end: date) -> list[tuple[int, date]]:
    """The (beneficiary id, date) pairs of `month_calendar`'s answer still bookable between
    `start` and `end` (both included): a week or a month booked "at once" leaves out the days
    already booked, in the basket, closed, past their deadline or full rather than refusing
    them. `add_meals_to_basket` checks each one again."""
    return [
        (beneficiary_month.beneficiary["id"], entry.date)
        for beneficiary_month in months
        for service_month in beneficiary_month.services
        for entry in service_month.days
        if start <= entry.date <= end and entry.state == BOOKABLE
    ]
