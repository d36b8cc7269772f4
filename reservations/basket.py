"""Meals in Oscar's basket: adding them (each priced and frozen), removing them, and the
basket's summary by day.

Lines are built in bulk, and every read is a fixed number of queries whatever the number of
meals: the stock path (one add-product per meal) re-prices the whole basket on each add."""

import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import rules, signals
from .calendars import CalendarWindow, calendar_window, tariff_config_for, tariff_configs
from .exceptions import BasketNotEditable, MealsRefused, UnknownService
from .meals import (
    BENEFICIARY_OPTION,
    DATE_OPTION,
    MEAL_OPTIONS,
    PRICE_EXPLANATION_OPTION,
    MealLine,
    basket_meal_lines,
    explanation_to_json,
    meal_options,
    read_meal_line,
)
from .models import Beneficiary, ServiceCalendar
from .pricing import price_meal
from .selectors import accepted_accesses, bookings_by_day, family_of

Basket = get_model("basket", "Basket")
Line = get_model("basket", "Line")
LineAttribute = get_model("basket", "LineAttribute")
Product = get_model("catalogue", "Product")


def _error(beneficiary_id, day, message) -> dict:
    return {"beneficiary": beneficiary_id, "date": day, "error": str(message)}


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
    checks and add the same meal. A basket created here is marked `created_now`: it holds no
    line yet."""
    if basket is not None:
        basket = Basket.objects.select_for_update().get(pk=basket.pk, owner=account)
        if not basket.can_be_edited:
            raise BasketNotEditable
        return basket
    basket = Basket.open.select_for_update().filter(owner=account).order_by("pk").first()
    if basket is None:
        basket = Basket.objects.create(owner=account)
        basket.created_now = True
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

    Every meal is priced with all the siblings of its day, booked or in the basket, whatever
    order they come in; siblings already in the basket that day are priced again with it.
    `now` is the request's clock. With `skip_closed` (a weekday pattern), closed days are left
    out rather than refused. `basket`: another editable basket of the account than its open one
    (an agent booking on the family's behalf). Returns the basket."""
    beneficiary_ids, wanted = _wanted_meals(beneficiary_ids, dates, meals)
    family = family_of(account, beneficiary_ids)
    service = Product.objects.filter(pk=service_id, structure=Product.PARENT).first()
    if service is None:
        raise UnknownService(service_id)
    if not wanted:
        return _lock_basket(account, basket)
    window = _window_or_refuse(service, wanted)
    if skip_closed:
        wanted = [(pk, day) for pk, day in wanted if window.day_state_for(day, family[pk]).open]
    basket = _lock_basket(account, basket)
    signals.meals_adding.send(sender=Basket, account=account, service=service, meals=wanted)
    days = _ServiceDays.load(account, family, service, window, basket, wanted)
    accepted, errors = _checked(wanted, days, now)
    lines = []
    if not errors:
        lines, errors = _new_lines(accepted, days, basket)
    if errors:
        raise MealsRefused(errors)
    _write_lines(lines)
    added = defaultdict(set)
    for beneficiary_id, day in accepted:
        added[service.pk, day].add(beneficiary_id)
    earlier = [line for line in days.basket_lines if (line.service_id, line.date) in added]
    _reprice_siblings(account, family, earlier, added)
    basket.reset_offer_applications()
    basket._lines = None
    return basket


def _window_or_refuse(service, wanted) -> CalendarWindow:
    try:
        return calendar_window(service, wanted[0][1], wanted[-1][1])
    except ServiceCalendar.DoesNotExist:
        message = _("Ce service n'a pas encore de calendrier : il ne peut pas être réservé.")
        raise MealsRefused([_error(b, d.isoformat(), message) for b, d in wanted]) from None


@dataclass
class _ServiceDays:
    """What adding meals of one service needs to know of the family's days, read once: the
    calendar, the tariff, the accepted accesses, the family's bookings, the seats taken by
    everyone, and the basket's meal lines."""

    service_id: int
    window: CalendarWindow
    tariff: rules.TariffConfig | None
    family: dict
    accesses: dict
    booked: dict
    taken: Counter
    basket_lines: list[MealLine]
    options: dict

    @classmethod
    def load(cls, account, family, service, window, basket, wanted) -> "_ServiceDays":
        days = {day for _beneficiary_id, day in wanted}
        capped = [service.pk] if window.daily_capacity is not None else []
        booked, taken = bookings_by_day(account, [service.pk], days, capped_service_ids=capped)
        return cls(
            service_id=service.pk,
            window=window,
            tariff=tariff_config_for(service),
            family=family,
            accesses=accepted_accesses(account, list(family), [service.pk]),
            booked=booked,
            taken=taken,
            # A basket created by this transaction holds nothing yet: no need to read it.
            basket_lines=[]
            if getattr(basket, "created_now", False)
            else basket_meal_lines(line__basket=basket),
            options=meal_options(),
        )

    def in_basket(self, day: date) -> set[int]:
        return {
            line.beneficiary_id
            for line in self.basket_lines
            if line.service_id == self.service_id and line.date == day
        }

    def refusal(self, beneficiary_id, day, seats_wanted, now) -> rules.Refusal | None:
        in_basket = self.in_basket(day)
        key = (self.service_id, day)
        return rules.meal_refusal(
            rules.MealDay(
                # The day as this child sees it: a closure of their class or group shuts it.
                state=self.window.day_state_for(day, self.family[beneficiary_id]),
                booking_deadline=self.window.booking_deadline(day),
                capacity=self.window.daily_capacity,
                seats_taken=self.taken[key] + len(in_basket),
                seats_wanted=seats_wanted,
                booked=beneficiary_id in self.booked[key],
                in_basket=beneficiary_id in in_basket,
                access_accepted=(beneficiary_id, self.service_id) in self.accesses,
            ),
            now,
        )

    def price(self, beneficiary_id: int, day: date, added) -> rules.PriceExplanation:
        """The price with every sibling of the day: booked, in the basket, or `added`."""
        key = (self.service_id, day)
        ids = self.booked[key] | self.in_basket(day) | set(added)
        access = self.accesses[beneficiary_id, self.service_id]
        return price_meal(
            self.family[beneficiary_id],
            access.tariff_option,
            day,
            [self.family[pk] for pk in ids if pk in self.family],
            access,
            tariff=self.tariff,
            fallback_price=access.option_price,
        )


def _checked(wanted, days: _ServiceDays, now: datetime) -> tuple[list, list[dict]]:
    """The meals the bookability rule accepts, and the errors of those it refuses. Meals asked
    for the same day share its seats: they are all refused when too few are left."""
    asked = Counter(day for _beneficiary_id, day in wanted)
    accepted, errors = [], []
    for beneficiary_id, day in wanted:
        refusal = days.refusal(beneficiary_id, day, asked[day], now)
        if refusal is None:
            accepted.append((beneficiary_id, day))
        else:
            errors.append(_error(beneficiary_id, day.isoformat(), refusal.reason))
    return accepted, errors


def _new_lines(accepted, days: _ServiceDays, basket) -> tuple[list, list[dict]]:
    """One priced line (with its options) per accepted meal, or the errors of those that cannot
    be priced. Each meal is priced with every sibling of its day, the new ones included."""
    new_by_day = defaultdict(set)
    for beneficiary_id, day in accepted:
        new_by_day[day].add(beneficiary_id)
    references = {line.reference for line in days.basket_lines}
    lines, errors = [], []
    for beneficiary_id, day in accepted:
        access = days.accesses[beneficiary_id, days.service_id]
        try:
            explanation = days.price(beneficiary_id, day, new_by_day[day])
        except rules.NoTariffError as error:
            errors.append(_error(beneficiary_id, day.isoformat(), error))
            continue
        if access.option_stockrecord_id is None:
            message = _("Cette option tarifaire n'est plus proposée par la commune.")
            errors.append(_error(beneficiary_id, day.isoformat(), message))
            continue
        identity = _identity_options(days.options, beneficiary_id, day)
        reference = line_reference(access.tariff_option, access.option_stockrecord_id, identity)
        if reference in references:  # merged by Oscar on any other path
            message = _("Ce repas est déjà dans votre panier.")
            errors.append(_error(beneficiary_id, day.isoformat(), message))
            continue
        references.add(reference)
        price = {"option": days.options[PRICE_EXPLANATION_OPTION]}
        price["value"] = explanation_to_json(explanation)
        lines.append((_line(basket, reference, access, explanation.unit_price), [*identity, price]))
    return lines, errors


def _line(basket, reference, access, unit_price):
    return Line(
        basket=basket,
        line_reference=reference,
        product=access.tariff_option,
        stockrecord_id=access.option_stockrecord_id,
        quantity=1,
        price_currency="EUR",
        price_excl_tax=unit_price,
        price_incl_tax=unit_price,
    )


def _write_lines(lines) -> None:
    Line.objects.bulk_create([line for line, _options in lines])
    LineAttribute.objects.bulk_create(
        LineAttribute(line=line, option=entry["option"], value=entry["value"])
        for line, entries in lines
        for entry in entries
    )


def _reprice_siblings(account, family, lines: list[MealLine], added=None) -> None:
    """Price again these meals of the basket with the siblings of their day: booked, in
    `lines` (every basket line of that service and day) or `added` ((service, day) → ids). A
    youngest child added before the eldest then pays the second child's price, as the checkout
    expects; a booking's price never changes. A meal that cannot be priced any more keeps its
    line: the checkout refuses it."""
    added = added or {}
    lines = [line for line in lines if line.beneficiary_id in family and line.date is not None]
    if not lines:
        return
    service_ids = {line.service_id for line in lines}
    tariffs = tariff_configs(service_ids)
    accesses = accepted_accesses(account, list(family), service_ids)
    booked, _taken = bookings_by_day(account, service_ids, {line.date for line in lines})
    in_basket = defaultdict(set)
    for line in lines:
        in_basket[line.service_id, line.date].add(line.beneficiary_id)
    prices = {}
    for line in lines:
        access = accesses.get((line.beneficiary_id, line.service_id))
        if access is None or access.tariff_option_id != line.tariff_option_id:
            continue
        key = (line.service_id, line.date)
        siblings = booked[key] | in_basket[key] | added.get(key, set())
        try:
            prices[line.line_id] = price_meal(
                family[line.beneficiary_id],
                access.tariff_option,
                line.date,
                [family[pk] for pk in siblings if pk in family],
                access,
                tariff=tariffs.get(line.service_id),
                fallback_price=access.option_price,
            )
        except rules.NoTariffError:
            continue
    _write_prices(prices)


def _write_prices(prices: dict) -> None:
    """Line id → its new price explanation, written where it differs from the frozen one."""
    attributes = LineAttribute.objects.filter(
        line_id__in=list(prices), option__code=PRICE_EXPLANATION_OPTION
    ).select_related("line")
    changed = []
    for attribute in attributes:
        explanation = prices[attribute.line_id]
        value = explanation_to_json(explanation)
        if attribute.value != value:
            attribute.value = value
            attribute.line.price_excl_tax = attribute.line.price_incl_tax = explanation.unit_price
            changed.append(attribute)
    if changed:
        LineAttribute.objects.bulk_update(changed, ["value"])
        Line.objects.bulk_update(
            [attribute.line for attribute in changed], ["price_excl_tax", "price_incl_tax"]
        )


# --- Removing meals ----------------------------------------------------------------------------


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
        # The siblings left on those days may lose a rank: priced again without the removed.
        removed = {(line.service_id, line.date) for line in lines if line.line_id in chosen}
        left = [
            line
            for line in lines
            if line.line_id not in chosen and (line.service_id, line.date) in removed
        ]
        _reprice_siblings(account, family_of(account, ()), left)
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
