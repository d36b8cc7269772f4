"""Liste d'attente, in the parent's pages: join a full day from the month calendar (its
"Rejoindre la liste d'attente" button posts the calendar's form here), leave an entry, and
turn the wallet's auto-pay on or off, from "Mes réservations". Through reservations/waitlist.py,
as the API does; another family's child or entry is a 404."""

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reservations import waitlist
from reservations.exceptions import UnknownBeneficiary, UnknownService
from reservations.models import ACTIVE_WAITLIST_STATUSES, WaitlistEntry

from ..access import parent_required


def _calendar_url(request) -> str:
    pairs = [(key, request.POST.get(key)) for key in ("service", "mois") if request.POST.get(key)]
    pairs += [("enfant", pk) for pk in request.POST.getlist("enfant")]
    return reverse("portail:planning") + (f"?{urlencode(pairs)}" if pairs else "")


@require_POST
@parent_required
def join_view(request):
    back = _calendar_url(request)
    try:
        beneficiary_id, day = request.POST.get("attente", "").split(":")
        beneficiary_id, day = int(beneficiary_id), datetime.date.fromisoformat(day)
        service_id = int(request.POST.get("service", ""))
    except ValueError:
        messages.error(request, _("Choisissez un jour complet pour rejoindre sa liste d'attente."))
        return redirect(back)
    try:
        entry = waitlist.join(
            request.user,
            beneficiary_id=beneficiary_id,
            service_id=service_id,
            day=day,
            # The family's setting ("Mes e-mails") unless the form says otherwise.
            auto_pay=(
                request.POST.get("attente_auto") == "1"
                if "attente_auto" in request.POST
                else request.user.waitlist_auto_pay
            ),
            now=timezone.now(),
        )
    except (UnknownBeneficiary, UnknownService):
        raise Http404 from None
    except waitlist.WaitlistRefused as refused:
        messages.error(request, refused.detail)
        return redirect(back)
    messages.success(
        request,
        _(
            "%(name)s est sur la liste d'attente du %(date)s. Si une place se libère avant la "
            "date limite, vous serez prévenu par e-mail (retrouvez-la dans « Mes réservations »)."
        )
        % {"name": entry.beneficiary.first_name, "date": f"{entry.date:%d/%m/%Y}"},
    )
    return redirect(back)


def _own_entry(request, pk) -> WaitlistEntry:
    entry = WaitlistEntry.objects.filter(pk=pk, account=request.user).first()
    if entry is None:
        raise Http404
    return entry


@require_POST
@parent_required
def leave_view(request, pk):
    _own_entry(request, pk)
    try:
        waitlist.leave(request.user, pk, now=timezone.now())
    except waitlist.WaitlistRefused as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, _("Vous avez quitté cette liste d'attente."))
    return redirect("portail:bookings")


@require_POST
@parent_required
def auto_pay_view(request, pk):
    entry = _own_entry(request, pk)
    wanted = request.POST.get("auto") == "1"
    WaitlistEntry.objects.filter(pk=entry.pk, status__in=ACTIVE_WAITLIST_STATUSES).update(
        auto_pay_from_wallet=wanted
    )
    messages.success(
        request,
        _("Si une place se libère, ce repas sera réservé et payé avec votre porte-monnaie.")
        if wanted
        else _("Si une place se libère, vous recevrez une proposition par e-mail."),
    )
    return redirect("portail:bookings")


urlpatterns = [
    path("espace/liste-attente/", join_view, name="waitlist_join"),
    path("espace/liste-attente/<int:pk>/quitter/", leave_view, name="waitlist_leave"),
    path("espace/liste-attente/<int:pk>/auto/", auto_pay_view, name="waitlist_auto_pay"),
]
