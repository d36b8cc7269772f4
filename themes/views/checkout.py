"""Paying the basket: the checkout (porte-monnaie, card, or both), the card payment step and the
order confirmation.

Thin views over the services the JSON API calls: the checkout use case (shop.checkout, as POST
/api/checkout/) and `wallet.payments` (a card payment confirmed)."""

from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from oscar.apps.payment.exceptions import UnableToTakePayment
from oscar.core.loading import get_model

from reservations.basket import basket_summary
from reservations.exceptions import BookingRefused
from reservations.models import Booking
from shop.checkout import checkout
from shop.payment import processing
from shop.payment.constants import ORDER_CANCELLED, ORDER_PAID, PaymentMethod
from shop.payment.exceptions import BasketNotFound, CheckoutRefused, WalletShortfall
from wallet import payments
from wallet.forecast import forecast_of
from wallet.models import AccountKind, CardPaymentStatus
from wallet.regies import post_paid_service_ids
from wallet.selectors import statement_of

from ..access import parent_required
from ..forms.planning import CheckoutForm
from ..security import stripe_js_page

Order = get_model("order", "Order")


def _wallet_available(account, summary) -> Decimal:
    """What the porte-monnaie holds for the basket's services: their own pots and the general
    pot (a payment takes from them, wallet/ledger.py)."""
    service_ids = {line.service["id"] for day in summary.days for line in day.lines}
    pots = statement_of(account).pots
    return sum(
        (
            pot.balance
            for pot in pots
            if pot.kind == AccountKind.GENERAL_POT
            or (pot.kind == AccountKind.SERVICE_POT and pot.service_id in service_ids)
        ),
        Decimal("0.00"),
    )


def _invoiced_later(summary) -> Decimal:
    """What of the basket its post-paid services invoice at the month's end (nothing now)."""
    lines = [line for day in summary.days for line in day.lines]
    post_paid = post_paid_service_ids({line.service["id"] for line in lines})
    return sum((line.price for line in lines if line.service["id"] in post_paid), Decimal("0.00"))


@parent_required
@require_http_methods(["GET", "POST"])
def checkout_view(request):
    """Choose how to pay the basket (porte-monnaie, card, or both) and pay it."""
    summary = basket_summary(request.user)
    if request.method == "GET" and not summary.lines_count:
        messages.info(request, _("Votre panier est vide : choisissez d'abord des repas."))
        return redirect("portail:basket")
    available = _wallet_available(request.user, summary)
    invoiced_later = _invoiced_later(summary)
    due_now = summary.total - invoiced_later
    shortfall = None
    if request.method == "POST":
        form = CheckoutForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = checkout(
                    data["basket"],
                    payer=request.user,
                    payment_method=data["payment_method"],
                    expected_total=data["total"],
                )
            except BasketNotFound as error:
                raise Http404 from error
            except CheckoutRefused as error:
                form.add_error(None, str(error))
            except WalletShortfall as error:
                shortfall = error.missing
                form.add_error("payment_method", str(error))
            except UnableToTakePayment as error:
                form.add_error("payment_method", str(error))
            except BookingRefused as error:
                form.add_error(None, error.detail)
            else:
                order = result.order
                if result.outcome.card_payment is not None:
                    return redirect("portail:order_payment", number=order.number)
                messages.success(
                    request,
                    _("Merci ! Votre commande %(number)s est payée.") % {"number": order.number},
                )
                return redirect("portail:order_confirmation", number=order.number)
    else:
        if available >= due_now:
            method = PaymentMethod.WALLET
        elif available > 0:
            method = PaymentMethod.WALLET_AND_CARD
        else:
            method = PaymentMethod.CARD
        form = CheckoutForm(
            initial={"payment_method": method, "basket": summary.basket_id, "total": summary.total}
        )
    missing = max(due_now - available, Decimal("0.00"))
    return render(
        request,
        "themes/planning/checkout.html",
        {
            "summary": summary,
            "form": form,
            "available": available,
            "missing": missing,
            "shortfall": shortfall,
            "due_now": due_now,
            "invoiced_later": invoiced_later,
        },
        status=400 if form.errors else 200,
    )


def _order_of(request, number):
    """The parent's own order: another parent's is a 404, as a missing one."""
    return get_object_or_404(Order, number=number, user=request.user)


@stripe_js_page
@parent_required
@require_http_methods(["GET", "POST"])
def order_payment_view(request, number):
    """The card part of an order: Stripe.js confirms it in the browser (client secret), or the
    offline test gateway's "paiement de test" button. POST asks the gateway where it stands and
    settles it (wallet.payments.confirm_card_payment), as the webhook would."""
    order = _order_of(request, number)
    outcome = processing.outcome_of(order)
    payment = outcome.card_payment  # the first step not settled yet
    if payment is None:
        return redirect("portail:order_confirmation", number=order.number)
    if request.method == "POST":
        try:
            payment = payments.confirm_card_payment(request.user, payment.pk)
        except payments.GatewayUnavailableError as error:
            messages.error(request, str(error))
            return redirect("portail:order_payment", number=order.number)
        if payment.status == CardPaymentStatus.SUCCEEDED:
            if processing.outcome_of(order).card_payment is not None:
                messages.success(request, _("Paiement reçu : passez au paiement suivant."))
                return redirect("portail:order_payment", number=order.number)
            messages.success(
                request,
                _("Merci ! Votre commande %(number)s est payée.") % {"number": order.number},
            )
            return redirect("portail:order_confirmation", number=order.number)
        if payment.status == CardPaymentStatus.FAILED:
            messages.error(
                request,
                _("Le paiement par carte a été refusé : vous pouvez essayer une autre carte."),
            )
        else:
            messages.info(request, _("Le paiement par carte n'est pas encore confirmé."))
        return redirect("portail:order_payment", number=order.number)
    card, unavailable = None, ""
    try:
        card = processing.card_details(payment)
    except payments.GatewayUnavailableError as error:
        unavailable = str(error)
    response = render(
        request,
        "themes/planning/card_payment.html",
        {
            "order": order,
            "outcome": outcome,
            "step": outcome.current_step,
            "card": card,
            "unavailable": unavailable,
            "timeout_minutes": settings.CARD_PAYMENT_TIMEOUT_MINUTES,
        },
        status=503 if unavailable else 200,
    )
    if card is not None and card.form and card.redirect_url:
        # The bank's page takes the card: this page's form posts there, and only there.
        response._csp_update = {"form-action": [_origin(card.redirect_url)]}
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@parent_required
def order_confirmation_view(request, number):
    """An order just placed: its status, how it was paid and the meals it booked."""
    order = _order_of(request, number)
    outcome = processing.outcome_of(order)
    bookings = (
        Booking.objects.filter(account=request.user, order_number=order.number)
        .select_related("beneficiary", "service")
        .order_by("date", "beneficiary__birth_date", "pk")
    )
    payment = outcome.card_payment
    state = {ORDER_PAID: "paid", ORDER_CANCELLED: "cancelled"}.get(order.status, "pending")
    return render(
        request,
        "themes/planning/confirmation.html",
        {
            "order": order,
            "outcome": outcome,
            "bookings": bookings,
            "state": state,
            "forecast": forecast_of(request.user, today=timezone.localdate()),
            "card_to_pay": state == "pending"
            and payment is not None
            and payment.status not in payments.FINAL_STATUSES,
        },
    )


urlpatterns = [
    path("espace/panier/paiement/", checkout_view, name="checkout"),
    path("espace/commandes/<str:number>/paiement/", order_payment_view, name="order_payment"),
    path(
        "espace/commandes/<str:number>/confirmation/",
        order_confirmation_view,
        name="order_confirmation",
    ),
]
