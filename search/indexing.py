"""Keeps SearchableService rows in line with the catalogue; saving a row is what reindexes it
(Wagtail's own post_save handler, run in-process by django-tasks' immediate backend)."""

from oscar.core.loading import get_model

from reservations import catalogue

from .models import SearchableService
from .text import plain_text

Product = get_model("catalogue", "Product")


def sync_service(product_id: int) -> SearchableService | None:
    """Rebuild the search row of the service `product_id` (or of the service whose tariff option
    it is); drop it when the product is gone or is not a commune service. Idempotent."""
    product = (
        Product.objects.filter(pk=product_id)
        .select_related("parent__product_class", "product_class")
        .first()
    )
    if product is not None and product.structure == Product.CHILD:
        product = product.parent
    if product is None or not _is_service(product):
        # A deleted service's row went with it (on cascade); a child id whose product is
        # gone names no service we could still find.
        SearchableService.objects.filter(pk=product_id).delete()
        return None

    entry = catalogue.service(product.pk)  # None when no commune offers it (anymore)
    defaults = {
        "title": product.title,
        "description": plain_text(product.description),
        "commune_name": entry.commune.name if entry else "",
        "option_titles": ", ".join(option.title for option in entry.options) if entry else "",
        "is_public": entry is not None,
    }
    row = SearchableService.objects.filter(pk=product.pk).first()
    if row is not None and all(getattr(row, field) == value for field, value in defaults.items()):
        return row  # unchanged: no write, no reindexing
    row, _ = SearchableService.objects.update_or_create(product=product, defaults=defaults)
    return row


def services_of_commune(partner_id: int) -> list[int]:
    """Ids of the services having a tariff option priced at the commune (Oscar partner)."""
    return list(
        Product.objects.filter(
            structure=Product.PARENT, children__stockrecords__partner_id=partner_id
        )
        .distinct()
        .values_list("pk", flat=True)
    )


def sync_all_services() -> int:
    """Rebuild every service's row (first deployment, or after a bulk import); returns how many
    services are searchable."""
    service_ids = Product.objects.filter(
        structure=Product.PARENT, product_class__slug=catalogue.SERVICE_CLASS_SLUG
    ).values_list("pk", flat=True)
    known = set(SearchableService.objects.values_list("pk", flat=True))
    for product_id in {*service_ids, *known}:
        sync_service(product_id)
    return SearchableService.objects.filter(is_public=True).count()


def _is_service(product) -> bool:
    return (
        product.structure == Product.PARENT
        and product.product_class is not None
        and product.product_class.slug == catalogue.SERVICE_CLASS_SLUG
    )
