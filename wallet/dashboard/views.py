"""Agents' wallet screens: find a family, see its pots and their history, credit or debit a pot.

An agent sees only the families of their communes (another family is a 404), their pots of those
communes' services and their general pot, and adjusts only the former; a pot of another commune
is a 404. Money moves only through wallet.ledger."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.translation import gettext, gettext_lazy
from django.views import generic
from django_tables2 import SingleTableView

from .. import ledger
from ..exceptions import InsufficientFundsError
from ..money import euros
from ..selectors import (
    adjustable_pots,
    adjustment_recorded,
    hydrate_movements,
    pot_name,
    services_for_agent,
    visible_pots,
)
from .forms import AdjustmentForm, ServiceCreditForm, WalletSearchForm
from .selectors import families_for_agent, movements_for_agent, search_families
from .tables import ParentWalletTable


class WalletListView(SingleTableView):
    template_name = "wallet/dashboard/wallet_list.html"
    extra_context = {"page_title": gettext_lazy("Porte-monnaie")}
    table_class = ParentWalletTable
    context_table_name = "families"

    def dispatch(self, request, *args, **kwargs):
        self.form = WalletSearchForm(request.GET or None)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        search = self.form.cleaned_data["q"] if self.form.is_valid() else ""
        return search_families(self.request.user, search)

    def get_table_pagination(self, table):
        return {"per_page": settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE}

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, **kwargs)


class WalletDetailView(generic.DetailView):
    """A family's pots as the agent sees them, the history of those pots, and the form that
    credits the pot of one of the agent's services."""

    template_name = "wallet/dashboard/wallet_detail.html"
    context_object_name = "family"

    def get_queryset(self):
        return families_for_agent(self.request.user)

    def get_context_data(self, **kwargs):
        agent, family = self.request.user, self.object
        pots = list(visible_pots(agent).filter(owner=family))
        adjustable = set(adjustable_pots(agent).filter(owner=family).values_list("pk", flat=True))
        paginator = Paginator(
            movements_for_agent(agent, family),
            settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE,
        )
        page = paginator.get_page(self.request.GET.get("page"))
        kwargs.setdefault("credit_form", ServiceCreditForm(services=services_for_agent(agent)))
        return super().get_context_data(
            pots=[(pot, pot.pk in adjustable) for pot in pots],
            movements=hydrate_movements(page.object_list),
            paginator=paginator,
            page_obj=page,
            **kwargs,
        )


class ServiceCreditView(WalletDetailView):
    """Posts the detail page's credit form; on error the page comes back with its errors."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = family = self.get_object()
        form = ServiceCreditForm(request.POST, services=services_for_agent(request.user))
        if form.is_valid():
            service = form.cleaned_data["service"]
            pot = ledger.service_pot(family, service.pk, service.commune_id)
            # A pot opened earlier under another commune (it should not happen) stays theirs.
            if not adjustable_pots(request.user).filter(pk=pot.pk).exists():
                form.add_error(
                    "service", gettext("Ce porte-monnaie ne dépend pas de vos communes.")
                )
            elif _adjust(request, pot, form):
                return redirect("wallet-dashboard:wallet-detail", pk=family.pk)
        return self.render_to_response(self.get_context_data(credit_form=form))


class PotAdjustView(generic.DetailView):
    """Credit or debit one pot the agent may adjust; any other pot is a 404."""

    template_name = "wallet/dashboard/pot_adjust.html"
    context_object_name = "pot"

    def get_queryset(self):
        return adjustable_pots(self.request.user).select_related("owner")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", AdjustmentForm())
        return super().get_context_data(pot_name=pot_name(self.object), **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = pot = self.get_object()
        form = AdjustmentForm(request.POST)
        if form.is_valid() and _adjust(request, pot, form):
            return redirect("wallet-dashboard:wallet-detail", pk=pot.owner_id)
        return self.render_to_response(self.get_context_data(form=form))


def _adjust(request, pot, form) -> bool:
    """Write the form's adjustment of `pot` through the ledger; False (with the error on the
    form, nothing written) when a debit exceeds the balance."""
    key = form.idempotency_key(request.user, pot)
    replayed = adjustment_recorded(key)
    try:
        ledger.adjust_pot(
            pot,
            form.signed_amount,
            reason=form.cleaned_data["reason"],
            agent=request.user,
            idempotency_key=key,
        )
    except InsufficientFundsError as error:
        form.add_error("amount", str(error))
        return False
    values = {
        "pot": pot_name(pot),
        "family": pot.owner.get_full_name() or pot.owner.email,
        "amount": euros(abs(form.signed_amount)),
    }
    if replayed:
        messages.info(
            request, gettext("Cet ajustement était déjà enregistré : il ne compte qu'une fois.")
        )
    elif form.signed_amount > 0:
        messages.success(
            request,
            gettext("Porte-monnaie « %(pot)s » de %(family)s crédité de %(amount)s.") % values,
        )
    else:
        messages.success(
            request,
            gettext("Porte-monnaie « %(pot)s » de %(family)s débité de %(amount)s.") % values,
        )
    return True
