"""Who needs which reminder at `now`: pure rules, the clock and the family's data passed in.

- deadline reminder: the day before a service's booking deadline (Paris calendar day), for the
  days that deadline closes, when a child with accepted access has none of them booked;
- unbooked week: from the weekly moment (Friday 08:00), next week still has bookable days of a
  service a child may use, and that child has nothing booked there next week;
- low balance: from the weekly moment, the general pot + a service's pot is below what a usual
  week of that service costs the family (its last four weeks' pace) or below a threshold;
- weekly summary: from the weekly moment, next week's bookings and the balance.

Each reminder names its period (`period`): the task sends at most one per family, kind and
period, so running it every hour sends each reminder once."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from .rules import PARIS, paris_datetime

DEADLINE_REMINDER = "deadline_reminder"
UNBOOKED_WEEK = "unbooked_week"
LOW_BALANCE = "low_balance"
WEEKLY_SUMMARY = "weekly_summary"

# The weekly reminders go out from Friday morning: the week's end to book next week.
WEEKLY_WEEKDAY = 5
WEEKLY_AT = time(8, 0)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ServiceDays:
    """A service's open days ahead, each with its booking deadline (None: no deadline)."""

    service_id: int
    title: str
    days: Mapping[date, datetime | None]


@dataclass(frozen=True)
class Child:
    beneficiary_id: int
    name: str
    service_ids: frozenset[int]


@dataclass(frozen=True)
class Family:
    """One family's situation: its children and what they may use, its active bookings
    (beneficiary, service, date), its pots (None: the general pot) and its pace per service
    and weekday (what a usual such day costs, from the last four weeks)."""

    account_id: int
    children: tuple[Child, ...]
    booked: frozenset[tuple[int, int, date]] = frozenset()
    pots: Mapping[int | None, Decimal] = field(default_factory=dict)
    pace: Mapping[int, Mapping[int, Decimal]] = field(default_factory=dict)

    @property
    def balance(self) -> Decimal:
        return sum(self.pots.values(), ZERO)


@dataclass(frozen=True)
class Reminder:
    kind: str
    period: str
    service_id: int | None = None
    deadline: datetime | None = None
    days: tuple[date, ...] = ()
    children: tuple[str, ...] = ()
    # unbooked week: (child, service title); low balance: (service title, available, needed)
    items: tuple = ()


def local_today(now: datetime) -> date:
    return now.astimezone(PARIS).date()


def next_week(now: datetime) -> tuple[date, date]:
    """Monday and Sunday of the week after `now`'s (Paris)."""
    today = local_today(now)
    monday = today - timedelta(days=today.isoweekday() - 1) + timedelta(weeks=1)
    return monday, monday + timedelta(days=6)


def weekly_moment_reached(now: datetime) -> bool:
    """From Friday 08:00 (Paris) to Sunday's end: the weekly reminders' window."""
    today = local_today(now)
    friday = today - timedelta(days=today.isoweekday() - WEEKLY_WEEKDAY)
    return today.isoweekday() >= WEEKLY_WEEKDAY and now >= paris_datetime(friday, WEEKLY_AT)


def _children_of(family: Family, service_id: int) -> list[Child]:
    return [child for child in family.children if service_id in child.service_ids]


def deadline_reminders(family: Family, services: Mapping[int, ServiceDays], now: datetime):
    """One reminder per service and deadline falling tomorrow (Paris) and not yet passed, for
    the children with access who have none of the days it closes booked."""
    tomorrow = local_today(now) + timedelta(days=1)
    reminders = []
    for service_id in sorted({s for child in family.children for s in child.service_ids}):
        service = services.get(service_id)
        if service is None:
            continue
        closing: dict[datetime, list[date]] = {}
        for day, deadline in sorted(service.days.items()):
            if (
                deadline is not None
                and deadline > now
                and deadline.astimezone(PARIS).date() == tomorrow
            ):
                closing.setdefault(deadline, []).append(day)
        for deadline, days in sorted(closing.items()):
            unbooked = [
                child.name
                for child in _children_of(family, service_id)
                if not any((child.beneficiary_id, service_id, day) in family.booked for day in days)
            ]
            if unbooked:
                reminders.append(
                    Reminder(
                        DEADLINE_REMINDER,
                        f"service-{service_id}:{deadline.astimezone(PARIS).isoformat()}",
                        service_id=service_id,
                        deadline=deadline,
                        days=tuple(days),
                        children=tuple(unbooked),
                    )
                )
    return reminders


def _week_days(service: ServiceDays, now: datetime) -> list[date]:
    monday, sunday = next_week(now)
    return [day for day in sorted(service.days) if monday <= day <= sunday]


def unbooked_week_reminder(family: Family, services: Mapping[int, ServiceDays], now: datetime):
    """Next week's (child, service) pairs still bookable and not booked at all, or None."""
    if not weekly_moment_reached(now):
        return None
    items = []
    for child in family.children:
        for service_id in sorted(child.service_ids):
            service = services.get(service_id)
            if service is None:
                continue
            days = _week_days(service, now)
            bookable = [d for d in days if service.days[d] is None or service.days[d] > now]
            booked = any((child.beneficiary_id, service_id, d) in family.booked for d in days)
            if bookable and not booked:
                items.append((child.name, service.title))
    if not items:
        return None
    return Reminder(UNBOOKED_WEEK, next_week(now)[0].isoformat(), items=tuple(items))


def usual_week_cost(family: Family, service: ServiceDays, now: datetime) -> Decimal:
    """What next week's open days not booked yet would cost at the family's pace."""
    pace = family.pace.get(service.service_id, {})
    booked_days = {day for (_b, s, day) in family.booked if s == service.service_id}
    return sum(
        (
            pace.get(day.isoweekday(), ZERO)
            for day in _week_days(service, now)
            if day not in booked_days
        ),
        ZERO,
    )


def low_balance_reminder(
    family: Family, services: Mapping[int, ServiceDays], now: datetime, threshold: Decimal
):
    """The services the family uses (a pace) whose pots are short of a usual week, or below
    `threshold`; None when none is."""
    if not weekly_moment_reached(now):
        return None
    general = family.pots.get(None, ZERO)
    items = []
    for service_id in sorted(family.pace):
        service = services.get(service_id)
        if service is None or not any(family.pace[service_id].values()):
            continue
        available = general + family.pots.get(service_id, ZERO)
        needed = usual_week_cost(family, service, now)
        if available < needed or available < threshold:
            items.append((service.title, available, needed))
    if not items:
        return None
    return Reminder(LOW_BALANCE, next_week(now)[0].isoformat(), items=tuple(items))


def weekly_summary(family: Family, now: datetime):
    """Next week's summary for a family with a child who may book; None otherwise."""
    if not weekly_moment_reached(now) or not any(c.service_ids for c in family.children):
        return None
    monday, sunday = next_week(now)
    days = tuple(sorted({day for (_b, _s, day) in family.booked if monday <= day <= sunday}))
    return Reminder(WEEKLY_SUMMARY, monday.isoformat(), days=days)


def reminders_for(
    family: Family, services: Mapping[int, ServiceDays], now: datetime, threshold: Decimal
) -> list[Reminder]:
    """Every reminder the family is due at `now`, before the sent ones are filtered out."""
    found = deadline_reminders(family, services, now)
    for reminder in (
        unbooked_week_reminder(family, services, now),
        low_balance_reminder(family, services, now, threshold),
        weekly_summary(family, now),
    ):
        if reminder is not None:
            found.append(reminder)
    return found
