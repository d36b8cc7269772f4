"""Mon porte-monnaie: what each pot holds, its movements, and topping it up by card.

The same services as /api/wallet/ and /api/wallet/top-ups/: money is credited only on the
gateway's word (`confirm_card_payment` asks it, Stripe's webhook tells it), never here."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from wallet import payments
from wallet.api.top_ups import top_up_of
from wallet.forecast import forecast_of
from wallet.models import AccountKind, CardPaymentStatus
from wallet.money import euros
from wallet.selectors import (
    hydrate_movements,
    movements_of,
    pot_name,
    statement_of,
)

from .. import card_secrets
from ..access import parent_required
from ..forms.money import TopUpForm
from ..security import stripe_js_page

MOVEMENTS_PER_PAGE = 20


def _wallet_page(request, form):
    statement = statement_of(request.user)
    page = Paginator(movements_of(request.user), MOVEMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "statement": statement,
        "pots": [
            {
                "name": pot_name(pot),
                "balance": pot.balance,
                "general": pot.kind == AccountKind.GENERAL_POT,
            }
            for pot in statement.pots
        ],
        "page": page,
        "movements": hydrate_movements(page.object_list),
        "form": form,
        "amounts": payments.top_up_amounts(),
        "forecast": forecast_of(request.user, today=timezone.localdate()),
    }
    return render(request, "themes/wallet/wallet.html", context)


@require_GET
@parent_required
def wallet(request):
    return _wallet_page(request, TopUpForm())


@require_POST
@parent_required
def start_top_up(request):
    form = TopUpForm(request.POST)
    if not form.is_valid():
        return _wallet_page(request, form)
    try:
        top_up = payments.start_top_up(request.user, form.cleaned_data["amount"])
    except ValidationError as error:
        for message in error.message_dict.get("amount", error.messages):
            form.add_error("amount", message)
        return _wallet_page(request, form)
    except payments.GatewayUnavailableError as error:
        messages.error(request, str(error))
        return redirect("portail:wallet")
    card_secrets.remember(request, top_up.payment.pk, top_up.client_secret)
    if top_up.redirect_url:
        # PayFiP takes the card on its own page, then sends the parent back to ours.
        return redirect(top_up.redirect_url)
    return redirect("portail:wallet_top_up", pk=top_up.payment.pk)


# never_cache: the page may hold the client secret, which no cache (proxy, back button of a
# shared computer) may keep.
@stripe_js_page
@never_cache
@require_GET
@parent_required
def top_up_page(request, pk):
    payment = top_up_of(request.user, pk)
    top_up = payments.describe_top_up(payment)
    # A declined card does not end a payment: another card may still pay it.
    pending = payment.status == CardPaymentStatus.PENDING or (
        payment.status == CardPaymentStatus.FAILED and bool(payment.gateway_reference)
    )
    offline = payment.gateway == "offline"
    if not pending:
        # Settled here, by the webhook or by the timeout: the secret has no more use.
        card_secrets.forget(request, pk)
    client_secret = card_secrets.recall(request, pk) if pending else None
    publishable_key = payments.gateway_of_payment(payment).publishable_key
    context = {
        "payment": payment,
        "top_up": top_up,
        "pending": pending,
        "offline": offline,
        # Stripe.js is loaded on this page only, and only when there is a card to confirm.
        "stripe": pending and not offline and bool(client_secret and publishable_key),
        "client_secret": client_secret,
        "publishable_key": publishable_key,
    }
    return render(request, "themes/wallet/top_up.html", context)


@require_POST
@parent_required
def confirm_top_up(request, pk):
    top_up_of(request.user, pk)
    try:
        payment = payments.confirm_card_payment(request.user, pk)
    except payments.GatewayUnavailableError as error:
        messages.error(request, str(error))
        return redirect("portail:wallet_top_up", pk=pk)
    if payment.status in payments.FINAL_STATUSES:
        card_secrets.forget(request, pk)
    if payment.status == CardPaymentStatus.SUCCEEDED:
        messages.success(
            request,
            _("Votre porte-monnaie a été crédité de %(amount)s.")
            % {"amount": euros(payment.amount)},
        )
        return redirect("portail:wallet")
    if payment.status == CardPaymentStatus.CANCELED:
        messages.error(request, _("Ce rechargement a été annulé : rien n'a été débité."))
        return redirect("portail:wallet")
    messages.info(
        request,
        _(
            "Le paiement n'est pas encore confirmé : votre solde sera crédité dès la confirmation "
            "de la banque."
        ),
    )
    return redirect("portail:wallet_top_up", pk=pk)


urlpatterns = [
    path("espace/porte-monnaie/", wallet, name="wallet"),
    path("espace/porte-monnaie/recharger/", start_top_up, name="wallet_top_up_start"),
    path("espace/porte-monnaie/recharge/<int:pk>/", top_up_page, name="wallet_top_up"),
    path(
        "espace/porte-monnaie/recharge/<int:pk>/confirmer/",
        confirm_top_up,
        name="wallet_top_up_confirm",
    ),
]
