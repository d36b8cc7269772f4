"""Justifier une absence, in the parent's pages (under "Mes réservations"): send a certificate
for a child's booked days at a service, and follow the ones sent. Through
reservations/justifications.py, as the API does; another family's child is a 404."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from reservations.justifications import JustificationError, submit_justification
from reservations.models import AbsenceJustification
from reservations.selectors import beneficiaries_of

from ..access import parent_required
from ..forms.absences import JustificationForm


def _check_own_child(request) -> None:
    chosen = request.POST.get("beneficiary", "")
    if chosen.isdigit() and not beneficiaries_of(request.user).filter(pk=chosen).exists():
        raise Http404


@parent_required
def absences_view(request):
    form = JustificationForm(request.POST or None, request.FILES or None, account=request.user)
    if request.method == "POST":
        _check_own_child(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                submit_justification(
                    account=request.user,
                    beneficiary=data["beneficiary"],
                    service=data["service"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    upload=data["file"],
                    comment=data["comment"],
                )
            except JustificationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Justificatif envoyé : la mairie l'examine et vous répond par e-mail."),
                )
                return redirect("portail:absences")
    justifications = AbsenceJustification.objects.filter(account=request.user).select_related(
        "beneficiary", "service"
    )
    status = 400 if form.is_bound else 200
    return TemplateResponse(
        request,
        "themes/absences/absences.html",
        {"form": form, "justifications": justifications},
        status=status,
    )


urlpatterns = [
    path("espace/reservations/absences/", absences_view, name="absences"),
]
