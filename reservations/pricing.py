"""The price of one meal for one beneficiary, with its explanation, as frozen on the basket line.

Everything comes from the beneficiary's family (their accepted access, their siblings), never
from whoever is logged in: an agent may book on a parent's behalf."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from wallet.money import euros

from . import rules
from .calendars import tariff_config_for
from .models import SchoolClass

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
            explanation_fr=_("Tarif unique : %(price)s.") % {"price": euros(price)},
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


class Prices:
    """price_meal for many meals of one family, once per access, category and sibling rank:
    what else it reads (the option, its residence and price, the quotient, the grid) comes with
    the access, and the date does not change a price. Building the translated explanation is
    the costly part of pricing: a month of six children, or a basket of 20 meals, is explained
    a few times, not once per meal. `tariffs`: service id → TariffConfig (or missing: none)."""

    def __init__(self, tariffs: dict):
        self.tariffs = tariffs
        self.known: dict = {}

    def explain(self, beneficiary, access, day, siblings) -> rules.PriceExplanation:
        """price_meal's answer; raises rules.NoTariffError as it does."""
        key = (access.pk, category_of(beneficiary), sibling_rank(beneficiary, siblings))
        if key not in self.known:
            try:
                self.known[key] = price_meal(
                    beneficiary,
                    access.tariff_option,
                    day,
                    siblings,
                    access,
                    tariff=self.tariffs.get(access.tariff_option.parent_id),
                    fallback_price=access.option_price,
                )
            except rules.NoTariffError as error:
                self.known[key] = error
        found = self.known[key]
        if isinstance(found, rules.NoTariffError):
            raise found
        return found
