"""Meals in Oscar's basket: adding them (each priced and frozen), removing them, and the
basket's summary by day.

Lines are built in bulk, and every read is a fixed number of queries whatever the number of
meals: the stock path (one add-product per meal) re-prices the whole basket on each add."""

import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import itemgetter

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import rules
from .calendars import calendar_window, tariff_config_for
from .exceptions import BasketNotEditable, MealsRefused, UnknownService
from .meals import (
    BENEFICIARY_OPTION,
    DATE_OPTION,
    MEAL_OPTIONS,
    PRICE_EXPLANATION_OPTION,
    MealLine,
    explanation_to_json,
    meal_options,
    read_meal_line,
)
from .models import ACTIVE_BOOKING_STATUSES, Beneficiary, Booking, ServiceCalendar
from .pricing import price_meal
from .selectors import accepted_accesses, family_of

Basket = get_model("basket", "Basket")
Line = get_model("basket", "Line")
LineAttribute = get_model("basket", "LineAttribute")
Product = get_model("catalogue", "Product")


def _error(beneficiary_id, day, message) -> dict:
    return {"beneficiary": beneficiary_id, "date": day, "error": str(message)}


def basket_meal_lines(**basket_filter) -> list[MealLine]:
    """The meal lines of a basket (`line__basket=…`, or the account's open baskets), read from
    their beneficiary and date options in one query."""
    rows = LineAttribute.objects.filter(
        option__code__in=(BENEFICIARY_OPTION, DATE_OPTION), **basket_filter
    ).values_list(
        "line_id", "line__product__parent_id", "line__line_reference", "option__code", "value"
    )
    found: dict[int, tuple] = {}
    for line_id, service_id, reference, code, value in rows:
        found.setdefault(line_id, (service_id, reference, {}))[2][code] = value
    return [
        read_meal_line(line_id, service_id, values, reference=reference)
        for line_id, (service_id, reference, values) in found.items()
    ]


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
    family = family_of(account, beneficiary_ids)
    service = Product.objects.filter(pk=service_id, structure=Product.PARENT).first()
    if service is None:
        raise UnknownService(service_id)
    accesses = accepted_accesses(account, beneficiary_ids, [service.pk])
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
    for line in basket_meal_lines(line__basket=basket):
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


@transaction.atomic
def remove_meals_from_basket(
    *, account, line_ids=None, beneficiary_ids=None, dates=None, service_id=None
) -> int:
    """Remove meal lines from the account's basket: by line id, or every line of these
    beneficiaries on these dates (of one service, if given). Returns how many were removed."""
    if beneficiary_ids is not None:
        family_of(account, beneficiary_ids)
    basket = _lock_basket(account)
    lines = basket_meal_lines(line__basket=basket)
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
        meal = read_meal_line(line.pk, None, values)
        # The strategy's price (shop/partner/strategy.py): a value that is no price is not read.
        price = meal.unit_price
        if price is None:
            price = line.price_incl_tax or Decimal("0.00")
        total += price * line.quantity
        day = meal.date
        beneficiary = family.get(meal.beneficiary_id)
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
                explanation=meal.price_explanation.get("explanation_fr", ""),
            )
        )
    ordered = sorted(days.values(), key=lambda d: (d.date is None, d.date or date.min))
    count = sum(len(d.lines) for d in ordered)
    return BasketSummary(basket.pk, total.quantize(rules.CENT), "EUR", count, ordered)
