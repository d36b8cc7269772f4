"""Agents' family screens: accounts to validate and access requests to examine, each scoped to
the agent's communes (another commune's row is a 404). Every change goes through a service."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django_tables2 import SingleTableView

from accounts.services import validate_account

from ..access import accept_access, refuse_access, request_new_document
from ..selectors import accesses_for_agent
from .forms import AcceptAccessForm, AccessSearchForm, RefuseAccessForm, RequestDocumentForm
from .selectors import accounts_awaiting_validation
from .tables import AccessTable, AccountTable


class AccountListView(SingleTableView):
    template_name = "reservations/dashboard/account_list.html"
    table_class = AccountTable
    context_table_name = "accounts"

    def get_queryset(self):
        return accounts_awaiting_validation(self.request.user)

    def get_table_pagination(self, table):
        return {"per_page": settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE}


class AccountValidateView(generic.View):
    http_method_names = ["post"]

    def post(self, request, pk):
        account = get_object_or_404(accounts_awaiting_validation(request.user), pk=pk)
        validate_account(account, validated_by=request.user)
        messages.success(
            request,
            gettext("Le compte de %(name)s est validé ; un e-mail l'en informe.")
            % {"name": account.get_full_name() or account.email},
        )
        return redirect("families-dashboard:account-list")


class AccessListView(SingleTableView):
    template_name = "reservations/dashboard/access_list.html"
    table_class = AccessTable
    context_table_name = "accesses"

    def dispatch(self, request, *args, **kwargs):
        self.form = AccessSearchForm(request.GET or None, agent=request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        # The list shows no documents nor history: keep only the prefetch it renders.
        queryset = (
            accesses_for_agent(self.request.user)
            .prefetch_related(None)
            .prefetch_related("beneficiaries")
        )
        # An invalid filter (a service of another commune, say) shows the form's error and the
        # unfiltered list, as Oscar's search forms do.
        if self.form.is_valid():
            if service := self.form.cleaned_data["service"]:
                queryset = queryset.filter(tariff_option__parent=service)
            if status := self.form.cleaned_data["status"]:
                queryset = queryset.filter(status=status)
        return queryset

    def get_table_pagination(self, table):
        return {"per_page": settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE}

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, **kwargs)


class AccessDetailView(generic.DetailView):
    template_name = "reservations/dashboard/access_detail.html"
    context_object_name = "access"
    decision_forms = {
        "accept_form": AcceptAccessForm,
        "refuse_form": RefuseAccessForm,
        "document_form": RequestDocumentForm,
    }

    def get_queryset(self):
        return accesses_for_agent(self.request.user)

    def get_context_data(self, **kwargs):
        for name, form_class in self.decision_forms.items():
            kwargs.setdefault(name, form_class())
        return super().get_context_data(**kwargs)


class AccessDecisionView(AccessDetailView):
    """Posts one of the detail page's forms to its service; on error the page comes back with
    the form's errors and the request unchanged."""

    http_method_names = ["post"]
    form_name: str
    success_message: str

    def decide(self, access, data):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.decision_forms[self.form_name](request.POST)
        if form.is_valid():
            try:
                self.decide(self.object, form.cleaned_data)
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, self.success_message)
                return redirect("families-dashboard:access-detail", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(**{self.form_name: form}))


class AccessAcceptView(AccessDecisionView):
    form_name = "accept_form"
    success_message = _("La demande est acceptée ; la famille est prévenue par e-mail.")

    def decide(self, access, data):
        accept_access(access, tariff_bracket=data["tariff_bracket"], by=self.request.user)


class AccessRefuseView(AccessDecisionView):
    form_name = "refuse_form"
    success_message = _("La demande est refusée ; la famille est prévenue par e-mail.")

    def decide(self, access, data):
        refuse_access(access, reason=data["reason"], by=self.request.user)


class AccessRequestDocumentView(AccessDecisionView):
    form_name = "document_form"
    success_message = _("Une nouvelle pièce est demandée à la famille par e-mail.")

    def decide(self, access, data):
        request_new_document(
            access, kind=data["kind"], message=data["message"], by=self.request.user
        )
