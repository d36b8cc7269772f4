"""Data of the agents' browser tests that need a service of their own: a Rosières canteen per
test and viewport, so that what they book, close or price clashes with no other test (the demo's
services are shared by the whole run)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify
from oscar.core.loading import get_model

from reservations.catalogue import SERVICE_CLASS_SLUG
from reservations.models import AccessRequirements, OpeningPeriod, ServiceCalendar
from wallet.models import ServiceRegie
from wallet.regies import regie_of_service

Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")


def make_week_service(tag: str):
    """A Rosières canteen of this viewport: open on weekdays all year, in the Rosières canteen's
    régie, its option asking for the tax figures (the agent checks the quotient)."""
    rosieres = Partner.objects.get(name="Rosières")
    title = f"Cantine de la semaine {tag}"
    service = Product.objects.create(
        title=title,
        structure=Product.PARENT,
        product_class=ProductClass.objects.get(slug=SERVICE_CLASS_SLUG),
    )
    meal = Product.objects.create(title="Repas enfant", structure=Product.CHILD, parent=service)
    StockRecord.objects.create(
        product=meal, partner=rosieres, partner_sku=slugify(title), price=Decimal("3.30")
    )
    AccessRequirements.objects.create(tariff_option=meal, requires_tax_figures=True)
    calendar = ServiceCalendar.objects.create(
        service=service, open_weekdays=[1, 2, 4, 5], closed_during_school_holidays=False
    )
    today = timezone.localdate()
    OpeningPeriod.objects.create(
        calendar=calendar, start=today, end=today + timedelta(days=365), label="Semaine"
    )
    canteen = Product.objects.get(upc="rosieres-cantine")
    # A new service goes to its commune's régie (a signal): the canteen's here, as the demo's.
    ServiceRegie.objects.update_or_create(
        service=service, defaults={"regie": regie_of_service(canteen.pk)}
    )
    return service, meal
