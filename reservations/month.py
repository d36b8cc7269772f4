"""The month calendar of a family: for each child, each service they may book and each day,
whether it can be booked (and why not), its price and its deadlines."""

import calendar as month_days
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import rules
from .calendars import calendar_windows, tariff_configs
from .meals import basket_meal_lines
from .pricing import Prices
from .selectors import accepted_accesses, bookings_by_day, family_of

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
    price_reason: str = ""  # the explanation in a few words, beside the price
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


# What the calendar shows for each refusal of the bookability rule.
_STATE_OF_REFUSAL = {
    None: BOOKABLE,
    rules.DAY_CLOSED: CLOSED,
    rules.ALREADY_BOOKED: BOOKED,
    rules.ALREADY_IN_BASKET: IN_BASKET,
    rules.PAST_DEADLINE: LOCKED,
    rules.DAY_FULL: FULL,
}


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
    family_month = _FamilyMonth.load(account, family, beneficiary_ids, days, service_id)
    return [
        BeneficiaryMonth(
            beneficiary={"id": pk, "name": str(family[pk])},
            services=[
                family_month.service_month(family[pk], access, days, now)
                for access in family_month.accesses_of(pk)
            ],
        )
        for pk in beneficiary_ids
    ]


@dataclass
class _FamilyMonth:
    """What the month's calendar reads once: the accepted accesses, the services' windows and
    tariffs, the family's bookings and basket, the seats taken; and, as it goes, each service
    day's state and each price explanation (many children share them)."""

    family: dict
    accesses: dict
    windows: dict
    prices: Prices
    booked: dict
    taken: Counter
    in_basket: dict
    service_days: dict = field(default_factory=dict)

    @classmethod
    def load(cls, account, family, beneficiary_ids, days, service_id) -> "_FamilyMonth":
        services = None if service_id is None else [service_id]
        accesses = accepted_accesses(account, beneficiary_ids, services)
        service_ids = sorted({service for _beneficiary, service in accesses})
        if not service_ids:
            return cls(family, accesses, {}, Prices({}), {}, Counter(), {})
        windows = calendar_windows(service_ids, days[0], days[-1])
        capped = [s for s, window in windows.items() if window.daily_capacity is not None]
        booked, taken = bookings_by_day(account, service_ids, days, capped_service_ids=capped)
        in_basket = defaultdict(set)
        for line in basket_meal_lines(
            line__basket__owner=account, line__basket__status=Basket.OPEN
        ):
            if line.date is not None and line.beneficiary_id is not None:
                in_basket[line.service_id, line.date].add(line.beneficiary_id)
        prices = Prices(tariff_configs(service_ids))
        return cls(family, accesses, windows, prices, booked, taken, in_basket)

    def accesses_of(self, beneficiary_id) -> list:
        found = [a for (b, _service), a in self.accesses.items() if b == beneficiary_id]
        return sorted(found, key=lambda access: access.tariff_option.parent_id)

    def service_month(self, beneficiary, access, days, now) -> ServiceMonth:
        option = access.tariff_option
        return ServiceMonth(
            service={"id": option.parent_id, "title": option.parent.title},
            tariff_option={"id": option.pk, "title": option.title},
            days=[self.day(beneficiary, access, day, now) for day in days],
        )

    def day(self, beneficiary, access, day, now) -> CalendarDay:
        service = access.tariff_option.parent_id
        window = self.windows.get(service)
        if window is None:
            return CalendarDay(day, CLOSED, _("Ce service n'a pas encore de calendrier."))
        state, booking_deadline, cancellation_deadline = self._service_day(window, service, day)
        if state.open and window.class_closures:
            # A closure of this child's class or group (a class trip) shuts the day for them.
            state = window.day_state_for(day, beneficiary)
        if not state.open:
            return CalendarDay(day, CLOSED, state.reason)
        key = (service, day)
        in_basket = self.in_basket.get(key, set())
        refusal = rules.meal_refusal(
            rules.MealDay(
                state=state,
                booking_deadline=booking_deadline,
                capacity=window.daily_capacity,
                seats_taken=self.taken[key] + len(in_basket),
                booked=beneficiary.pk in self.booked[key],
                in_basket=beneficiary.pk in in_basket,
            ),
            now,
        )
        entry = CalendarDay(
            day,
            _STATE_OF_REFUSAL[refusal and refusal.code],
            booking_deadline=booking_deadline,
            cancellation_deadline=cancellation_deadline,
        )
        siblings = [self.family[pk] for pk in self.booked[key] | in_basket if pk in self.family]
        try:
            explanation = self.prices.explain(beneficiary, access, day, siblings)
        except rules.NoTariffError as error:
            entry.explanation = str(error)
        else:
            entry.price = explanation.unit_price
            entry.explanation = explanation.explanation_fr
            entry.price_reason = explanation.short_fr
        return entry

    def _service_day(self, window, service, day) -> tuple:
        """The day's state and deadlines, the same for every child."""
        key = (service, day)
        if key not in self.service_days:
            state = window.day_state(day)
            self.service_days[key] = (
                state,
                window.booking_deadline(day) if state.open else None,
                window.cancellation_deadline(day) if state.open else None,
            )
        return self.service_days[key]


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
