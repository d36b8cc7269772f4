"""The quotient grid a service page publishes: the service's TariffGrid rows, read as the
server prices with them (reservations/rules.py), so the page never shows another price than
the one the basket will freeze."""

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist

from reservations import rules

# What a listing of service pages prefetches so that published_grid() asks nothing more.
GRID_PREFETCH = ("product__tariff_grid__rows",)


def published_grid(product) -> dict | None:
    """{"mode", "effort_rate", "floor", "ceiling", "rows": [...]}, rows by category, residence,
    sibling rank and bracket (TariffRow's order); None when the service has no grid (it is then
    priced by its options' prices, which the page already lists)."""
    if product is None or not product.is_public:
        return None
    try:
        grid = product.tariff_grid
    except ObjectDoesNotExist:
        return None
    return {
        "mode": grid.mode,
        # Normalized: a page writes "0,5 %", not "0,5000 %".
        "effort_rate": None if grid.effort_rate is None else grid.effort_rate.normalize(),
        "floor": _cents(grid.floor),
        "ceiling": _cents(grid.ceiling),
        "rows": [_row(row) for row in sorted(grid.rows.all(), key=_order)]
        if grid.mode == rules.GRID
        else [],
    }


def _order(row) -> tuple:
    # TariffRow's order, but the open-ended bracket ("QF below 500") first: PostgreSQL sorts
    # NULL minimums last.
    low = row.family_quotient_min
    return (row.category, row.residence, row.sibling_rank, low is not None, low or 0, row.pk)


def _row(row) -> dict:
    # Imported here: cms's models import this module before reservations' models are loaded.
    from reservations.models import Residence, SiblingRank, TariffCategory

    low, high = row.family_quotient_min, row.family_quotient_max
    return {
        "category": row.category,
        "category_label": str(TariffCategory(row.category).label),
        "residence": row.residence,
        "residence_label": str(Residence(row.residence).label),
        "sibling_rank": row.sibling_rank,
        "sibling_rank_label": str(SiblingRank(row.sibling_rank).label),
        "family_quotient_min": low,
        "family_quotient_max": high,
        "bracket_label": rules.bracket_label(low, high),
        "unit_price": _cents(row.unit_price),
    }


def _cents(amount) -> Decimal | None:
    return None if amount is None else Decimal(amount).quantize(rules.CENT)


def varying_columns(grid: dict | None) -> set[str]:
    """The grid's columns worth a column on a phone: those whose rows differ ("category",
    "residence", "sibling_rank"); a column saying "1er enfant" on every row only widens it."""
    rows = grid["rows"] if grid else []
    return {
        name
        for name in ("category", "residence", "sibling_rank")
        if len({r[name] for r in rows}) > 1
    }
