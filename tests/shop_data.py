"""Builders for Oscar catalogue rows: a commune service and its tariff options."""

from decimal import Decimal

from django.utils.text import slugify
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")


def make_service(commune, title: str, options: dict[str, str]):
    """A parent product for the service and one child product per tariff option, priced at the
    commune's partner. Returns (service, [options])."""
    product_class, _ = ProductClass.objects.get_or_create(
        name="Service communal", defaults={"requires_shipping": False, "track_stock": False}
    )
    service = Product.objects.create(
        title=title, structure=Product.PARENT, product_class=product_class
    )
    children = []
    for option_title, price in options.items():
        child = Product.objects.create(title=option_title, structure=Product.CHILD, parent=service)
        StockRecord.objects.create(
            product=child,
            partner=commune,
            partner_sku=slugify(f"{title} {option_title}"),
            price=Decimal(price),
        )
        children.append(child)
    return service, children
