"""Réserver: the month calendar of a service for some of the family's children, and adding the
days ticked (or a week, or the month) to the basket, all or nothing.

Thin views over `reservations.month` (the calendar) and `reservations.basket` (the meals put
in the basket), as the JSON API; `themes.calendar_grid` lays the month out for the template.
The page works with plain forms; planning.js only adds shortcuts."""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from reservations.basket import add_meals_to_basket
from reservations.exceptions import (
    BasketNotEditable,
    MealsRefused,
    UnknownBeneficiary,
    UnknownService,
)
from reservations.models import AccessStatus, ServiceAccess
from reservations.month import bookable_meals, month_calendar
from reservations.selectors import beneficiaries_of

from ..access import parent_required
from ..calendar_grid import STATE_LABELS, add_months, last_day_of, month_grid
from ..forms.planning import AddMealsForm, CalendarForm

# --- The family's services and the calendar shown --------------------------------------------


@dataclass
class Selection:
    """What the calendar shows: a service of the family, a month, some of its children."""

    service_id: int | None
    month: date
    child_ids: list[int]

    def query(self, month: date | None = None) -> str:
        pairs = [("service", self.service_id), ("mois", (month or self.month).strftime("%Y-%m"))]
        pairs += [("enfant", pk) for pk in self.child_ids]
        return urlencode([(key, value) for key, value in pairs if value is not None])

    def url(self, month: date | None = None) -> str:
        return f"{reverse('portail:planning')}?{self.query(month)}"


def _family_services(account):
    """The services the family has accepted access to, by title, and which children each
    serves: {service id: title}, {service id: {beneficiary ids}}. Two queries."""
    accesses = (
        ServiceAccess.objects.filter(account=account, status=AccessStatus.ACCEPTED)
        .select_related("tariff_option__parent")
        .prefetch_related("beneficiaries")
        .order_by("tariff_option__parent__title", "pk")
    )
    services, children = {}, defaultdict(set)
    for access in accesses:
        service = access.tariff_option.parent
        services[service.pk] = service.title
        children[service.pk].update(b.pk for b in access.beneficiaries.all())
    return services, children


def _selection(service_id, month, child_ids, services, served) -> Selection:
    """Fill in what the parent did not choose: the first service, this month, the children who
    have access to the service."""
    if service_id is None and services:
        service_id = next(iter(services))
    month = (month or timezone.localdate()).replace(day=1)
    if not child_ids and service_id is not None:
        child_ids = sorted(served.get(service_id, ()))
    return Selection(service_id, month, list(child_ids))


# --- Adding meals to the basket --------------------------------------------------------------


def _describe_errors(errors, family) -> list[dict]:
    """The refusals for the top of the page, each with the name, the day and a link to it."""
    names = {b.pk: str(b) for b in family}
    described = []
    for error in errors:
        try:
            day = date.fromisoformat(str(error["date"]))
        except ValueError:
            day = None
        name = names.get(error["beneficiary"], "")
        when = _date_fr(day) if day else ""
        described.append(
            {
                "text": _("%(name)s, %(day)s : %(error)s")
                % {"name": name, "day": when, "error": error["error"]},
                "anchor": f"jour-{day.isoformat()}" if day else "",
            }
        )
    return described


def _date_fr(day: date) -> str:
    return date_format(day, "l j F Y")


def _book(account, form, selection: Selection, months, now):
    """Add what the booking form asks for: the days ticked, or every day still bookable in the
    week or month chosen. Returns (meals added, refusals); other problems go on the form."""
    data = form.cleaned_data
    if data.get("semaine") or data.get("mois_entier"):
        month_end = last_day_of(selection.month)
        start, end = selection.month, month_end
        if data.get("semaine"):
            start = max(data["semaine"], selection.month)
            end = min(data["semaine"] + timedelta(days=6), month_end)
        meals, skip_closed = bookable_meals(months, start, end), True
        if not meals:
            form.add_error(None, _("Aucun jour n'est plus réservable sur cette période."))
            return 0, []
    else:
        meals, skip_closed = data["repas"], False
    try:
        add_meals_to_basket(
            account=account,
            service_id=selection.service_id,
            meals=meals,
            now=now,
            skip_closed=skip_closed,
        )
    except MealsRefused as refused:
        return 0, refused.errors
    except UnknownBeneficiary:
        raise Http404 from None
    except UnknownService:
        form.add_error(None, _("Service inconnu."))
        return 0, []
    except BasketNotEditable:
        form.add_error(None, _("Votre panier est en cours de paiement : il ne peut plus changer."))
        return 0, []
    return len(meals), []


# --- The page --------------------------------------------------------------------------------


@parent_required
@require_http_methods(["GET", "POST"])
def calendar_view(request):
    """The month calendar of a service for some children; POST adds the days ticked (or a
    week, or the month) to the basket, all or nothing."""
    account = request.user
    services, served = _family_services(account)
    family = list(beneficiaries_of(account).order_by("birth_date", "pk"))
    now = timezone.now()
    if request.method == "POST":
        page = _posted(request, services, served, family, now)
        if not isinstance(page, _Page):
            return page  # added: back to the calendar
    else:
        page = _asked(request, services, served, now)
    selection = page.selection
    weeks, deadlines = month_grid(
        page.months, selection.month, checked=page.checked, errors=page.errors
    )
    shown = {m.beneficiary["id"] for m in page.months if m.services}
    context = {
        "services": services,
        "family": family,
        "filter_form": page.filter_form
        or CalendarForm(services=services.items(), initial=_initial(selection)),
        "add_form": page.add_form,
        "selection": selection,
        "service_title": services.get(selection.service_id, ""),
        "months": page.months,
        "without_access": [m.beneficiary for m in page.months if not m.services],
        "has_children": bool(shown),
        "served": served.get(selection.service_id, set()),
        "weeks": weeks,
        "deadlines": deadlines,
        "top_errors": page.top_errors,
        "previous_url": selection.url(add_months(selection.month, -1)),
        "next_url": selection.url(add_months(selection.month, 1)),
        "previous_month": add_months(selection.month, -1),
        "next_month": add_months(selection.month, 1),
        "state_labels": STATE_LABELS,
    }
    refused = page.top_errors or (page.add_form is not None and page.add_form.errors)
    return render(request, "themes/planning/calendar.html", context, status=400 if refused else 200)


@dataclass
class _Page:
    """What the calendar page shows besides the family's services."""

    selection: Selection
    months: list
    filter_form: CalendarForm | None = None
    add_form: AddMealsForm | None = None
    checked: set = field(default_factory=set)
    errors: dict = field(default_factory=dict)
    top_errors: list = field(default_factory=list)


def _posted(request, services, served, family, now):
    """The booking form sent: a redirect once meals are added (to the payment for "Payer",
    which with nothing ticked pays the basket as it is), else the page with why not."""
    paying = bool(request.POST.get("payer"))
    add_form = AddMealsForm(request.POST)
    if paying and not any(request.POST.get(key) for key in ("repas", "semaine", "mois_entier")):
        return redirect("portail:checkout")
    valid = add_form.is_valid()
    data = add_form.cleaned_data
    selection = _selection(
        data.get("service"), data.get("mois"), data.get("enfant") or [], services, served
    )
    page = _Page(selection, _month(request.user, selection, now), add_form=add_form)
    if valid:
        added, refused = _book(request.user, add_form, selection, page.months, now)
        if added:
            messages.success(
                request,
                ngettext(
                    "%(count)s repas ajouté au panier.", "%(count)s repas ajoutés au panier.", added
                )
                % {"count": added},
            )
            return redirect("portail:checkout" if paying else selection.url())
        for error in refused:
            page.errors.setdefault(f"{error['beneficiary']}:{error['date']}", []).append(
                error["error"]
            )
        page.top_errors = _describe_errors(refused, family)
    page.checked = {f"{b}:{d.isoformat()}" for b, d in data.get("repas") or []}
    return page


def _asked(request, services, served, now) -> _Page:
    """The calendar asked for (service, month, children), or its defaults."""
    filter_form, data = None, {}
    if request.GET:
        bound = CalendarForm(request.GET, services=services.items())
        # An invalid field falls back to its default; its error is shown next to it.
        if not bound.is_valid():
            filter_form = bound
        data = bound.cleaned_data
    selection = _selection(
        data.get("service"), data.get("mois"), data.get("enfant") or [], services, served
    )
    months = _month(request.user, selection, now)
    if not data.get("mois") and not _has_bookable_day(months):
        # Late in a month every day left is past its deadline: open on the next month,
        # where the parent can book, rather than on a month of locked days.
        following = replace(selection, month=add_months(selection.month, 1))
        following_months = _month(request.user, following, now)
        if _has_bookable_day(following_months):
            selection, months = following, following_months
    return _Page(selection, months, filter_form=filter_form)


def _initial(selection: Selection) -> dict:
    return {
        "service": selection.service_id,
        "mois": selection.month.strftime("%Y-%m"),
        "enfant": selection.child_ids,
    }


def _has_bookable_day(months) -> bool:
    return any(
        day.state == "bookable"
        for month in months
        for service in month.services
        for day in service.days
    )


def _month(account, selection: Selection, now):
    if selection.service_id is None or not selection.child_ids:
        return []
    try:
        return month_calendar(
            account=account,
            beneficiary_ids=selection.child_ids,
            month=selection.month,
            now=now,
            service_id=selection.service_id,
        )
    except UnknownBeneficiary:
        raise Http404 from None


urlpatterns = [
    path("espace/reserver/", calendar_view, name="planning"),
]
