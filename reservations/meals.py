"""What a meal is on an Oscar line (of a basket or of an order): a tariff option (child product)
carrying three product options, the beneficiary, the date (ISO text) and the price frozen with
its explanation. One reader of those options for every path, and the bounds of a meal's date."""

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import rules

LineAttribute = get_model("basket", "LineAttribute")
Option = get_model("catalogue", "Option")

# Codes of the Oscar product options a meal line carries (migration 0007_meal_options).
BENEFICIARY_OPTION = "beneficiary"
DATE_OPTION = "date"
PRICE_EXPLANATION_OPTION = "price_explanation"
MEAL_OPTIONS = (BENEFICIARY_OPTION, DATE_OPTION, PRICE_EXPLANATION_OPTION)

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


def dates_between(start: date, end: date, weekdays) -> list[date]:
    """The dates from `start` to `end` (both included) on these ISO weekdays (1 = Monday)."""
    weekdays = set(weekdays)
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [day for day in days if day.isoweekday() in weekdays]


# Created once by a migration and never changed: every basket add would read them again.
MEAL_OPTIONS_CACHE_SECONDS = 60 * 60


def meal_options() -> dict:
    """The three meal options by code (cached)."""
    return cache.get_or_set(
        "reservations:meal-options", _read_meal_options, MEAL_OPTIONS_CACHE_SECONDS
    )


def _read_meal_options() -> dict:
    options = {option.code: option for option in Option.objects.filter(code__in=MEAL_OPTIONS)}
    missing = set(MEAL_OPTIONS) - set(options)
    if missing:  # pragma: no cover - created by migration 0007_meal_options
        raise RuntimeError(f"Missing Oscar options: {sorted(missing)}")
    return options


@dataclass(frozen=True)
class MealLine:
    """One line read as a meal: who eats, for which service, when, at what frozen price. Each
    value is None when the line does not hold a readable one (it is then refused or ignored)."""

    line_id: int
    service_id: int | None
    beneficiary_id: int | None
    date: date | None
    unit_price: Decimal | None  # as frozen on the line
    price_explanation: dict = field(default_factory=dict)
    tariff_option_id: int | None = None
    commune_id: int | None = None
    reference: str = ""


def read_meal_line(line_id: int, service_id: int | None, values: Mapping, **line) -> MealLine:
    """The meal of a line from its options' values by code (as stored: text or JSON), plus what
    the line itself says (`tariff_option_id`, `commune_id`, `reference`)."""
    explanation = explanation_from_json(values.get(PRICE_EXPLANATION_OPTION))
    return MealLine(
        line_id=line_id,
        service_id=service_id,
        beneficiary_id=_int_or_none(values.get(BENEFICIARY_OPTION)),
        date=_date_or_none(values.get(DATE_OPTION)),
        unit_price=frozen_unit_price(explanation),
        price_explanation=explanation or {},
        **line,
    )


def basket_meal_lines(**basket_filter) -> list[MealLine]:
    """The meal lines of a basket (`line__basket=…`, or the account's open baskets), read from
    their beneficiary and date options in one query."""
    rows = LineAttribute.objects.filter(
        option__code__in=(BENEFICIARY_OPTION, DATE_OPTION), **basket_filter
    ).values_list(
        "line_id",
        "line__product_id",
        "line__product__parent_id",
        "line__line_reference",
        "option__code",
        "value",
    )
    found: dict[int, tuple] = {}
    for line_id, option_id, service_id, reference, code, value in rows:
        found.setdefault(line_id, (option_id, service_id, reference, {}))[3][code] = value
    return [
        read_meal_line(line_id, service_id, values, tariff_option_id=option_id, reference=reference)
        for line_id, (option_id, service_id, reference, values) in found.items()
    ]


def _int_or_none(value) -> int | None:
    if value is None:
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


def _date_or_none(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def explanation_to_json(explanation: rules.PriceExplanation) -> str:
    """The text stored in a line's "price_explanation" option: the frozen price and why."""
    data = asdict(explanation)
    data["unit_price"] = str(explanation.unit_price)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def explanation_from_json(value) -> dict | None:
    """The stored explanation, or None when the value is not one of ours."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict) or "unit_price" not in value:
        return None
    return value


def frozen_unit_price(value) -> Decimal | None:
    """The unit price frozen in a "price_explanation" option value."""
    data = explanation_from_json(value)
    if data is None:
        return None
    try:
        price = Decimal(str(data["unit_price"]))
    except ArithmeticError:
        return None
    # "NaN" and "Infinity" parse, but are no price (and NaN refuses to be compared).
    return price if price.is_finite() else None
