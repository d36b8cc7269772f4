"""The price of one meal for one beneficiary, with its explanation, as frozen on the basket line.

Everything comes from the beneficiary's family (their accepted access, their siblings), never
from whoever is logged in: an agent may book on a parent's behalf."""

import json
from collections.abc import Iterable
from dataclasses import asdict, replace
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from . import rules
from .calendars import TARIFF_LINE_FIELDS, tariff_config_for
from .models import SchoolClass, TariffGrid, TariffRow

# Codes of the Oscar product options a meal line carries (migration 0007_meal_options).
BENEFICIARY_OPTION = "beneficiary"
DATE_OPTION = "date"
PRICE_EXPLANATION_OPTION = "price_explanation"
MEAL_OPTIONS = (BENEFICIARY_OPTION, DATE_OPTION, PRICE_EXPLANATION_OPTION)

_LOAD = object()


def residence_of(tariff_option) -> str | None:
    """Resident or not, as the option's title says ("… résident hors-commune"); None when the
    title does not say, and then the grid's rows for any residence apply."""
    title = (tariff_option.title or "").lower()
    if "hors commune" in title or "hors-commune" in title:
        return rules.NON_RESIDENT
    if "résident" in title or "resident" in title:
        return rules.RESIDENT
    return None


def category_of(beneficiary) -> str:
    return rules.ADULT if beneficiary.school_class == SchoolClass.ADULT else rules.CHILD


def sibling_rank(beneficiary, siblings_booked_that_day: Iterable) -> int:
    """The beneficiary's rank among the family's children booked for the service that day
    (rules.sibling_ranks); an adult is nobody's sibling and pays rank 1."""
    if category_of(beneficiary) == rules.ADULT:
        return 1
    children = {b.id: b for b in siblings_booked_that_day if category_of(b) == rules.CHILD}
    children[beneficiary.id] = beneficiary
    return rules.sibling_ranks(children.values())[beneficiary.id]


def price_meal(
    beneficiary,
    tariff_option,
    date: date,
    siblings_booked_that_day: Iterable,
    access,
    *,
    tariff=_LOAD,
    fallback_price: Decimal | None = None,
) -> rules.PriceExplanation:
    """The unit price of `beneficiary`'s meal on `date` under `tariff_option`, by the service's
    grid (rules.price_for) with the family quotient of the accepted `access`; without a grid,
    the option's stock record price ("Tarif unique"). Pass `tariff` (a rules.TariffConfig or
    None) and `fallback_price` when pricing many meals, so that nothing is read again.

    Raises rules.NoTariffError when the grid has no row for this beneficiary."""
    if tariff is _LOAD:
        tariff = tariff_config_for(tariff_option.parent_id)
    rank = sibling_rank(beneficiary, siblings_booked_that_day)
    residence = residence_of(tariff_option)
    if tariff is None:
        if fallback_price is None:
            stockrecord = tariff_option.stockrecords.first()
            fallback_price = stockrecord.price if stockrecord else None
        if fallback_price is None:
            raise rules.NoTariffError(_("Cette option tarifaire n'a pas de prix."))
        price = fallback_price.quantize(rules.CENT)
        return rules.PriceExplanation(
            unit_price=price,
            bracket_label="",
            rank=rank,
            residence=residence or rules.ANY_RESIDENCE,
            explanation_fr=_("Tarif unique : %(price)s.") % {"price": rules.euros(price)},
        )
    if residence is None:
        # The option does not say: only the rows valid for any residence can apply.
        tariff = replace(
            tariff, lines=tuple(x for x in tariff.lines if x.residence == rules.ANY_RESIDENCE)
        )
    explanation = rules.price_for(
        tariff,
        category=category_of(beneficiary),
        resident=residence != rules.NON_RESIDENT,
        family_quotient=access.family_quotient if access is not None else None,
        sibling_rank=rank,
    )
    if residence is None:
        said = rules._residence_label(rules.RESIDENT)
        explanation = replace(
            explanation,
            residence=rules.ANY_RESIDENCE,
            explanation_fr=explanation.explanation_fr.replace(
                f", {said},", ", " + _("résident ou non") + ",", 1
            ),
        )
    return explanation


def tariff_configs_for(service_ids: Iterable[int]) -> dict[int, rules.TariffConfig]:
    """`calendars.tariff_config_for` of several services in one query, rows in the same order:
    service id → its grid (a service without a grid is left out, and priced by its stock
    record, as price_meal does with `tariff=None`)."""
    rows = (
        TariffGrid.objects.filter(service_id__in=set(service_ids))
        .values(
            "service_id",
            "mode",
            "effort_rate",
            "floor",
            "ceiling",
            "rows__pk",
            *(f"rows__{name}" for name in TARIFF_LINE_FIELDS),
        )
        .order_by("service_id", *(f"rows__{name}" for name in TariffRow._meta.ordering))
    )
    grids, lines = {}, {}
    for row in rows:
        grids.setdefault(row["service_id"], row)
        service_lines = lines.setdefault(row["service_id"], [])
        if row["rows__pk"] is not None:
            service_lines.append(
                rules.TariffLine(**{name: row[f"rows__{name}"] for name in TARIFF_LINE_FIELDS})
            )
    return {
        service_id: rules.TariffConfig(
            mode=grid["mode"],
            lines=tuple(lines[service_id]),
            effort_rate=grid["effort_rate"],
            floor=grid["floor"],
            ceiling=grid["ceiling"],
        )
        for service_id, grid in grids.items()
    }


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
