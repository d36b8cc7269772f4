"""Agents' family screens: accounts to validate and access requests to examine, each scoped to
the agent's communes (another commune's row is a 404). Every change goes through a service."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django_tables2 import SingleTableView

from accounts.roles import ActorRole
from accounts.services import refusal_reason, refuse_account, validate_account

from ..access import accept_access, refuse_access, request_new_document
from ..bookings import cancel_booking
from ..caterer import snapshot_context
from ..closures import PreviewChanged, close, preview_closure, reopen_day
from ..exceptions import CancellationRefused
from ..exports import SafeCSVWriter
from ..headcount import headcount_for, next_service_day
from ..models import Beneficiary, CatererRecipient, HeadcountSnapshot, ServiceAccess
from ..selectors import accesses_for_agent
from .forms import (
    AcceptAccessForm,
    AccessSearchForm,
    CatererRecipientForm,
    ClosureForm,
    HeadcountForm,
    RefuseAccessForm,
    RequestDocumentForm,
)
from .selectors import (
    account_refusals,
    accounts_awaiting_validation,
    bookings_for_agent,
    closures_for_agent,
    parents_for_agent,
    recipients_for_agent,
    snapshots_for_agent,
)
from .tables import AccessTable, AccountTable


class AccountListView(SingleTableView):
    """The parents waiting for validation, oldest first; `?statut=refuses` lists those refused
    (still unable to book) so that one can be validated once the family has answered."""

    template_name = "reservations/dashboard/account_list.html"
    table_class = AccountTable
    context_table_name = "accounts"

    @property
    def refused(self) -> bool:
        return self.request.GET.get("statut") == "refuses"

    def get_queryset(self):
        return accounts_awaiting_validation(self.request.user, refused=self.refused)

    def get_table_pagination(self, table):
        return {"per_page": settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE}

    def get_context_data(self, **kwargs):
        title = _("Comptes refusés") if self.refused else _("Comptes à valider")
        return super().get_context_data(page_title=title, refused=self.refused, **kwargs)


class AccountDetailView(generic.DetailView):
    """A parent's account before deciding: profile, children, access requests (with their
    documents when the request is at one of the agent's communes), previous refusals."""

    template_name = "reservations/dashboard/account_detail.html"
    context_object_name = "account"

    def get_queryset(self):
        return parents_for_agent(self.request.user)

    def get_context_data(self, **kwargs):
        account = self.object
        agent = self.request.user
        ours = accesses_for_agent(agent).filter(account=account).order_by("-created_at", "pk")
        others = (
            ServiceAccess.objects.filter(account=account)
            .exclude(pk__in=ours.values("pk"))
            .select_related("commune", "tariff_option__parent")
            .order_by("-created_at", "pk")
        )
        refusals = (
            account_refusals()
            .filter(object_id=str(account.pk))
            .select_related("user")
            .order_by("-action_time", "-pk")
        )
        kwargs.setdefault("refuse_form", RefuseAccessForm())
        return super().get_context_data(
            page_title=account.get_full_name() or account.email,
            beneficiaries=Beneficiary.objects.filter(account=account).order_by("first_name", "pk"),
            accesses=list(ours),
            other_accesses=list(others),
            refusals=[(entry, refusal_reason(entry.change_message)) for entry in refusals],
            **kwargs,
        )


class AccountValidateView(generic.View):
    http_method_names = ["post"]

    def post(self, request, pk):
        account = get_object_or_404(
            # A refused account may still be validated once the family has answered.
            parents_for_agent(request.user).filter(validated_at__isnull=True),
            pk=pk,
        )
        validate_account(account, validated_by=request.user)
        messages.success(
            request,
            gettext("Le compte de %(name)s est validé ; un e-mail l'en informe.")
            % {"name": account.get_full_name() or account.email},
        )
        return redirect("families-dashboard:account-list")


class AccountRefuseView(AccountDetailView):
    """Refuses a pending account with the reason the family receives; on error the detail page
    comes back with the form's error."""

    http_method_names = ["post"]

    def get_queryset(self):
        return accounts_awaiting_validation(self.request.user)

    def post(self, request, pk):
        self.object = self.get_object()
        form = RefuseAccessForm(request.POST)
        if form.is_valid():
            try:
                refuse_account(
                    self.object, refused_by=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(
                    request,
                    gettext("Le compte de %(name)s est refusé ; un e-mail lui en donne le motif.")
                    % {"name": self.object.get_full_name() or self.object.email},
                )
                return redirect("families-dashboard:account-list")
        context = self.get_context_data(refuse_form=form)
        return self.render_to_response(context, status=400)


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
            kwargs.setdefault(name, form_class(initial=self.initial_for(name)))
        return super().get_context_data(**kwargs)

    def initial_for(self, form_name: str) -> dict:
        if form_name != "accept_form":
            return {}
        # The family's own figures, for the agent to check against the documents.
        access = self.object
        return {
            "reference_tax_income": access.reference_tax_income,
            "tax_shares": access.tax_shares,
            "family_quotient": access.family_quotient,
        }


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
        accept_access(
            access,
            by=self.request.user,
            tariff_bracket=data["tariff_bracket"],
            reference_tax_income=data["reference_tax_income"],
            tax_shares=data["tax_shares"],
            family_quotient=data["family_quotient"],
            correction_reason=data["correction_reason"],
        )


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
        return HeadcountForm(self.request.GET or None, agent=self.request.user)

    def check_service(self, form):
        if form.is_bound and not form.is_valid():
            if form.data.get("service") and "service" in form.errors:
                raise Http404

    def get_headcount(self, form):
        """The export's headcount: service and day both given."""
        self.check_service(form)
        if not form.is_bound or not form.is_valid():
            return None
        if not (form.cleaned_data["service"] and form.cleaned_data["date"]):
            return None
        return headcount_for(form.cleaned_data["service"], form.cleaned_data["date"])


class HeadcountView(HeadcountMixin, generic.TemplateView):
    """The headcount of the service and day asked; by default the agent's first service (by
    name) on its next service day (today when it opens today). Printable."""

    template_name = "reservations/dashboard/headcount.html"

    def get_context_data(self, **kwargs):
        form = self.get_form()
        self.check_service(form)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        service = data.get("service") or form.fields["service"].queryset.first()
        headcount = snapshot = None
        if service is not None and not (form.is_bound and form.errors):
            day = data.get("date") or next_service_day(service, timezone.localdate())
            headcount = headcount_for(service, day)
            snapshot = HeadcountSnapshot.objects.filter(service=service, date=day).first()
            # The form shows the service and day counted, defaults included.
            form = HeadcountForm(initial={"service": service, "date": day}, agent=self.request.user)
        previous_day = headcount.previous_day if headcount else None
        next_day = headcount.next_day if headcount else None
        return super().get_context_data(
            form=form,
            headcount=headcount,
            snapshot=snapshot,
            previous_url=previous_day and headcount_url(service.pk, previous_day),
            next_url=next_day and headcount_url(service.pk, next_day),
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
    _("Régime"),
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
                        beneficiary.get_diet_display(),
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
    """The closures of the agent's communes, and the form to close a service, a class or a
    group for a day or a range of days. Posting it shows a preview (the meals it cancels and
    the refunds per family); nothing changes until the preview is confirmed."""

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

    def render_form(self, form):
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request):
        form = ClosureForm(request.POST, agent=request.user)
        if form.is_valid():
            try:
                preview = preview_closure(form.closure_request())
            except ValidationError as error:
                form.add_service_error(error)
            else:
                return render_preview(request, form, preview)
        return self.render_form(form)


def render_preview(request, form, preview, *, status=200):
    """The preview page: what the closure cancels and refunds, and the confirmation form that
    carries the request and the preview's token in hidden fields."""
    data = {name: form.data.get(name, "") for name in form.fields}
    data["token"] = preview.token
    confirm_form = ClosureForm(data, agent=request.user)
    for field in confirm_form.fields.values():
        field.widget = field.hidden_widget()
    return TemplateResponse(
        request,
        "reservations/dashboard/closure_preview.html",
        {
            "page_title": gettext("Aperçu de la fermeture"),
            "breadcrumb_label": gettext("Aperçu"),
            "preview": preview,
            "closure_request": preview.request,
            "form": confirm_form,
        },
        status=status,
    )


class ClosureConfirmView(ClosureListView):
    """Closes as previewed: the token must be the one of the bookings as they are now, or the
    new preview is shown to confirm again."""

    def post(self, request):
        form = ClosureForm(request.POST, agent=request.user)
        if not form.is_valid():
            return self.render_form(form)
        closure_request = form.closure_request()
        try:
            closed = close(
                closure_request,
                by=request.user,
                token=form.cleaned_data["token"],
                now=timezone.now(),
            )
        except PreviewChanged as changed:
            messages.warning(
                request,
                gettext(
                    "Les réservations ont changé depuis l'aperçu : rien n'est fermé. Vérifiez "
                    "ce nouvel aperçu, puis confirmez."
                ),
            )
            return render_preview(request, form, changed.preview)
        except CancellationRefused as error:
            messages.error(
                request,
                gettext("Rien n'est fermé : %(error)s Vérifiez ce nouvel aperçu, puis confirmez.")
                % {"error": error.detail},
            )
            return render_preview(request, form, preview_closure(closure_request))
        except ValidationError as error:
            form.add_service_error(error)
            return self.render_form(form)
        messages.success(request, self.success_message(closure_request, closed))
        if closed.pending_payment:
            messages.warning(request, self.pending_message(closed))
        return redirect("families-dashboard:closure-list")

    def get(self, request, *args, **kwargs):
        return redirect("families-dashboard:closure-list")

    @staticmethod
    def success_message(closure_request, closed) -> str:
        return ngettext(
            "%(service)s est fermé %(dates)s pour %(scope)s : %(count)d repas est annulé et "
            "remboursé, la famille est prévenue par e-mail.",
            "%(service)s est fermé %(dates)s pour %(scope)s : %(count)d repas sont annulés et "
            "remboursés, les familles sont prévenues par e-mail.",
            len(closed.cancelled),
        ) % {
            "service": closure_request.service.title,
            "dates": closure_request.dates_label(),
            "scope": closure_request.scope_label(),
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
    """Re-opens the days for bookings; the meals cancelled by the closure stay cancelled."""

    http_method_names = ["post"]

    def post(self, request, pk):
        closure = get_object_or_404(closures_for_agent(request.user), pk=pk)
        reopen_day(closure)
        messages.success(
            request,
            gettext("%(service)s est de nouveau ouvert %(dates)s ; les repas annulés le restent.")
            % {"service": closure.calendar.service.title, "dates": closure_dates(closure)},
        )
        return redirect("families-dashboard:closure-list")


def closure_dates(closure) -> str:
    if closure.end_date == closure.date:
        return gettext("le %(date)s") % {"date": f"{closure.date:%d/%m/%Y}"}
    return gettext("du %(start)s au %(end)s") % {
        "start": f"{closure.date:%d/%m/%Y}",
        "end": f"{closure.end_date:%d/%m/%Y}",
    }


# --- The caterer's headcount ------------------------------------------------------------------


class CatererView(generic.ListView):
    """The addresses each service's frozen headcount goes to (added and removed here) and the
    headcounts frozen and sent so far, latest day first."""

    template_name = "reservations/dashboard/caterer.html"
    extra_context = {
        "page_title": _("Effectifs envoyés au prestataire"),
        "breadcrumb_label": _("Prestataire"),
    }
    context_object_name = "snapshots"
    paginate_by = settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE
    http_method_names = ["get", "post"]

    def get_queryset(self):
        return snapshots_for_agent(self.request.user)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", CatererRecipientForm(agent=self.request.user))
        return super().get_context_data(
            recipients=recipients_for_agent(self.request.user), **kwargs
        )

    def post(self, request):
        form = CatererRecipientForm(request.POST, agent=request.user)
        if form.is_valid():
            recipient = CatererRecipient.objects.create(
                created_by=request.user, **form.cleaned_data
            )
            messages.success(
                request,
                gettext(
                    "%(email)s recevra l'effectif de %(service)s à chaque date limite de "
                    "réservation."
                )
                % {"email": recipient.email, "service": recipient.service.title},
            )
            return redirect("families-dashboard:caterer")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))


class CatererRecipientDeleteView(generic.View):
    http_method_names = ["post"]

    def post(self, request, pk):
        recipient = get_object_or_404(recipients_for_agent(request.user), pk=pk)
        recipient.delete()
        messages.success(
            request,
            gettext("%(email)s ne recevra plus l'effectif de %(service)s.")
            % {"email": recipient.email, "service": recipient.service.title},
        )
        return redirect("families-dashboard:caterer")


class SnapshotDetailView(generic.DetailView):
    """One frozen headcount as the caterer received it; printable."""

    template_name = "reservations/dashboard/snapshot_detail.html"
    context_object_name = "snapshot"

    def get_queryset(self):
        return snapshots_for_agent(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**snapshot_context(self.object), **kwargs)
