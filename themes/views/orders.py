"""Mes commandes: the family's Oscar orders, and each one's meals, payments and refunds.

Read only, and scoped to the parent: another family's order is a 404. A page costs the same
queries whatever the number of orders or lines (everything is prefetched)."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from oscar.core.loading import get_model

from reservations.bookings import meal_lines
from reservations.models import Booking
from reservations.selectors import beneficiaries_of
from shop.payment.constants import CARD_SOURCE, ORDER_CANCELLED, ORDER_PAID
from shop.selectors.receipts import shares_of_order
from wallet.models import CardPayment, CardPaymentPurpose, CardPaymentStatus

from ..access import parent_required

Order = get_model("order", "Order")
Line = get_model("order", "Line")
PaymentEvent = get_model("order", "PaymentEvent")
Source = get_model("payment", "Source")

ORDERS_PER_PAGE = 20


def orders_of(user):
    return Order.objects.filter(user=user)


def status_badge(status: str) -> str:
    """The badge class of an order status; the status itself is always written next to it."""
    if status == ORDER_PAID:
        return "badge--ok"
    if status == ORDER_CANCELLED:
        return "badge--error"
    return "badge--warn"


def payment_methods(order, card_numbers: set[str]) -> list[str]:
    """How the order was paid, as the parent reads it: the Oscar sources recorded, and a card
    payment still awaited."""
    methods = [source.source_type.name for source in order.sources.all()]
    if order.number in card_numbers and CARD_SOURCE[1] not in methods:
        methods.append(CARD_SOURCE[1])
    # Stored in French (shop/payment/constants.py marks them): read in the page's language.
    return [gettext(method) for method in dict.fromkeys(methods)]


@require_GET
@parent_required
def order_list(request):
    orders = orders_of(request.user).prefetch_related(
        Prefetch("sources", queryset=Source.objects.select_related("source_type").order_by("pk"))
    )
    page = Paginator(orders.order_by("-date_placed", "-pk"), ORDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    numbers = [order.number for order in page.object_list]
    card_numbers = set(
        CardPayment.objects.filter(
            owner=request.user, purpose=CardPaymentPurpose.ORDER, order_number__in=numbers
        ).values_list("order_number", flat=True)
    )
    rows = [
        {
            "order": order,
            "badge": status_badge(order.status),
            "methods": payment_methods(order, card_numbers),
        }
        for order in page.object_list
    ]
    return render(request, "themes/orders/list.html", {"page": page, "rows": rows})


@require_GET
@parent_required
def order_detail(request, number):
    order = get_object_or_404(
        orders_of(request.user).prefetch_related(
            Prefetch("sources", queryset=Source.objects.select_related("source_type")),
            Prefetch(
                "payment_events",
                queryset=PaymentEvent.objects.select_related("event_type").order_by(
                    "date_created", "pk"
                ),
            ),
        ),
        number=number,
    )
    lines = list(Line.objects.filter(order=order).select_related("product__parent").order_by("pk"))
    meals = {meal.line_id: meal for meal in meal_lines(order)}
    children = beneficiaries_of(request.user, include_archived=True).in_bulk(
        {meal.beneficiary_id for meal in meals.values() if meal.beneficiary_id}
    )
    bookings = {
        booking.order_line_id: booking
        for booking in Booking.objects.filter(account=request.user, order_line__in=lines)
    }
    rows = []
    for line in lines:
        meal = meals.get(line.pk)
        product = line.product
        rows.append(
            {
                "line": line,
                "service": product.parent.title if product and product.parent else line.title,
                "option": product.title if product and product.parent else "",
                "child": children.get(meal.beneficiary_id) if meal else None,
                "date": meal.date if meal else None,
                "unit_price": meal.unit_price if meal else line.unit_price_incl_tax,
                "explanation": (meal.price_explanation or {}) if meal else {},
                "booking": bookings.get(line.pk),
            }
        )
    card_payment = CardPayment.objects.filter(
        owner=request.user, purpose=CardPaymentPurpose.ORDER, order_number=order.number
    ).first()
    context = {
        "order": order,
        "badge": status_badge(order.status),
        "rows": rows,
        "sources": list(order.sources.all()),
        "events": list(order.payment_events.all()),
        # One receipt per régie share: a link once paid, its state until then.
        "shares": shares_of_order(request.user, order.number),
        # A card payment still awaited: the order is cancelled if it never comes.
        "awaiting_card": card_payment
        if card_payment
        and card_payment.status == CardPaymentStatus.PENDING
        and order.status not in (ORDER_PAID, ORDER_CANCELLED)
        else None,
    }
    return render(request, "themes/orders/detail.html", context)


urlpatterns = [
    path("espace/commandes/", order_list, name="orders"),
    path("espace/commandes/<str:number>/", order_detail, name="order_detail"),
]
