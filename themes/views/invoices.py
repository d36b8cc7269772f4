"""Mes factures: the family's invoices of post-paid services, each with its lines and how they
were computed, its PDF, paying it (wallet, or online through the régie's backend: card or
PayFiP), and the SEPA mandate form. The same services as /api/invoices/; another family's
invoice is a 404. Money moves only on the gateway's word (confirm asks it)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from billing import payments, pdf, rules, selectors, sepa
from billing.exceptions import BillingError
from billing.models import UNPAID_STATUSES, Invoice
from wallet import payments as wallet_payments
from wallet.models import CardPayment, CardPaymentPurpose, CardPaymentStatus
from wallet.selectors import statement_of

from .. import card_secrets
from ..access import parent_required
from ..security import stripe_js_page


def _own(request, pk) -> Invoice:
    try:
        return selectors.invoice_detail(selectors.invoices_of(request.user), pk)
    except Invoice.DoesNotExist as error:
        raise Http404 from error


@require_GET
@parent_required
def invoice_list(request):
    invoices = list(selectors.invoices_of(request.user))
    regies = {invoice.regie_id: invoice.regie for invoice in invoices}
    mandates = {
        regie_id: selectors.active_mandate(request.user, r) for regie_id, r in regies.items()
    }
    context = {
        "invoices": invoices,
        "unpaid": [i for i in invoices if i.status in UNPAID_STATUSES],
        "regies": [{"regie": r, "mandate": mandates[pk]} for pk, r in regies.items()],
    }
    return render(request, "themes/invoices/list.html", context)


@require_GET
@parent_required
def invoice_detail(request, pk):
    invoice = _own(request, pk)
    context = {
        "invoice": invoice,
        "unpaid": invoice.status in UNPAID_STATUSES,
        "wallet_total": statement_of(request.user).total,
        "mandate": selectors.active_mandate(request.user, invoice.regie),
    }
    return render(request, "themes/invoices/detail.html", context)


@require_GET
@parent_required
def invoice_pdf(request, pk):
    return pdf.pdf_response(_own(request, pk))


@require_POST
@parent_required
def pay_invoice(request, pk):
    invoice = _own(request, pk)
    try:
        if request.POST.get("method") == "wallet":
            payments.pay_with_wallet(request.user, invoice.pk)
            messages.success(request, _("Facture payée avec votre porte-monnaie. Merci !"))
            return redirect("portail:invoice_detail", pk=invoice.pk)
        step = payments.start_card_payment(request.user, invoice.pk)
    except BillingError as error:
        messages.error(request, str(error))
        return redirect("portail:invoice_detail", pk=invoice.pk)
    except wallet_payments.GatewayUnavailableError as error:
        messages.error(request, str(error))
        return redirect("portail:invoice_detail", pk=invoice.pk)
    if step.redirect_url:
        # PayFiP (or the bank) takes the card on its own page, then sends the parent back.
        return redirect(step.redirect_url)
    card_secrets.remember(request, step.payment.pk, step.client_secret)
    return redirect("portail:invoice_payment", pk=invoice.pk, payment=step.payment.pk)


def _payment_of(request, invoice, payment_pk) -> CardPayment:
    return get_object_or_404(
        CardPayment,
        pk=payment_pk,
        owner=request.user,
        purpose=CardPaymentPurpose.INVOICE,
        order_number=invoice.number,
    )


# never_cache: the page may hold Stripe's client secret (themes/card_secrets.py).
@stripe_js_page
@never_cache
@require_GET
@parent_required
def invoice_payment(request, pk, payment):
    invoice = _own(request, pk)
    card_payment = _payment_of(request, invoice, payment)
    # A declined card does not end a Stripe payment: another card may still pay it.
    pending = card_payment.status == CardPaymentStatus.PENDING or (
        card_payment.status == CardPaymentStatus.FAILED and bool(card_payment.gateway_reference)
    )
    offline = card_payment.gateway == "offline"
    if not pending:
        card_secrets.forget(request, card_payment.pk)
    client_secret = card_secrets.recall(request, card_payment.pk) if pending else None
    publishable_key = wallet_payments.gateway_of_payment(card_payment).publishable_key
    context = {
        "invoice": invoice,
        "payment": card_payment,
        "pending": pending,
        "offline": offline,
        # Stripe.js is loaded on this page only, and only when there is a card to confirm.
        "stripe": pending and not offline and bool(client_secret and publishable_key),
        "client_secret": client_secret,
        "publishable_key": publishable_key,
    }
    return render(request, "themes/invoices/payment.html", context)


@require_POST
@parent_required
def confirm_payment(request, pk, payment):
    invoice = _own(request, pk)
    card_payment = _payment_of(request, invoice, payment)
    try:
        card_payment = wallet_payments.confirm_card_payment(request.user, card_payment.pk)
    except wallet_payments.GatewayUnavailableError as error:
        messages.error(request, str(error))
        return redirect("portail:invoice_payment", pk=invoice.pk, payment=card_payment.pk)
    if card_payment.status in wallet_payments.FINAL_STATUSES:
        card_secrets.forget(request, card_payment.pk)
    if card_payment.status == CardPaymentStatus.SUCCEEDED:
        messages.success(request, _("Paiement accepté : votre facture est réglée. Merci !"))
        return redirect("portail:invoice_detail", pk=invoice.pk)
    messages.info(
        request,
        _(
            "Le paiement n'est pas encore confirmé : il sera pris en compte dès la réponse de "
            "la banque."
        ),
    )
    return redirect("portail:invoice_payment", pk=invoice.pk, payment=card_payment.pk)


@require_POST
@parent_required
def sign_mandate(request):
    invoice = selectors.invoices_of(request.user).filter(regie_id=request.POST.get("regie")).first()
    if invoice is None:
        raise Http404
    try:
        sepa.sign_mandate(
            request.user,
            invoice.regie,
            holder=request.POST.get("holder", ""),
            iban=request.POST.get("iban", ""),
            bic=request.POST.get("bic", ""),
            signed_on=timezone.localdate(),
        )
    except rules.BankDetailsError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Mandat de prélèvement enregistré : %(regie)s prélèvera vos prochaines factures.")
            % {"regie": invoice.regie.name},
        )
    return redirect("portail:invoices")


@require_POST
@parent_required
def revoke_mandate(request, pk):
    mandate = get_object_or_404(request.user.sepa_mandates.filter(revoked_at__isnull=True), pk=pk)
    sepa.revoke_mandate(request.user, mandate.pk)
    messages.success(
        request,
        _("Mandat révoqué : vos prochaines factures ne seront plus prélevées."),
    )
    return redirect("portail:invoices")


urlpatterns = [
    path("espace/factures/", invoice_list, name="invoices"),
    path("espace/factures/mandat/", sign_mandate, name="invoice_mandate"),
    path(
        "espace/factures/mandat/<int:pk>/revoquer/", revoke_mandate, name="invoice_mandate_revoke"
    ),
    path("espace/factures/<int:pk>/", invoice_detail, name="invoice_detail"),
    path("espace/factures/<int:pk>.pdf", invoice_pdf, name="invoice_pdf"),
    path("espace/factures/<int:pk>/payer/", pay_invoice, name="invoice_pay"),
    path(
        "espace/factures/<int:pk>/paiement/<int:payment>/", invoice_payment, name="invoice_payment"
    ),
    path(
        "espace/factures/<int:pk>/paiement/<int:payment>/confirmer/",
        confirm_payment,
        name="invoice_payment_confirm",
    ),
]
