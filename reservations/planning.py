"""Meals in Oscar's basket and the month calendar of a family.

A meal is one basket line of a tariff option (child product) carrying three product options:
the beneficiary, the date (ISO text) and the price frozen with its explanation. Lines are built
in bulk, and every read is a fixed number of queries whatever the number of meals: the stock
path (one add-product per meal) re-prices the whole basket on each add."""

import calendar as month_days
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter

from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import rules
from .calendars import (
    CalendarWindow,
    calendar_config_for,
    calendar_window,
    public_holidays_around,
    tariff_config_for,
)
from .models import (
    ACTIVE_BOOKING_STATUSES,
    AccessStatus,
    Beneficiary,
    Booking,
    Closure,
    OpeningPeriod,
    SchoolHoliday,
    ServiceAccess,
    ServiceCalendar,
    TariffGrid,
)
from .pricing import (
    BENEFICIARY_OPTION,
    DATE_OPTION,
    MEAL_OPTIONS,
    PRICE_EXPLANATION_OPTION,
    explanation_from_json,
    explanation_to_json,
    frozen_unit_price,
    price_meal,
)

Basket = get_model("basket", "Basket")
Line = get_model("basket", "Line")
LineAttribute = get_model("basket", "LineAttribute")
Option = get_model("catalogue", "Option")
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

# One request books at most a school year for a family: beyond, it is a mistake or an abuse.
MAX_MEALS = 1000
# Far wider than any calendar a commune opens, and clear of date.min and date.max: the deadline
# of a meal is counted back from its date, which must not overflow.
FIRST_MEAL_DATE = date(2000, 1, 1)
LAST_MEAL_DATE = date(2099, 12, 31)


def meal_dates_message() -> str:
    """What to say of a meal date outside FIRST_MEAL_DATE..LAST_MEAL_DATE."""
    return _("Choisissez une date entre le %(first)s et le %(last)s.") % {
        "first": FIRST_MEAL_DATE.strftime("%d/%m/%Y"),
        "last": LAST_MEAL_DATE.strftime("%d/%m/%Y"),
    }


# Day states of the calendar.
CLOSED = "closed"
BOOKABLE = "bookable"
IN_BASKET = "in_basket"
BOOKED = "booked"
LOCKED = "locked"
FULL = "full"
DAY_STATES = (CLOSED, BOOKABLE, IN_BASKET, BOOKED, LOCKED, FULL)


class PlanningError(Exception):
    pass


class UnknownBeneficiary(PlanningError):
    """A beneficiary that is not the account's: the API answers 404."""


class UnknownService(PlanningError):
    pass


class BasketNotEditable(PlanningError):
    pass


class MealsRefused(PlanningError):
    """All-or-nothing: nothing was added; `errors` lists each refused meal and why."""

    def __init__(self, errors: list[dict]):
        super().__init__(errors)
        self.errors = errors


def _error(beneficiary_id, day, message) -> dict:
    return {"beneficiary": beneficiary_id, "date": day, "error": str(message)}


# --- Reading the family and the basket -------------------------------------------------------


def _family(account, beneficiary_ids) -> dict[int, Beneficiary]:
    """All the account's beneficiaries by id (siblings count for the rank); raises
    UnknownBeneficiary when one of `beneficiary_ids` is not an active one of theirs."""
    family = {b.pk: b for b in Beneficiary.objects.filter(account=account)}
    for pk in beneficiary_ids:
        beneficiary = family.get(pk)
        if beneficiary is None or beneficiary.is_archived:
            raise UnknownBeneficiary(pk)
    return family


def _accepted_accesses(account, beneficiary_ids, service_ids=None) -> dict:
    """(beneficiary id, service id) → accepted ServiceAccess, its tariff option loaded and the
    option's price at its commune annotated (`option_price`, `option_stockrecord_id`)."""
    Link = ServiceAccess.beneficiaries.through
    stockrecords = StockRecord.objects.filter(
        product_id=OuterRef("serviceaccess__tariff_option_id"),
        partner_id=OuterRef("serviceaccess__commune_id"),
    ).order_by("pk")
    links = (
        Link.objects.filter(
            beneficiary_id__in=beneficiary_ids,
            serviceaccess__account=account,
            serviceaccess__status=AccessStatus.ACCEPTED,
        )
        .select_related("serviceaccess__tariff_option__parent")
        .annotate(
            option_price=Subquery(stockrecords.values("price")[:1]),
            option_stockrecord_id=Subquery(stockrecords.values("pk")[:1]),
        )
        .order_by("serviceaccess__decided_at", "serviceaccess_id")
    )
    if service_ids is not None:
        links = links.filter(serviceaccess__tariff_option__parent_id__in=service_ids)
    accesses = {}
    for link in links:
        access = link.serviceaccess
        access.option_price = link.option_price
        access.option_stockrecord_id = link.option_stockrecord_id
        # The latest decision wins when a family holds two options of one service.
        accesses[(link.beneficiary_id, access.tariff_option.parent_id)] = access
    return accesses


@dataclass
class MealLine:
    line_id: int
    service_id: int
    beneficiary_id: int | None
    date: date | None
    reference: str


def _meal_lines(basket_filter: dict, options: dict) -> list[MealLine]:
    """The meal lines of a basket (or of the account's open baskets), from their options, in
    one query."""
    wanted = {options[BENEFICIARY_OPTION].pk: "beneficiary", options[DATE_OPTION].pk: "date"}
    rows = LineAttribute.objects.filter(option_id__in=wanted, **basket_filter).values_list(
        "line_id", "line__product__parent_id", "line__line_reference", "option_id", "value"
    )
    lines: dict[int, MealLine] = {}
    for line_id, service_id, reference, option_id, value in rows:
        line = lines.setdefault(line_id, MealLine(line_id, service_id, None, None, reference))
        try:
            if wanted[option_id] == "beneficiary":
                line.beneficiary_id = int(value)
            else:
                line.date = date.fromisoformat(value)
        except (TypeError, ValueError):
            continue  # not one of ours: ignored by the booking screens
    return list(lines.values())


def meal_options() -> dict:
    options = {option.code: option for option in Option.objects.filter(code__in=MEAL_OPTIONS)}
    missing = set(MEAL_OPTIONS) - set(options)
    if missing:  # pragma: no cover - created by migration 0007_meal_options
        raise RuntimeError(f"Missing Oscar options: {sorted(missing)}")
    return options


def line_reference(product, stockrecord_id, options) -> str:
    """Basket._create_line_reference of Oscar, for the same product, stock record and options
    (dicts of an Option and its value): the same value types give the same reference, so that
    Oscar merges a meal added by another path into the same line."""
    base = f"{product.id}_{stockrecord_id}"
    if not options:
        return base
    repr_options = [
        {"option": repr(option["option"]), "value": repr(option["value"])} for option in options
    ]
    repr_options.sort(key=itemgetter("option"))
    return f"{base}_{zlib.crc32(repr(repr_options).encode('utf8'))}"


def _identity_options(options, beneficiary_id, day) -> list[dict]:
    # Both values are strings on every path (oscar-api's add-product receives them as text).
    return [
        {"option": options[BENEFICIARY_OPTION], "value": str(beneficiary_id)},
        {"option": options[DATE_OPTION], "value": day.isoformat()},
    ]


def _lock_basket(account, basket=None):
    """The account's open basket (or the given basket of the account), its row locked until the
    end of the transaction (created if need be): two requests of one family cannot both pass the
    checks and add the same meal."""
    if basket is not None:
        basket = Basket.objects.select_for_update().get(pk=basket.pk, owner=account)
        if not basket.can_be_edited:
            raise BasketNotEditable
        return basket
    basket = Basket.open.select_for_update().filter(owner=account).order_by("pk").first()
    if basket is None:
        basket = Basket.objects.create(owner=account)
    if not basket.can_be_edited:  # pragma: no cover - Basket.open only holds open baskets
        raise BasketNotEditable
    return basket


# --- Adding meals ----------------------------------------------------------------------------


def dates_between(start: date, end: date, weekdays) -> list[date]:
    """The dates from `start` to `end` (both included) on these ISO weekdays (1 = Monday)."""
    weekdays = set(weekdays)
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [day for day in days if day.isoweekday() in weekdays]


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


def _wanted_meals(beneficiary_ids, dates, meals) -> tuple[list[int], list[tuple[int, date]]]:
    """The beneficiaries named and the meals asked for as (beneficiary id, date) pairs, without
    duplicates, by date, then in the order the beneficiaries were first given."""
    if meals is None:
        beneficiary_ids = list(dict.fromkeys(beneficiary_ids or ()))
        days = sorted(set(dates or ()))
        return beneficiary_ids, [(pk, day) for day in days for pk in beneficiary_ids]
    if beneficiary_ids is not None or dates is not None:
        raise TypeError("Pass either meals or beneficiary_ids and dates, not both.")
    meals = list(dict.fromkeys(meals))
    beneficiary_ids = list(dict.fromkeys(pk for pk, _day in meals))
    rank = {pk: n for n, pk in enumerate(beneficiary_ids)}
    return beneficiary_ids, sorted(meals, key=lambda meal: (meal[1], rank[meal[0]]))


@transaction.atomic
def add_meals_to_basket(
    *,
    account,
    service_id: int,
    beneficiary_ids=None,
    dates=None,
    meals=None,
    now: datetime,
    skip_closed=False,
    basket=None,
):
    """Add one line per beneficiary × date (or per (beneficiary id, date) pair of `meals`, when
    siblings are not booked on the same days) to `account`'s basket, each priced and frozen, or
    nothing at all: raises MealsRefused listing every refused meal with its reason in French.

    One pass prices every meal with all the siblings of its day, whatever order they come in.
    `now` is the request's clock. With `skip_closed` (a weekday pattern), closed days are left
    out rather than refused. `basket`: another editable basket of the account than its open one
    (an agent booking on the family's behalf). Returns the basket."""
    beneficiary_ids, wanted = _wanted_meals(beneficiary_ids, dates, meals)
    family = _family(account, beneficiary_ids)
    service = Product.objects.filter(pk=service_id, structure=Product.PARENT).first()
    if service is None:
        raise UnknownService(service_id)
    accesses = _accepted_accesses(account, beneficiary_ids, [service.pk])
    if not wanted:
        return _lock_basket(account, basket)
    try:
        window = calendar_window(service, wanted[0][1], wanted[-1][1])
    except ServiceCalendar.DoesNotExist:
        message = _("Ce service n'a pas encore de calendrier : il ne peut pas être réservé.")
        raise MealsRefused([_error(b, d.isoformat(), message) for b, d in wanted]) from None
    if skip_closed:
        wanted = [(pk, day) for pk, day in wanted if window.day_state(day).open]
    beneficiaries_of_day: dict[date, list[int]] = defaultdict(list)
    for beneficiary_id, day in wanted:
        beneficiaries_of_day[day].append(beneficiary_id)
    dates = list(beneficiaries_of_day)
    tariff = tariff_config_for(service)

    capacity = window.daily_capacity
    bookings = Booking.objects.filter(
        service=service, date__in=dates, status__in=ACTIVE_BOOKING_STATUSES
    )
    if capacity is None:
        bookings = bookings.filter(account=account)
    booked_count: dict[date, int] = defaultdict(int)
    family_booked: dict[date, set[int]] = defaultdict(set)
    for beneficiary_id, day in bookings.values_list("beneficiary_id", "date"):
        booked_count[day] += 1
        if beneficiary_id in family:
            family_booked[day].add(beneficiary_id)

    basket = _lock_basket(account, basket)
    options = meal_options()
    in_basket: dict[date, set[int]] = defaultdict(set)
    references = set()
    for line in _meal_lines({"line__basket": basket}, options):
        references.add(line.reference)
        if line.service_id == service.pk and line.date is not None:
            in_basket[line.date].add(line.beneficiary_id)

    errors, meals = [], []
    deadline_message = _("La date limite de réservation était %(deadline)s.")
    for day in dates:
        state = window.day_state(day)
        deadline = window.booking_deadline(day)
        is_late = now.astimezone(UTC) >= deadline.astimezone(UTC)
        for beneficiary_id in beneficiaries_of_day[day]:
            access = accesses.get((beneficiary_id, service.pk))
            item = (beneficiary_id, day.isoformat())
            if access is None:
                errors.append(
                    _error(*item, _("Pas d'accès accepté à ce service pour ce bénéficiaire."))
                )
            elif not state.open:
                errors.append(
                    _error(*item, _("Jour fermé : %(reason)s.") % {"reason": state.reason})
                )
            elif is_late:
                errors.append(
                    _error(*item, deadline_message % {"deadline": rules.format_deadline(deadline)})
                )
            elif beneficiary_id in family_booked[day]:
                errors.append(_error(*item, _("Ce repas est déjà réservé.")))
            elif beneficiary_id in in_basket[day]:
                errors.append(_error(*item, _("Ce repas est déjà dans votre panier.")))
            else:
                meals.append((day, beneficiary_id, access))

    if capacity is not None:
        wanted = defaultdict(int)
        for day, _beneficiary, _access in meals:
            wanted[day] += 1
        taken = {day: booked_count[day] + len(in_basket[day]) for day in wanted}
        full_days = {day for day, count in wanted.items() if taken[day] + count > capacity}
        for day, beneficiary_id, _access in meals:
            if day in full_days:
                left = max(capacity - taken[day], 0)
                errors.append(
                    _error(
                        beneficiary_id,
                        day.isoformat(),
                        _("Plus assez de places ce jour-là (places restantes : %(left)s).")
                        % {"left": left},
                    )
                )

    lines, attributes = [], []
    if not errors:
        new_by_day = defaultdict(set)
        for day, beneficiary_id, _access in meals:
            new_by_day[day].add(beneficiary_id)
        for day, beneficiary_id, access in meals:
            siblings = [
                family[pk]
                for pk in family_booked[day] | in_basket[day] | new_by_day[day]
                if pk in family
            ]
            option = access.tariff_option
            try:
                explanation = price_meal(
                    family[beneficiary_id],
                    option,
                    day,
                    siblings,
                    access,
                    tariff=tariff,
                    fallback_price=access.option_price,
                )
            except rules.NoTariffError as error:
                errors.append(_error(beneficiary_id, day.isoformat(), error))
                continue
            if access.option_stockrecord_id is None:
                errors.append(
                    _error(
                        beneficiary_id,
                        day.isoformat(),
                        _("Cette option tarifaire n'est plus proposée par la commune."),
                    )
                )
                continue
            identity = _identity_options(options, beneficiary_id, day)
            reference = line_reference(option, access.option_stockrecord_id, identity)
            if reference in references:  # merged by Oscar on any other path
                errors.append(
                    _error(
                        beneficiary_id, day.isoformat(), _("Ce repas est déjà dans votre panier.")
                    )
                )
                continue
            references.add(reference)
            lines.append(
                Line(
                    basket=basket,
                    line_reference=reference,
                    product=option,
                    stockrecord_id=access.option_stockrecord_id,
                    quantity=1,
                    price_currency="EUR",
                    price_excl_tax=explanation.unit_price,
                    price_incl_tax=explanation.unit_price,
                )
            )
            attributes.append(
                identity
                + [
                    {
                        "option": options[PRICE_EXPLANATION_OPTION],
                        "value": explanation_to_json(explanation),
                    }
                ]
            )
    if errors:
        raise MealsRefused(errors)

    Line.objects.bulk_create(lines)
    LineAttribute.objects.bulk_create(
        LineAttribute(line=line, option=entry["option"], value=entry["value"])
        for line, entries in zip(lines, attributes, strict=True)
        for entry in entries
    )
    basket.reset_offer_applications()
    basket._lines = None
    return basket


# --- Removing meals --------------------------------------------------------------------------


@transaction.atomic
def remove_meals_from_basket(
    *, account, line_ids=None, beneficiary_ids=None, dates=None, service_id=None
) -> int:
    """Remove meal lines from the account's basket: by line id, or every line of these
    beneficiaries on these dates (of one service, if given). Returns how many were removed."""
    if beneficiary_ids is not None:
        _family(account, beneficiary_ids)
    basket = _lock_basket(account)
    lines = _meal_lines({"line__basket": basket}, meal_options())
    if line_ids is not None:
        wanted = set(line_ids)
        chosen = [line.line_id for line in lines if line.line_id in wanted]
    else:
        people, days = set(beneficiary_ids or ()), set(dates or ())
        chosen = [
            line.line_id
            for line in lines
            if line.beneficiary_id in people
            and line.date in days
            and (service_id is None or line.service_id == service_id)
        ]
    if chosen:
        LineAttribute.objects.filter(line_id__in=chosen).delete()
        Line.objects.filter(basket=basket, pk__in=chosen).delete()
    return len(chosen)


# --- Basket summary --------------------------------------------------------------------------


@dataclass
class SummaryLine:
    id: int
    beneficiary: dict | None
    service: dict
    tariff_option: dict
    commune: dict | None
    price: Decimal
    explanation: str


@dataclass
class SummaryDay:
    date: date | None
    lines: list[SummaryLine] = field(default_factory=list)


@dataclass
class BasketSummary:
    basket_id: int | None
    total: Decimal
    currency: str
    lines_count: int
    days: list[SummaryDay]


def basket_summary(account, basket=None) -> BasketSummary:
    """The account's open basket (or `basket`, the one add_meals_to_basket just returned), its
    meals grouped by date, with the frozen prices."""
    if basket is None:
        basket = Basket.open.filter(owner=account).order_by("pk").first()
    if basket is None:
        return BasketSummary(None, Decimal("0.00"), "EUR", 0, [])
    lines = (
        Line.objects.filter(basket=basket)
        .select_related("product__parent", "stockrecord__partner")
        .prefetch_related(
            Prefetch("attributes", queryset=LineAttribute.objects.select_related("option"))
        )
        .order_by("pk")
    )
    family = {b.pk: b for b in Beneficiary.objects.filter(account=account)}
    days: dict[date | None, SummaryDay] = {}
    total = Decimal("0.00")
    for line in lines:
        values = {
            a.option.code: a.value for a in line.attributes.all() if a.option.code in MEAL_OPTIONS
        }
        explanation = explanation_from_json(values.get(PRICE_EXPLANATION_OPTION)) or {}
        # The strategy's price (shop/partner/strategy.py): a value that is no price is not read.
        price = frozen_unit_price(explanation)
        if price is None:
            price = line.price_incl_tax or Decimal("0.00")
        total += price * line.quantity
        try:
            day = date.fromisoformat(values.get(DATE_OPTION) or "")
        except ValueError:
            day = None
        try:
            beneficiary = family.get(int(values.get(BENEFICIARY_OPTION)))
        except (TypeError, ValueError):
            beneficiary = None
        product = line.product
        service = product.parent or product
        partner = line.stockrecord.partner if line.stockrecord else None
        days.setdefault(day, SummaryDay(day)).lines.append(
            SummaryLine(
                id=line.pk,
                beneficiary=beneficiary and {"id": beneficiary.pk, "name": str(beneficiary)},
                service={"id": service.pk, "title": service.title},
                tariff_option={"id": product.pk, "title": product.title},
                commune=partner and {"id": partner.pk, "name": partner.name},
                price=price,
                explanation=explanation.get("explanation_fr", ""),
            )
        )
    ordered = sorted(days.values(), key=lambda d: (d.date is None, d.date or date.min))
    count = sum(len(d.lines) for d in ordered)
    return BasketSummary(basket.pk, total.quantize(rules.CENT), "EUR", count, ordered)


# --- Month calendar --------------------------------------------------------------------------


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


def _windows(service_ids, start: date, end: date) -> dict[int, CalendarWindow]:
    """The calendar windows of several services in three queries (periods with their calendar,
    closures, school holidays); a service without opening periods is never open."""
    periods = OpeningPeriod.objects.filter(calendar__service_id__in=service_ids).select_related(
        "calendar"
    )
    calendars: dict[int, ServiceCalendar] = {}
    grouped = defaultdict(list)
    for period in periods:
        calendars[period.calendar.service_id] = period.calendar
        grouped[period.calendar_id].append(period)
    if not calendars:
        return {}
    closures = defaultdict(dict)
    for calendar_id, day, reason in Closure.objects.filter(
        calendar_id__in=[c.pk for c in calendars.values()], date__range=(start, end)
    ).values_list("calendar_id", "date", "reason"):
        closures[calendar_id][day] = reason
    holidays_by_zone = defaultdict(list)
    for row in SchoolHoliday.objects.filter(
        zone__in={c.school_zone for c in calendars.values()}, start__lte=end, end__gte=start
    ):
        holidays_by_zone[row.zone].append(rules.Period(row.start, row.end, row.name))
    public = public_holidays_around(start, end)
    windows = {}
    for service_id, calendar in calendars.items():
        calendar._prefetched_objects_cache = {"opening_periods": grouped[calendar.pk]}
        windows[service_id] = CalendarWindow(
            calendar=calendar,
            config=calendar_config_for(calendar),
            start=start,
            end=end,
            public_holidays=public,
            school_holidays=tuple(holidays_by_zone[calendar.school_zone]),
            closures=closures[calendar.pk],
        )
    return windows


def _tariffs(service_ids) -> dict[int, rules.TariffConfig]:
    """The tariff grids of several services, rows included, in one query."""
    rows = TariffGrid.objects.filter(service_id__in=service_ids).values(
        "service_id",
        "mode",
        "effort_rate",
        "floor",
        "ceiling",
        "rows__category",
        "rows__residence",
        "rows__family_quotient_min",
        "rows__family_quotient_max",
        "rows__sibling_rank",
        "rows__unit_price",
    )
    grids, lines = {}, defaultdict(list)
    for row in rows:
        grids[row["service_id"]] = row
        if row["rows__category"] is not None:
            lines[row["service_id"]].append(
                rules.TariffLine(
                    category=row["rows__category"],
                    residence=row["rows__residence"],
                    family_quotient_min=row["rows__family_quotient_min"],
                    family_quotient_max=row["rows__family_quotient_max"],
                    sibling_rank=row["rows__sibling_rank"],
                    unit_price=row["rows__unit_price"],
                )
            )
    return {
        service_id: rules.TariffConfig(
            mode=row["mode"],
            lines=tuple(
                sorted(
                    lines[service_id],
                    key=lambda x: (x.category, x.residence, x.sibling_rank),
                )
            ),
            effort_rate=row["effort_rate"],
            floor=row["floor"],
            ceiling=row["ceiling"],
        )
        for service_id, row in grids.items()
    }


def month_calendar(
    *, account, beneficiary_ids, month: date, now: datetime, service_id=None
) -> list[BeneficiaryMonth]:
    """For each beneficiary, each service they have accepted access to (or only `service_id`),
    and each day of `month`: its state, price and deadlines. A fixed number of queries."""
    beneficiary_ids = list(dict.fromkeys(beneficiary_ids))
    family = _family(account, beneficiary_ids)
    start = month.replace(day=1)
    end = month.replace(day=month_days.monthrange(month.year, month.month)[1])
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    accesses = _accepted_accesses(
        account, beneficiary_ids, None if service_id is None else [service_id]
    )
    service_ids = sorted({service for _b, service in accesses})
    windows = _windows(service_ids, start, end) if service_ids else {}
    tariffs = _tariffs(service_ids) if service_ids else {}

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
        options = {o.pk: o.code for o in Option.objects.filter(code__in=MEAL_OPTIONS[:2])}
        rows = LineAttribute.objects.filter(
            line__basket__owner=account,
            line__basket__status=Basket.OPEN,
            option_id__in=options,
        ).values_list("line_id", "line__product__parent_id", "option_id", "value")
        found = defaultdict(dict)
        for line_id, service, option_id, value in rows:
            found[line_id][options[option_id]] = value
            found[line_id]["service"] = service
        for values in found.values():
            try:
                key = (values["service"], date.fromisoformat(values[DATE_OPTION]))
                in_basket[key].add(int(values[BENEFICIARY_OPTION]))
            except (KeyError, TypeError, ValueError):
                continue

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
