"""Mes réservations: the family's bookings as a list or a month calendar, and their
cancellation, one or several at a time, through the services of /api/reservations/."""

import calendar
import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.roles import ActorRole
from reservations.bookings import can_cancel, cancel_bookings, cancellation_deadlines
from reservations.exceptions import CancellationRefused
from reservations.rules import PARIS
from reservations.selectors import MONTH, bookings_of
from reservations.waitlist import entries_of
from wallet.money import euros
from wallet.regies import post_paid_service_ids
from wallet.selectors import agent_for_family

from ..access import parent_required
from ..forms.money import CALENDAR_VIEW, BookingFilterForm, BulkCancelForm
from ..text import elide

BOOKINGS_PER_PAGE = 50
WEEKDAYS = (
    gettext_lazy("Lundi"),
    gettext_lazy("Mardi"),
    gettext_lazy("Mercredi"),
    gettext_lazy("Jeudi"),
    gettext_lazy("Vendredi"),
    gettext_lazy("Samedi"),
    gettext_lazy("Dimanche"),
)


def _rows(bookings, now):
    """Each booking with its cancellation deadline, whether it may still be cancelled, and the
    agent who booked it for the family ("l'agent de Rosières"; None when the family did): the
    deadlines of the whole list in one query, the agents and their communes in two."""
    bookings = list(bookings)
    deadlines = cancellation_deadlines(bookings)
    # A post-paid service's booking was not paid: cancelling it refunds nothing, the day is
    # simply not invoiced.
    post_paid = post_paid_service_ids({b.service_id for b in bookings})
    by_agents = [b for b in bookings if b.booked_by_role == ActorRole.AGENT]
    prefetch_related_objects(by_agents, "booked_by__partners")
    return [
        {
            "booking": booking,
            "deadline": deadlines.get(booking.pk),
            "can_cancel": can_cancel(booking, deadlines.get(booking.pk), now),
            "booked_by_agent": agent_for_family(booking.booked_by)
            if booking.booked_by_role == ActorRole.AGENT
            else None,
            "post_paid": booking.service_id in post_paid,
        }
        for booking in bookings
    ]


def _month_of(value: str, today: datetime.date) -> datetime.date:
    match = MONTH.match(value or "")
    if match is None:
        return today.replace(day=1)
    return datetime.date(int(match[1]), int(match[2]), 1)


def _calendar(rows, first: datetime.date):
    """The month as weeks of days (Monday first), each day with its bookings; None outside."""
    by_day = defaultdict(list)
    for row in rows:
        by_day[row["booking"].date].append(row)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return [
        [
            {"date": day, "rows": by_day.get(day, [])} if day.month == first.month else None
            for day in week
        ]
        for week in weeks
    ]


def _shift(first: datetime.date, months: int) -> str:
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@require_http_methods(["GET"])
@parent_required
def booking_list(request):
    now = timezone.now()
    form = BookingFilterForm(request.GET, account=request.user)
    context = {"form": form}
    if form.view == CALENDAR_VIEW:
        # A calendar shows one month: the one asked for, or this month.
        first = _month_of(request.GET.get("month"), now.astimezone(PARIS).date())
        params = request.GET.copy()
        params["month"] = f"{first:%Y-%m}"
        form = BookingFilterForm(params, account=request.user)
        rows = _rows(form.filter(bookings_of(request.user)), now)
        query = params.copy()
        query.pop("month", None)
        query.pop("page", None)
        list_query = params.copy()
        list_query.pop("vue", None)
        list_query.pop("page", None)
        context.update(
            form=form,
            month=first,
            weeks=_calendar(rows, first),
            weekdays=WEEKDAYS,
            previous_month=_shift(first, -1),
            next_month=_shift(first, 1),
            query=query.urlencode(),
            list_query=list_query.urlencode(),
            count=len(rows),
        )
        return render(request, "themes/bookings/calendar.html", context)

    bookings = form.filter(bookings_of(request.user))
    page = Paginator(bookings, BOOKINGS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    calendar_query = query.copy()
    calendar_query["vue"] = CALENDAR_VIEW
    rows = _rows(page.object_list, now)
    context.update(
        page=page,
        rows=rows,
        any_cancellable=any(row["can_cancel"] for row in rows),
        query=query.urlencode(),
        calendar_query=calendar_query.urlencode(),
        waitlist=entries_of(request.user, since=now.astimezone(PARIS).date()),
    )
    return render(request, "themes/bookings/list.html", context)


def refund_message(cancelled) -> str:
    """What went back where: "12,50 € remboursés sur votre porte-monnaie (Cantine de Rosières)"."""
    per_service = defaultdict(Decimal)
    post_paid = post_paid_service_ids({b.service_id for b in cancelled})
    for booking in cancelled:
        if booking.service_id not in post_paid:  # never paid: nothing goes back
            per_service[booking.service.title] += booking.unit_price
    refunds = [(title, amount) for title, amount in per_service.items() if amount > 0]
    if not refunds:
        return ""
    return " ".join(
        _("%(amount)s remboursés sur votre porte-monnaie (%(service)s).")
        % {"amount": euros(amount), "service": title}
        for title, amount in refunds
    )


def _cancel(request, bookings):
    """Cancel through the API's service, all or none; the service's French refusals or None."""
    try:
        cancelled = cancel_bookings(
            bookings, by=request.user, role=ActorRole.PARENT, now=timezone.now()
        )
    except CancellationRefused as error:
        return None, error.errors
    if len(cancelled) == 1:
        (booking,) = cancelled
        done = elide(
            _("La réservation de %(name)s du %(date)s est annulée.")
            % {"name": booking.beneficiary.first_name, "date": f"{booking.date:%d/%m/%Y}"}
        )
    else:
        done = _("%(count)s réservations annulées.") % {"count": len(cancelled)}
    messages.success(request, f"{done} {refund_message(cancelled)}".strip())
    return cancelled, None


def _refund_summary(rows):
    per_service = defaultdict(Decimal)
    for row in rows:
        if row["can_cancel"]:
            per_service[row["booking"].service.title] += row["booking"].unit_price
    return sorted(per_service.items())


@require_http_methods(["GET", "POST"])
@parent_required
def cancel_booking(request, pk):
    booking = get_object_or_404(bookings_of(request.user), pk=pk)
    errors = None
    if request.method == "POST":
        cancelled, errors = _cancel(request, [booking])
        if cancelled:
            return redirect("portail:bookings")
        booking.refresh_from_db()
    (row,) = _rows([booking], timezone.now())
    context = {
        "row": row,
        "booking": booking,
        "errors": [error["message"] for error in errors or []],
    }
    return render(request, "themes/bookings/cancel.html", context)


@require_http_methods(["GET", "POST"])
@parent_required
def cancel_bookings_view(request):
    form = BulkCancelForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, _("Choisissez au moins une réservation à annuler."))
        return redirect("portail:bookings")
    ids = form.cleaned_data["reservations"]
    bookings = list(bookings_of(request.user).filter(pk__in=ids).order_by("date", "pk"))
    if len(bookings) != len(ids):
        # Another family's booking is unknown here, as a missing one.
        raise Http404
    errors = None
    if request.method == "POST":
        cancelled, errors = _cancel(request, bookings)
        if cancelled:
            return redirect("portail:bookings")
        bookings = list(bookings_of(request.user).filter(pk__in=ids).order_by("date", "pk"))
    rows = _rows(bookings, timezone.now())
    by_id = {row["booking"].pk: row for row in rows}
    for error in errors or []:
        by_id[error["booking"]]["error"] = error["message"]
    context = {
        "form": form,
        "rows": rows,
        "refunds": _refund_summary(rows),
        "errors": errors or [],
        "all_cancellable": all(row["can_cancel"] for row in rows),
    }
    return render(request, "themes/bookings/cancel_many.html", context)


urlpatterns = [
    path("espace/reservations/", booking_list, name="bookings"),
    path("espace/reservations/annuler/", cancel_bookings_view, name="bookings_cancel"),
    path("espace/reservations/<int:pk>/annuler/", cancel_booking, name="booking_cancel"),
]
