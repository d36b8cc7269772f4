"""Recurring bookings: a weekly pattern (reservations/recurrence.py) for some of the family's
children, expanded into single meals of one service and put in the basket through the basket's
own add (reservations/basket.py): the same all-or-nothing write, the one bookability rule.

A preview comes first. It runs that very add in a savepoint rolled back, so each refused meal
carries the rule's own reason and each bookable one the price the basket would freeze (siblings
included); the parent then accepts the bookable rest, added all or nothing. Days the service is
closed are not offered: they are listed apart, never as refusals.

"Repeat last week / last month" reads the family's bookings of that period as one pattern per
child and expands it over the coming week or month the same way."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import recurrence
from .basket import add_meals_to_basket, basket_summary
from .calendars import CalendarWindow, calendar_window, school_holidays_of_zone
from .exceptions import MealsRefused, UnknownService
from .meals import MAX_MEALS
from .models import ACTIVE_BOOKING_STATUSES, Booking, ServiceCalendar
from .recurrence import PatternError, WeeklyPattern
from .rules import PARIS
from .selectors import family_of

Product = get_model("catalogue", "Product")

# The dry run is run again without the meals it refused, until it refuses none: the rule's
# refusals come first, then those of pricing (a line cannot be priced), which the add only
# looks for once the rule accepts every meal. Two passes in practice; the bound is a guard.
MAX_DRY_RUNS = 4


@dataclass(frozen=True)
class PreviewMeal:
    beneficiary_id: int
    beneficiary: str
    date: date
    price: Decimal
    explanation: str


@dataclass(frozen=True)
class RefusedMeal:
    beneficiary_id: int
    beneficiary: str
    date: date
    reason: str


@dataclass(frozen=True)
class ClosedDay:
    date: date
    reason: str


@dataclass
class Preview:
    """What adding a pattern would do: the meals it would add with their prices, those refused
    and why, the days not offered (closed), and the basket's total once the meals are in."""

    service_id: int
    service_title: str
    start: date
    end: date
    patterns: dict[int, WeeklyPattern]
    bookable: list[PreviewMeal] = field(default_factory=list)
    refused: list[RefusedMeal] = field(default_factory=list)
    closed: list[ClosedDay] = field(default_factory=list)
    total: Decimal = Decimal("0.00")
    basket_total: Decimal = Decimal("0.00")

    @property
    def meals(self) -> list[tuple[int, date]]:
        """The bookable meals as (beneficiary id, date): what "add the bookable days" adds."""
        return [(meal.beneficiary_id, meal.date) for meal in self.bookable]


def _service(service_id: int):
    service = Product.objects.filter(pk=service_id, structure=Product.PARENT).first()
    if service is None:
        raise UnknownService(service_id)
    return service


def _no_calendar() -> PatternError:
    return PatternError(
        _("Ce service n'a pas encore de calendrier : il ne peut pas être réservé."), "service"
    )


def _calendar_window(service, start: date, end: date) -> CalendarWindow:
    try:
        return calendar_window(service, start, end)
    except ServiceCalendar.DoesNotExist:
        raise _no_calendar() from None


def school_dates(service_id: int, day: date) -> tuple[date | None, date | None]:
    """The end of the term and of the school year of `day` for the service's school zone:
    the default and the latest end of a pattern. (None, None) without a calendar."""
    calendar = ServiceCalendar.objects.filter(service_id=service_id).only("school_zone").first()
    if calendar is None:
        return None, None
    holidays = school_holidays_of_zone(calendar.school_zone)
    return recurrence.term_end(day, holidays), recurrence.school_year_end(day, holidays)


def default_end(service_id: int, start: date) -> date:
    """The end of the term `start` is in, for the service's zone: where a pattern stops when
    the parent does not say. Raises UnknownService, or PatternError without a calendar or
    without school holidays known that far."""
    service = _service(service_id)
    term_end, _year_end = school_dates(service.pk, start)
    if term_end is None:
        if not ServiceCalendar.objects.filter(service_id=service.pk).exists():
            raise _no_calendar()
        raise PatternError(_("Indiquez la date de fin."), "end")
    return term_end


def preview_recurring_meals(
    *,
    account,
    service_id: int,
    beneficiary_ids: Iterable[int],
    pattern: WeeklyPattern,
    start: date,
    end: date,
    now: datetime,
) -> Preview:
    """What `pattern` from `start` to `end` for these children would add to the basket. Days
    before today are left out (the every-other-week count still starts on `start`). Raises
    UnknownBeneficiary (another family's child), UnknownService, PatternError (a period past
    the end of the school year, a service without a calendar, too many meals)."""
    beneficiary_ids = list(dict.fromkeys(beneficiary_ids))
    family = family_of(account, beneficiary_ids)
    service = _service(service_id)
    today = now.astimezone(PARIS).date()
    calendar = ServiceCalendar.objects.filter(service_id=service.pk).only("school_zone").first()
    if calendar is None:
        raise _no_calendar()
    # Checked before the calendar is read: a period of decades would read decades of holidays.
    recurrence.check_period(start, end, school_holidays_of_zone(calendar.school_zone))
    first = max(start, today)
    window = _calendar_window(service, min(first, end), end)
    patterns = {pk: pattern for pk in beneficiary_ids}
    meals = recurrence.expand(patterns, first, end, anchor=start) if first <= end else []
    return _preview(account, family, service, window, patterns, first, end, meals, now)


def preview_repeat(
    *, account, service_id: int, beneficiary_ids: Iterable[int], what: str, now: datetime
) -> Preview:
    """Repeat last week (`what` "week") or last month ("month"): each child's booked weekdays
    of that period for the service, over the coming week or month. Raises as
    preview_recurring_meals, and PatternError when nothing was booked then."""
    beneficiary_ids = list(dict.fromkeys(beneficiary_ids))
    family = family_of(account, beneficiary_ids)
    service = _service(service_id)
    today = now.astimezone(PARIS).date()
    (source_start, source_end), (start, end) = recurrence.repeat_periods(what, today)
    booked = (
        Booking.objects.filter(
            account=account,
            service_id=service.pk,
            beneficiary_id__in=beneficiary_ids,
            date__range=(source_start, source_end),
            status__in=ACTIVE_BOOKING_STATUSES,
        )
        .values_list("beneficiary_id", "date")
        .order_by("date")
    )
    found = recurrence.patterns_of(booked)
    if not found:
        message = (
            _("Aucune réservation la semaine dernière pour ce service : il n'y a rien à répéter.")
            if what == recurrence.WEEK
            else _("Aucune réservation le mois dernier pour ce service : il n'y a rien à répéter.")
        )
        raise PatternError(message, "what")
    patterns = {pk: found[pk] for pk in beneficiary_ids if pk in found}
    first = max(start, today)
    window = _calendar_window(service, min(first, end), end)
    meals = recurrence.expand(patterns, first, end) if first <= end else []
    return _preview(account, family, service, window, patterns, first, end, meals, now)


def _preview(account, family, service, window, patterns, start, end, meals, now) -> Preview:
    if len(meals) > MAX_MEALS:
        raise PatternError(
            _("Pas plus de %(max)s repas à la fois : choisissez une période plus courte.")
            % {"max": MAX_MEALS},
            "end",
        )
    preview = Preview(service.pk, service.title, start, end, patterns)
    closed = {}
    for day in sorted({day for _pk, day in meals}):
        state = window.day_state(day)
        if not state.open:
            closed[day] = state.reason
    preview.closed = [ClosedDay(day, reason) for day, reason in closed.items()]
    candidates = [meal for meal in meals if meal[1] not in closed]
    refused: dict[tuple[int, date], str] = {}
    summary = None
    for _attempt in range(MAX_DRY_RUNS):
        if not candidates:
            break
        summary, errors = _dry_run(account, service.pk, candidates, now)
        if not errors:
            break
        for error in errors:
            refused[int(error["beneficiary"]), date.fromisoformat(str(error["date"]))] = error[
                "error"
            ]
        candidates = [meal for meal in candidates if meal not in refused]
        summary = None
    else:  # pragma: no cover - every pass refuses at least one meal less than the one before
        candidates, summary = [], None
    name = {pk: str(beneficiary) for pk, beneficiary in family.items()}
    rank = {pk: n for n, pk in enumerate(patterns)}

    def order(meal):  # by date, then children in the order given
        return (meal[1], rank.get(meal[0], len(rank)))

    preview.refused = [
        RefusedMeal(pk, name.get(pk, ""), day, reason)
        for (pk, day), reason in sorted(refused.items(), key=lambda item: order(item[0]))
    ]
    if summary is not None:
        wanted = set(candidates)
        for day in summary.days:
            for line in day.lines:
                key = (line.beneficiary and line.beneficiary["id"], day.date)
                if line.service["id"] == service.pk and key in wanted:
                    preview.bookable.append(
                        PreviewMeal(
                            key[0], name.get(key[0], ""), day.date, line.price, line.explanation
                        )
                    )
        preview.bookable.sort(key=lambda meal: order((meal.beneficiary_id, meal.date)))
        preview.total = sum((meal.price for meal in preview.bookable), Decimal("0.00"))
        preview.basket_total = summary.total
    else:
        preview.basket_total = basket_summary(account).total
    return preview


class _RolledBack(Exception):
    def __init__(self, summary):
        super().__init__()
        self.summary = summary


def _dry_run(account, service_id, meals, now):
    """The basket's add of these meals, rolled back: (the basket's summary with them, no
    error) or (None, every refused meal with its reason)."""
    try:
        with transaction.atomic():
            basket = add_meals_to_basket(
                account=account, service_id=service_id, meals=meals, now=now
            )
            raise _RolledBack(basket_summary(account, basket))
    except _RolledBack as done:
        return done.summary, []
    except MealsRefused as refused:
        return None, refused.errors


def add_meals(*, account, service_id: int, meals: Iterable[tuple[int, date]], now: datetime):
    """Add the meals a preview found bookable, all or nothing (MealsRefused when one of them no
    longer is: then nothing is added). Returns the basket."""
    return add_meals_to_basket(account=account, service_id=service_id, meals=list(meals), now=now)


def add_preview(preview: Preview, *, account, now: datetime, skip_refused: bool):
    """Add a preview's bookable meals. Unless `skip_refused`, a preview with refused meals adds
    nothing (MealsRefused listing them): the whole pattern, all or nothing. Raises PatternError
    when no meal is left to add."""
    if preview.refused and not skip_refused:
        raise MealsRefused(
            [
                {"beneficiary": meal.beneficiary_id, "date": meal.date, "error": meal.reason}
                for meal in preview.refused
            ]
        )
    if not preview.bookable:
        raise PatternError(_("Aucun jour de cette période n'est réservable."))
    return add_meals(account=account, service_id=preview.service_id, meals=preview.meals, now=now)
