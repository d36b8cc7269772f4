"""Agents' family screens: accounts to validate and access requests to examine, each scoped to
the agent's communes (another commune's row is a 404). Every change goes through a service."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django_tables2 import SingleTableView

from accounts.roles import ActorRole
from accounts.services import validate_account

from ..access import accept_access, refuse_access, request_new_document
from ..bookings import cancel_booking
from ..closures import close_day, reopen_day
from ..exceptions import CancellationRefused
from ..exports import SafeCSVWriter
from ..headcount import headcount_for
from ..selectors import accesses_for_agent
from .forms import (
    AcceptAccessForm,
    AccessSearchForm,
    ClosureForm,
    HeadcountForm,
    RefuseAccessForm,
    RequestDocumentForm,
)
from .selectors import accounts_awaiting_validation, bookings_for_agent, closures_for_agent
from .tables import AccessTable, AccountTable


class AccountListView(SingleTableView):
    template_name = "reservations/dashboard/account_list.html"
    extra_context = {"page_title": _("Comptes à valider")}
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
    extra_context = {"page_title": _("Demandes d'accès")}
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


# --- Headcount ------------------------------------------------------------------------------


def headcount_url(service_id, day) -> str:
    query = urlencode({"service": service_id, "date": day.isoformat()})
    return f"{reverse('families-dashboard:headcount')}?{query}"


class HeadcountMixin:
    """Reads ?service=&date= into a HeadcountForm; a service outside the agent's communes is a
    404, as any other commune's row."""

    def get_form(self):
        return HeadcountForm(
            self.request.GET or None,
            agent=self.request.user,
            initial={"date": timezone.localdate()},
        )

    def get_headcount(self, form):
        if not form.is_bound:
            return None
        if not form.is_valid():
            if form.data.get("service") and "service" in form.errors:
                raise Http404
            return None
        return headcount_for(form.cleaned_data["service"], form.cleaned_data["date"])


class HeadcountView(HeadcountMixin, generic.TemplateView):
    template_name = "reservations/dashboard/headcount.html"

    def get_context_data(self, **kwargs):
        form = self.get_form()
        return super().get_context_data(
            form=form,
            headcount=self.get_headcount(form),
            **kwargs,
        )


CSV_HEADER = [
    _("Classe"),
    _("Nom"),
    _("Prénom"),
    _("PAI"),
    _("Détails du PAI"),
    _("Famille"),
    _("E-mail de la famille"),
    _("Statut"),
]


class HeadcountExportView(HeadcountMixin, generic.View):
    """The headcount as a CSV file for Excel: semicolons and a byte-order mark, so that a French
    Excel splits the columns and reads the accents; names typed by families cannot become
    formulas there."""

    http_method_names = ["get"]

    def get(self, request):
        form = self.get_form()
        headcount = self.get_headcount(form)
        if headcount is None:
            return HttpResponseBadRequest(gettext("Choisissez un service et un jour."))
        filename = f"effectif-{slugify(headcount.service.title)}-{headcount.day:%Y-%m-%d}.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.write("\ufeff")
        writer = SafeCSVWriter(response, delimiter=";")
        writer.writerow([str(title) for title in CSV_HEADER])
        for group in headcount.groups:
            for booking in group.bookings:
                beneficiary, account = booking.beneficiary, booking.account
                writer.writerow(
                    [
                        group.label,
                        beneficiary.last_name,
                        beneficiary.first_name,
                        gettext("Oui") if beneficiary.has_pai else gettext("Non"),
                        beneficiary.pai_details if beneficiary.has_pai else "",
                        account.get_full_name(),
                        account.email,
                        booking.get_status_display(),
                    ]
                )
        return response


class BookingCancelView(generic.View):
    """Cancels a booking on the parent's behalf, whatever its deadline: the price goes back to
    the service's pot and the booking records the agent who cancelled it. Back to the page that
    posted (`next`: the family's booking page), or to the day's headcount."""

    http_method_names = ["post"]

    def post(self, request, pk):
        booking = get_object_or_404(
            bookings_for_agent(request.user).select_related("beneficiary"), pk=pk
        )
        try:
            cancel_booking(
                booking,
                by=request.user,
                role=ActorRole.AGENT,
                now=timezone.now(),
                reason=gettext("Annulé par la mairie"),
                enforce_deadline=False,
            )
        except CancellationRefused as error:
            messages.error(request, error.detail)
        else:
            messages.success(
                request,
                gettext(
                    "Le repas de %(name)s du %(date)s est annulé ; son prix est rendu au "
                    "porte-monnaie du service de la famille."
                )
                % {"name": booking.beneficiary, "date": f"{booking.date:%d/%m/%Y}"},
            )
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(next_url)
        return redirect(headcount_url(booking.service_id, booking.date))


# --- Closures -------------------------------------------------------------------------------


class ClosureListView(generic.ListView):
    """The closures of the agent's communes, and the form to close a day: its paid meals are
    cancelled and refunded, and each family is told by e-mail."""

    template_name = "reservations/dashboard/closure_list.html"
    extra_context = {
        "page_title": _("Fermetures exceptionnelles"),
        "breadcrumb_label": _("Fermetures"),
    }
    context_object_name = "closures"
    paginate_by = settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE
    http_method_names = ["get", "post"]

    def get_queryset(self):
        return closures_for_agent(self.request.user)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ClosureForm(agent=self.request.user))
        return super().get_context_data(**kwargs)

    def post(self, request):
        form = ClosureForm(request.POST, agent=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                closed = close_day(data["service"], data["date"], data["reason"], by=request.user)
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, self.success_message(closed))
                if closed.pending_payment:
                    messages.warning(request, self.pending_message(closed))
                return redirect("families-dashboard:closure-list")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))

    @staticmethod
    def success_message(closed) -> str:
        return ngettext(
            "%(service)s est fermé le %(date)s : %(count)d repas est annulé et remboursé, la "
            "famille est prévenue par e-mail.",
            "%(service)s est fermé le %(date)s : %(count)d repas sont annulés et remboursés, "
            "les familles sont prévenues par e-mail.",
            len(closed.cancelled),
        ) % {
            "service": closed.closure.calendar.service.title,
            "date": f"{closed.closure.date:%d/%m/%Y}",
            "count": len(closed.cancelled),
        }

    @staticmethod
    def pending_message(closed) -> str:
        return gettext(
            "%(count)d réservation(s) attendent encore leur paiement par carte : sans paiement "
            "elles seront annulées automatiquement ; une fois payées, annulez-les depuis "
            "l'effectif du jour."
        ) % {"count": len(closed.pending_payment)}


class ClosureDeleteView(generic.View):
    """Re-opens the day for bookings; the meals cancelled by the closure stay cancelled."""

    http_method_names = ["post"]

    def post(self, request, pk):
        closure = get_object_or_404(closures_for_agent(request.user), pk=pk)
        reopen_day(closure)
        messages.success(
            request,
            gettext("%(service)s est de nouveau ouvert le %(date)s ; les repas annulés le restent.")
            % {"service": closure.calendar.service.title, "date": f"{closure.date:%d/%m/%Y}"},
        )
        return redirect("families-dashboard:closure-list")
