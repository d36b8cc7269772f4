"""Where PayFiP and the bank gateways send the payer back, and where their servers notify us.

`/paiement/retour/<backend>/` (GET or POST: PayFiP posts the browser back) settles what the
backend reports, then sends the parent to their top-up or order page with a message.
`/api/payments/notify/<backend>/` is the same without a browser. Neither trusts what it is
sent: PayFiP's return is only an idOp, so its server is asked for the outcome; the bank
gateways' returns are signed. An unknown or forged return changes nothing and answers 400."""

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .. import payments
from ..models import (
    CardPayment,
    CardPaymentPurpose,
    CardPaymentStatus,
    PaymentBackendAccount,
)
from ..money import euros
from . import EOPAYMENT_KINDS
from .base import GatewayError, InvalidWebhookSignature
from .eopayment import PAYFIP, EopaymentGateway

logger = logging.getLogger(__name__)


class UnknownReturn(Exception):
    """Not a return of one of our payments at this backend: nothing is changed."""


def _content(request) -> str:
    """What the backend sent: the form body of a POST, the query string of a GET."""
    if request.method == "POST":
        return request.body.decode("utf-8", errors="replace")
    return request.META.get("QUERY_STRING", "")


def _check(payment: CardPayment | None, owner) -> CardPayment:
    if payment is None:
        raise UnknownReturn("no payment of ours at this backend")
    if owner is not None and payment.owner_id != owner.pk:
        raise Http404
    return payment


def _settle(request, backend_id: int, *, owner=None) -> CardPayment:
    """Read the return, find our payment, settle it; raises UnknownReturn, GatewayError, or
    Http404 when the signed-in user is not the payment's owner (checked before settling)."""
    backend = PaymentBackendAccount.objects.filter(pk=backend_id, kind__in=EOPAYMENT_KINDS).first()
    if backend is None:
        raise UnknownReturn(f"no eopayment backend {backend_id}")
    gateway = EopaymentGateway(backend)
    content = _content(request)
    ours = CardPayment.objects.filter(backend=backend, gateway=gateway.code)
    if gateway.code == PAYFIP:
        # PayFiP's return names the idOp: one that is none of ours (or the signed-in user's) is
        # refused before PayFiP is asked anything about it.
        named = gateway.reference_in(content)
        _check(ours.filter(gateway_reference=named).first() if named else None, owner)
    try:
        reported = gateway.parse_response(content)
    except InvalidWebhookSignature as error:
        raise UnknownReturn(str(error)) from error
    payment = _check(ours.filter(gateway_reference=reported.reference).first(), owner)
    return payments.settle_card_payment(reported) or payment


@csrf_exempt  # the backend posts the browser back from its own site, without our CSRF token
@never_cache
@require_http_methods(["GET", "POST"])
def payer_return(request, backend_id: int):
    # The session cookie may not come back with a cross-site POST: the page we redirect to
    # asks the parent to sign in then, and shows only their own payment.
    owner = request.user if request.user.is_authenticated else None
    try:
        payment = _settle(request, backend_id, owner=owner)
    except UnknownReturn as error:
        logger.warning("Refused payment return at backend %s: %s", backend_id, error)
        return HttpResponseBadRequest(
            _("Ce retour de paiement n'est pas reconnu : rien n'a été modifié."),
            content_type="text/plain; charset=utf-8",
        )
    except GatewayError:
        logger.exception("Backend %s unreachable at the payer's return", backend_id)
        messages.info(
            request,
            _(
                "Nous n'avons pas encore la réponse de la banque : le paiement sera pris en "
                "compte automatiquement dès sa confirmation."
            ),
        )
        return redirect("portail:space")
    _tell(request, payment)
    return redirect(page_of(payment))


def page_of(payment: CardPayment) -> str:
    """The parent's page for a payment: its top-up, its order's payment page, or the invoices."""
    if payment.purpose == CardPaymentPurpose.TOP_UP:
        if payment.status == CardPaymentStatus.SUCCEEDED:
            return reverse("portail:wallet")
        return reverse("portail:wallet_top_up", args=[payment.pk])
    if payment.purpose == CardPaymentPurpose.INVOICE:
        return reverse("portail:invoices")
    return reverse("portail:order_payment", kwargs={"number": payment.order_number})


def _tell(request, payment: CardPayment) -> None:
    amount = euros(payment.amount)
    if payment.status == CardPaymentStatus.SUCCEEDED:
        if payment.purpose == CardPaymentPurpose.TOP_UP:
            text = _("Votre porte-monnaie a été crédité de %(amount)s.")
        else:
            text = _("Votre paiement de %(amount)s a été accepté.")
        messages.success(request, text % {"amount": amount})
    elif payment.status == CardPaymentStatus.FAILED:
        messages.error(
            request,
            _(
                "Votre banque a refusé le paiement de %(amount)s : rien n'a été débité. "
                "Réessayez avec une autre carte."
            )
            % {"amount": amount},
        )
    elif payment.status == CardPaymentStatus.CANCELED:
        messages.error(
            request,
            _("Le paiement de %(amount)s a été abandonné : rien n'a été débité.")
            % {"amount": amount},
        )
    else:
        messages.info(
            request,
            _(
                "Le paiement n'est pas encore confirmé : il sera pris en compte dès la "
                "confirmation de la banque."
            ),
        )


@csrf_exempt  # called by the backend's server: no session, no CSRF token
@require_POST
def notification(request, backend_id: int):
    """The backend's server notification: 200 once settled, 400 if it is none of ours, 503
    when the backend cannot be asked (the polling task settles it later)."""
    try:
        _settle(request, backend_id)
    except UnknownReturn as error:
        logger.warning("Refused payment notification at backend %s: %s", backend_id, error)
        return HttpResponseBadRequest("unknown payment", content_type="text/plain")
    except GatewayError:
        logger.exception("Backend %s unreachable at its own notification", backend_id)
        return HttpResponse("retry later", status=503, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")


# Mounted at /paiement/ by config/urls.py; the notification is in wallet/urls.py (/api/…).
urlpatterns = [
    path("retour/<int:backend_id>/", payer_return, name="wallet_payment_return"),
]
