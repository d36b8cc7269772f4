"""Read queries of the services catalogue: the communes (Oscar partners), the services they offer
(parent products of the "Service communal" class) and each service's tariff options (child
products priced by a stock record at the commune).

A tariff option reaches a commune only through its stock record, so the whole tree is read from
the stock records in one query and grouped here: the cost does not grow with the catalogue."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from oscar.core.loading import get_model

from .access import requirements_of
from .models import AccessRequirements

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

# The slug Oscar derives from the class name "Service communal" (config/demo.py seeds it).
SERVICE_CLASS_SLUG = "service-communal"


@dataclass(frozen=True)
class TariffOptionEntry:
    id: int
    title: str
    price: Decimal | None
    currency: str
    requirements: AccessRequirements

    @property
    def required_documents(self):
        return self.requirements.document_kinds

    @property
    def requires_tax_figures(self) -> bool:
        return self.requirements.requires_tax_figures


@dataclass
class ServiceEntry:
    id: int
    title: str
    commune: "CommuneEntry"
    options: list[TariffOptionEntry] = field(default_factory=list)


@dataclass
class CommuneEntry:
    id: int
    code: str
    name: str
    services: list[ServiceEntry] = field(default_factory=list)


def catalogue(*, commune_code: str | None = None) -> list[CommuneEntry]:
    """Every commune offering at least one service, with its services and their options, sorted
    by name as the "Ajouter un service" screen lists them."""
    stockrecords = _offered_options()
    if commune_code:
        stockrecords = stockrecords.filter(partner__code=commune_code)
    return _group(stockrecords)


def service(service_id: int) -> ServiceEntry | None:
    """One service with its commune and options; None when it is not offered (anymore)."""
    communes = _group(_offered_options().filter(product__parent_id=service_id))
    # A service is offered by one commune; should it be priced at two, the first one answers.
    return communes[0].services[0] if communes else None


def _offered_options():
    return (
        StockRecord.objects.filter(
            product__structure=Product.CHILD,
            product__is_public=True,
            product__parent__is_public=True,
            product__parent__product_class__slug=SERVICE_CLASS_SLUG,
        )
        # access_requirements is a reverse one-to-one: select_related caches its absence too,
        # so requirements_of() asks nothing more of the database.
        .select_related("partner", "product__parent", "product__access_requirements")
        .order_by(
            "partner__name",
            "partner_id",
            "product__parent__title",
            "product__parent_id",
            "product__title",
            "product_id",
        )
    )


def _group(stockrecords: Iterable) -> list[CommuneEntry]:
    communes: dict[int, CommuneEntry] = {}
    services: dict[tuple[int, int], ServiceEntry] = {}
    for stockrecord in stockrecords:
        partner, option = stockrecord.partner, stockrecord.product
        commune = communes.get(partner.pk)
        if commune is None:
            commune = communes[partner.pk] = CommuneEntry(partner.pk, partner.code, partner.name)
        key = (partner.pk, option.parent_id)
        entry = services.get(key)
        if entry is None:
            entry = services[key] = ServiceEntry(option.parent_id, option.parent.title, commune)
            commune.services.append(entry)
        entry.options.append(
            TariffOptionEntry(
                id=option.pk,
                title=option.title,
                price=stockrecord.price,
                currency=stockrecord.price_currency,
                requirements=requirements_of(option),
            )
        )
    return list(communes.values())
