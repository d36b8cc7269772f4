"""Agents examine the absence certificates of their communes' services: the list (pending
first), one certificate with its file and the days it covers, accept or refuse with a reason.
Another commune's certificate is a 404."""

import filetype
from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import generic

from accounts.selectors import communes_of

from ..justifications import (
    JustificationError,
    accept_justification,
    booked_days,
    refuse_justification,
)
from ..models import AbsenceJustification, Attendance, JustificationStatus
from ..uploads import DOCUMENT_TYPES


def justifications_for_agent(agent):
    return AbsenceJustification.objects.filter(commune__in=communes_of(agent)).select_related(
        "account", "beneficiary", "service", "commune", "reviewed_by"
    )


class RefuseJustificationForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("La famille le reçoit par e-mail."),
    )


class JustificationListView(generic.ListView):
    """The certificates of the agent's communes: pending ones first, oldest first among them."""

    template_name = "reservations/dashboard/justification_list.html"
    context_object_name = "justifications"
    paginate_by = 50

    def get_queryset(self):
        status = self.request.GET.get("statut", JustificationStatus.PENDING)
        queryset = justifications_for_agent(self.request.user)
        if status in JustificationStatus.values:
            queryset = queryset.filter(status=status)
        return queryset.order_by("created_at", "pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            statuses=JustificationStatus.choices,
            status=self.request.GET.get("statut", JustificationStatus.PENDING),
            **kwargs,
        )


class JustificationDetailView(generic.DetailView):
    """One certificate, the booked days it covers with their pointage; POST `action=accept` or
    `action=refuse` (with a reason)."""

    template_name = "reservations/dashboard/justification_detail.html"
    context_object_name = "justification"

    def get_queryset(self):
        return justifications_for_agent(self.request.user)

    def get_context_data(self, **kwargs):
        justification = self.object
        bookings = list(booked_days(justification))
        states = dict(
            Attendance.objects.filter(
                beneficiary_id=justification.beneficiary_id,
                service_id=justification.service_id,
                date__range=(justification.start_date, justification.end_date),
            ).values_list("date", "state")
        )
        labels = dict(Attendance._meta.get_field("state").choices)
        days = [(b, labels.get(states.get(b.date), gettext("Non pointé"))) for b in bookings]
        kwargs.setdefault("refuse_form", RefuseJustificationForm())
        return super().get_context_data(days=days, **kwargs)

    def post(self, request, pk):
        self.object = self.get_object()
        action = request.POST.get("action")
        try:
            if action == "accept":
                accept_justification(self.object, by=request.user)
                messages.success(
                    request, gettext("Justificatif accepté ; la famille est prévenue.")
                )
            elif action == "refuse":
                form = RefuseJustificationForm(request.POST)
                if not form.is_valid():
                    context = self.get_context_data(refuse_form=form)
                    return self.render_to_response(context, status=400)
                refuse_justification(
                    self.object, by=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(request, gettext("Justificatif refusé ; la famille est prévenue."))
            else:
                raise Http404
        except JustificationError as error:
            messages.error(request, str(error))
        except PermissionError as error:
            raise Http404 from error
        return redirect(reverse("families-dashboard:justification-detail", args=[pk]))


class JustificationDocumentView(generic.View):
    """Streams the certificate to an agent of its commune, as an attachment named by us and
    typed by its content (never the name or type it was sent with)."""

    http_method_names = ["get"]

    def get(self, request, pk):
        justification = get_object_or_404(justifications_for_agent(request.user), pk=pk)
        try:
            handle = justification.file.open("rb")
        except FileNotFoundError as error:
            raise Http404 from error
        kind = filetype.guess(handle.read(8192))
        handle.seek(0)
        if kind is None or kind.mime not in DOCUMENT_TYPES:
            content_type, extension = "application/octet-stream", ".bin"
        else:
            content_type, extension = kind.mime, DOCUMENT_TYPES[kind.mime]
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"justificatif-absence-{justification.pk}{extension}",
            content_type=content_type,
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
