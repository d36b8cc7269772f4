"""The live facts of a service page, read from the configuration of the catalogue service rather
than typed by an editor, so the page never contradicts what booking applies."""

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist

from reservations.rules import describe_rule

# What a listing of service pages prefetches so that service_facts() asks nothing more of the
# database (ServicePage.api_prefetch_related).
FACTS_PREFETCH = ("product__children__stockrecords", "product__calendar")


def service_facts(product) -> dict:
    """{"options": [{"id", "title", "price"}], "booking_deadline", "cancellation_deadline"}.

    The deadlines are described from the service calendar's rules — the very rules the server
    checks at booking and cancellation time (reservations/rules.py) — so the page shows exactly
    the deadlines that will be applied; None while the service has no calendar."""
    calendar = _calendar_of(product)
    return {
        "options": tariff_options(product),
        "booking_deadline": describe_rule(calendar.booking_rule) if calendar else None,
        "cancellation_deadline": describe_rule(calendar.cancellation_rule) if calendar else None,
    }


def _calendar_of(product):
    if product is None:
        return None
    try:
        return product.calendar
    except ObjectDoesNotExist:
        return None


def tariff_options(product) -> list[dict]:
    """The service's public tariff options with the price of their stock record, as
    reservations.catalogue offers them (same filters, same order: title, then id).

    Reads only product.children.all() and child.stockrecords.all(): prefetched rows when the
    caller used FACTS_PREFETCH, two queries otherwise."""
    if product is None or not product.is_public:
        return []
    options = []
    for option in sorted(product.children.all(), key=lambda child: (child.title, child.pk)):
        records = sorted(option.stockrecords.all(), key=lambda record: record.pk)
        if not option.is_public or not records:
            continue  # not offered: nobody can ask access to it
        options.append({"id": option.pk, "title": option.title, "price": _cents(records[0].price)})
    return options


def _cents(price) -> Decimal | None:
    # A number for the API, not text: pages write it with the `euros` filter (wallet.money).
    return None if price is None else Decimal(price).quantize(Decimal("0.01"))
