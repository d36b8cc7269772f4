"""Booking pages of the parent's space: the month calendar ("Réserver"), the basket ("Mon
panier"), the checkout, the card payment step and the order confirmation.

Thin views over the services the JSON API calls: `reservations.planning` (calendar, basket
meals), the checkout API's serializer (order and payment, see shop/api/views/checkout.py) and
`wallet.payments` (a card payment confirmed). Every page works with plain forms; planning.js
only adds shortcuts."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods
from oscar.apps.payment.exceptions import UnableToTakePayment
from oscar.core.loading import get_model
from rest_framework import serializers

from reservations import planning
from reservations.exceptions import BookingRefused
from reservations.models import AccessStatus, Booking, ServiceAccess
from reservations.rules import format_deadline
from reservations.selectors import beneficiaries_of
from shop.checkout import checkout_basket, locked_basket
from shop.payment import processing
from shop.payment.constants import ORDER_CANCELLED, ORDER_PAID, PaymentMethod
from shop.payment.exceptions import WalletShortfall
from wallet import payments
from wallet.models import AccountKind, CardPaymentStatus
from wallet.selectors import statement_of

from ..access import parent_required
from ..forms.planning import AddMealsForm, CalendarForm, CheckoutForm, RemoveLinesForm

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")

STATE_LABELS = {
    planning.CLOSED: gettext_lazy("Fermé"),
    planning.BOOKABLE: gettext_lazy("Réservable"),
    planning.IN_BASKET: gettext_lazy("Dans le panier"),
    planning.BOOKED: gettext_lazy("Réservé"),
    planning.LOCKED: gettext_lazy("Date limite dépassée"),
    planning.FULL: gettext_lazy("Complet"),
}


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


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class Cell:
    """One child on one day."""

    beneficiary: dict
    day: planning.CalendarDay
    checked: bool = False
    errors: list = field(default_factory=list)

    @property
    def value(self) -> str:
        return f"{self.beneficiary['id']}:{self.day.date.isoformat()}"

    @property
    def field_id(self) -> str:
        return f"repas-{self.beneficiary['id']}-{self.day.date.isoformat()}"

    @property
    def label(self) -> str:
        return STATE_LABELS[self.day.state]


@dataclass
class GridDay:
    date: date
    in_month: bool
    cells: list = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return all(cell.day.state == planning.CLOSED for cell in self.cells)

    @property
    def closed_reason(self) -> str:
        return self.cells[0].day.reason if self.cells else ""

    @property
    def bookable(self) -> bool:
        return any(cell.day.state == planning.BOOKABLE for cell in self.cells)

    @property
    def short_deadline(self) -> str:
        """The booking deadline of a bookable day, short ("27/11 10:00"): one per service and
        day, whoever the child."""
        for cell in self.cells:
            if cell.day.state == planning.BOOKABLE and cell.day.booking_deadline:
                return timezone.localtime(cell.day.booking_deadline).strftime("%d/%m %H:%M")
        return ""


@dataclass
class GridWeek:
    monday: date
    days: list

    @property
    def bookable(self) -> bool:
        return any(day.bookable for day in self.days if day.in_month)


def _grid(months, month: date, *, checked=frozenset(), errors=None):
    """The month as weeks of 7 days (Monday first), each day holding one cell per child shown.
    Pure Python over month_calendar's answer: the template queries nothing."""
    errors = errors or {}
    start = month - timedelta(days=month.weekday())
    last = _add_months(month, 1) - timedelta(days=1)
    end = last + timedelta(days=6 - last.weekday())
    days = {}
    for n in range((end - start).days + 1):
        day = start + timedelta(days=n)
        days[day] = GridDay(day, day.month == month.month)
    deadlines = []
    for beneficiary_month in months:
        for service_month in beneficiary_month.services:
            for entry in service_month.days:
                cell = Cell(beneficiary_month.beneficiary, entry)
                cell.checked = cell.value in checked
                cell.errors = errors.get(cell.value, [])
                days[entry.date].cells.append(cell)
    for day in days.values():
        first_open = next((c for c in day.cells if c.day.booking_deadline), None)
        if day.in_month and first_open:
            deadlines.append(
                {
                    "date": day.date,
                    "booking": format_deadline(first_open.day.booking_deadline),
                    "cancellation": format_deadline(first_open.day.cancellation_deadline),
                }
            )
    ordered = [days[day] for day in sorted(days)]
    weeks = [GridWeek(ordered[n].date, ordered[n : n + 7]) for n in range(0, len(ordered), 7)]
    return weeks, deadlines


def _pattern_meals(months, start: date, end: date):
    """The days between `start` and `end` still bookable for each child shown: a week or month
    "at once" books what the calendar offers, and leaves out days already booked, in the
    basket, closed or past their deadline (the service checks them all again)."""
    wanted = set(planning.dates_between(start, end, range(1, 8)))
    return [
        (beneficiary_month.beneficiary["id"], entry.date)
        for beneficiary_month in months
        for service_month in beneficiary_month.services
        for entry in service_month.days
        if entry.date in wanted and entry.state == planning.BOOKABLE
    ]


class _Refused(Exception):
    pass


def _add_meals(account, service_id, meals, family, *, now, skip_closed) -> list[dict]:
    """Put `meals` ((beneficiary id, date) pairs) in the basket, all or nothing; returns the
    refusals of `add_meals_to_basket` (empty: all added).

    The service takes beneficiaries × dates: children ticked on the same days go in one call,
    otherwise one call per child, eldest first, so that each child's sibling rank is the one a
    single call would give. One transaction holds the calls: one refusal undoes them all."""
    dates_of = defaultdict(set)
    for beneficiary_id, day in meals:
        dates_of[beneficiary_id].add(day)
    if len({frozenset(days) for days in dates_of.values()}) == 1:
        calls = [(list(dates_of), next(iter(dates_of.values())))]
    else:
        born = {b.pk: (b.birth_date or date.max, b.pk) for b in family}
        eldest_first = sorted(dates_of, key=lambda pk: born.get(pk, (date.max, pk)))
        calls = [([pk], dates_of[pk]) for pk in eldest_first]
    errors = []
    try:
        with transaction.atomic():
            for beneficiary_ids, days in calls:
                try:
                    planning.add_meals_to_basket(
                        account=account,
                        service_id=service_id,
                        beneficiary_ids=beneficiary_ids,
                        dates=sorted(days),
                        now=now,
                        skip_closed=skip_closed,
                    )
                except planning.MealsRefused as refused:
                    errors.extend(refused.errors)
            if errors:
                raise _Refused
    except _Refused:
        pass
    return errors


def _describe_errors(errors, family) -> list[str]:
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


def _book(account, form, selection: Selection, months, family, now):
    """Add what the booking form asks for: the days ticked, or every day still bookable in the
    week or month chosen. Returns (meals added, refusals); other problems go on the form."""
    data = form.cleaned_data
    if data.get("semaine") or data.get("mois_entier"):
        month_end = _add_months(selection.month, 1) - timedelta(days=1)
        start, end = selection.month, month_end
        if data.get("semaine"):
            start = max(data["semaine"], selection.month)
            end = min(data["semaine"] + timedelta(days=6), month_end)
        meals, skip_closed = _pattern_meals(months, start, end), True
        if not meals:
            form.add_error(None, _("Aucun jour n'est plus réservable sur cette période."))
            return 0, []
    else:
        meals, skip_closed = data["repas"], False
    try:
        refused = _add_meals(
            account, selection.service_id, meals, family, now=now, skip_closed=skip_closed
        )
    except planning.UnknownBeneficiary:
        raise Http404 from None
    except planning.UnknownService:
        form.add_error(None, _("Service inconnu."))
        return 0, []
    except planning.BasketNotEditable:
        form.add_error(None, _("Votre panier est en cours de paiement : il ne peut plus changer."))
        return 0, []
    return (0, refused) if refused else (len(meals), [])


@parent_required
@require_http_methods(["GET", "POST"])
def calendar_view(request):
    """The month calendar of a service for some children; POST adds the days ticked (or a
    week, or the month) to the basket, all or nothing."""
    account = request.user
    services, served = _family_services(account)
    family = list(beneficiaries_of(account).order_by("birth_date", "pk"))
    now = timezone.now()
    checked, errors, top_errors = set(), {}, []
    add_form = None

    if request.method == "POST":
        add_form = AddMealsForm(request.POST)
        valid = add_form.is_valid()
        data = add_form.cleaned_data
        selection = _selection(
            data.get("service"), data.get("mois"), data.get("enfant") or [], services, served
        )
        months = _month(account, selection, now)
        if valid:
            added, refused = _book(account, add_form, selection, months, family, now)
            if added:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s repas ajouté au panier.",
                        "%(count)s repas ajoutés au panier.",
                        added,
                    )
                    % {"count": added},
                )
                return redirect(selection.url())
            for error in refused:
                key = f"{error['beneficiary']}:{error['date']}"
                errors.setdefault(key, []).append(error["error"])
            top_errors = _describe_errors(refused, family)
        checked = {f"{b}:{d.isoformat()}" for b, d in data.get("repas") or []}
        filter_form = None
    else:
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
        months = _month(account, selection, now)
    if filter_form is None:
        filter_form = CalendarForm(services=services.items(), initial=_initial(selection))

    weeks, deadlines = _grid(months, selection.month, checked=checked, errors=errors)
    shown = {m.beneficiary["id"] for m in months if m.services}
    context = {
        "services": services,
        "family": family,
        "filter_form": filter_form,
        "add_form": add_form,
        "selection": selection,
        "service_title": services.get(selection.service_id, ""),
        "months": months,
        "without_access": [m.beneficiary for m in months if not m.services],
        "has_children": bool(shown),
        "served": served.get(selection.service_id, set()),
        "weeks": weeks,
        "deadlines": deadlines,
        "top_errors": top_errors,
        "previous_url": selection.url(_add_months(selection.month, -1)),
        "next_url": selection.url(_add_months(selection.month, 1)),
        "previous_month": _add_months(selection.month, -1),
        "next_month": _add_months(selection.month, 1),
        "state_labels": STATE_LABELS,
    }
    refused = top_errors or (add_form is not None and add_form.errors)
    return render(request, "themes/planning/calendar.html", context, status=400 if refused else 200)


def _initial(selection: Selection) -> dict:
    return {
        "service": selection.service_id,
        "mois": selection.month.strftime("%Y-%m"),
        "enfant": selection.child_ids,
    }


def _month(account, selection: Selection, now):
    if selection.service_id is None or not selection.child_ids:
        return []
    try:
        return planning.month_calendar(
            account=account,
            beneficiary_ids=selection.child_ids,
            month=selection.month,
            now=now,
            service_id=selection.service_id,
        )
    except planning.UnknownBeneficiary:
        raise Http404 from None


# --- The basket ------------------------------------------------------------------------------


@parent_required
@require_http_methods(["GET", "POST"])
def basket_view(request):
    """The basket's meals by day, with their frozen prices; POST removes some."""
    form = RemoveLinesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        removed = planning.remove_meals_from_basket(
            account=request.user, line_ids=form.cleaned_data["lines"]
        )
        messages.success(
            request,
            ngettext(
                "%(count)s repas retiré du panier.", "%(count)s repas retirés du panier.", removed
            )
            % {"count": removed},
        )
        return redirect("portail:basket")
    summary = planning.basket_summary(request.user)
    return render(
        request,
        "themes/planning/basket.html",
        {"summary": summary, "form": form},
        status=400 if form.errors else 200,
    )


# --- Checkout --------------------------------------------------------------------------------


def _wallet_available(account, summary) -> Decimal:
    """What the porte-monnaie holds for the basket's services: their own pots and the general
    pot (a payment takes from them, wallet/ledger.py)."""
    service_ids = {line.service["id"] for day in summary.days for line in day.lines}
    pots = statement_of(account).pots
    return sum(
        (
            pot.balance
            for pot in pots
            if pot.kind == AccountKind.GENERAL_POT
            or (pot.kind == AccountKind.SERVICE_POT and pot.service_id in service_ids)
        ),
        Decimal("0.00"),
    )


def _place_order(request, basket_id: int, method: str, total: Decimal):
    """Pay the parent's basket as POST /api/checkout/ does (shop.checkout), in one transaction.
    Returns (order, PaymentOutcome); raises Http404, serializers.ValidationError,
    UnableToTakePayment or BookingRefused."""
    with transaction.atomic():
        basket = locked_basket(request.user, basket_id)
        if basket is None:
            raise Http404
        if basket.is_empty and not Order.objects.filter(basket=basket).exists():
            # oscar-api would refuse it in English.
            raise serializers.ValidationError({None: [_("Votre panier est vide : rien à payer.")]})
        data = {
            "basket": reverse("basket-detail", kwargs={"pk": basket.pk}),
            "payment_method": method,
            "total": str(total),
        }
        result = checkout_basket(request, basket, data)
    return result.order, result.outcome


@parent_required
@require_http_methods(["GET", "POST"])
def checkout_view(request):
    """Choose how to pay the basket (porte-monnaie, card, or both) and pay it."""
    summary = planning.basket_summary(request.user)
    if request.method == "GET" and not summary.lines_count:
        messages.info(request, _("Votre panier est vide : choisissez d'abord des repas."))
        return redirect("portail:basket")
    available = _wallet_available(request.user, summary)
    shortfall = None
    if request.method == "POST":
        form = CheckoutForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                order, outcome = _place_order(
                    request, data["basket"], data["payment_method"], data["total"]
                )
            except serializers.ValidationError as refused:
                for key, errors in refused.detail.items():
                    target = "payment_method" if key == "payment_method" else None
                    for error in errors:
                        form.add_error(target, str(error))
            except WalletShortfall as error:
                shortfall = error.missing
                form.add_error("payment_method", str(error))
            except UnableToTakePayment as error:
                form.add_error("payment_method", str(error))
            except BookingRefused as error:
                form.add_error(None, error.detail)
            else:
                if outcome.card_payment is not None:
                    return redirect("portail:order_payment", number=order.number)
                messages.success(
                    request,
                    _("Merci ! Votre commande %(number)s est payée.") % {"number": order.number},
                )
                return redirect("portail:order_confirmation", number=order.number)
    else:
        if available >= summary.total:
            method = PaymentMethod.WALLET
        elif available > 0:
            method = PaymentMethod.WALLET_AND_CARD
        else:
            method = PaymentMethod.CARD
        form = CheckoutForm(
            initial={"payment_method": method, "basket": summary.basket_id, "total": summary.total}
        )
    missing = max(summary.total - available, Decimal("0.00"))
    return render(
        request,
        "themes/planning/checkout.html",
        {
            "summary": summary,
            "form": form,
            "available": available,
            "missing": missing,
            "shortfall": shortfall,
        },
        status=400 if form.errors else 200,
    )


def _order_of(request, number):
    """The parent's own order: another parent's is a 404, as a missing one."""
    return get_object_or_404(Order, number=number, user=request.user)


@parent_required
@require_http_methods(["GET", "POST"])
def order_payment_view(request, number):
    """The card part of an order: Stripe.js confirms it in the browser (client secret), or the
    offline test gateway's "paiement de test" button. POST asks the gateway where it stands and
    settles it (wallet.payments.confirm_card_payment), as the webhook would."""
    order = _order_of(request, number)
    outcome = processing.outcome_of(order)
    payment = outcome.card_payment
    if payment is None or payment.status in payments.FINAL_STATUSES:
        return redirect("portail:order_confirmation", number=order.number)
    if request.method == "POST":
        try:
            payment = payments.confirm_card_payment(request.user, payment.pk)
        except payments.GatewayUnavailableError as error:
            messages.error(request, str(error))
            return redirect("portail:order_payment", number=order.number)
        if payment.status == CardPaymentStatus.SUCCEEDED:
            messages.success(
                request,
                _("Merci ! Votre commande %(number)s est payée.") % {"number": order.number},
            )
            return redirect("portail:order_confirmation", number=order.number)
        if payment.status == CardPaymentStatus.FAILED:
            messages.error(
                request,
                _("Le paiement par carte a été refusé : vous pouvez essayer une autre carte."),
            )
        else:
            messages.info(request, _("Le paiement par carte n'est pas encore confirmé."))
        return redirect("portail:order_payment", number=order.number)
    card, unavailable = None, ""
    try:
        card = processing.card_details(payment, outcome.commune)
    except payments.GatewayUnavailableError as error:
        unavailable = str(error)
    return render(
        request,
        "themes/planning/card_payment.html",
        {
            "order": order,
            "outcome": outcome,
            "card": card,
            "unavailable": unavailable,
            "timeout_minutes": settings.CARD_PAYMENT_TIMEOUT_MINUTES,
        },
        status=503 if unavailable else 200,
    )


@parent_required
def order_confirmation_view(request, number):
    """An order just placed: its status, how it was paid and the meals it booked."""
    order = _order_of(request, number)
    outcome = processing.outcome_of(order)
    bookings = (
        Booking.objects.filter(account=request.user, order_number=order.number)
        .select_related("beneficiary", "service")
        .order_by("date", "beneficiary__birth_date", "pk")
    )
    payment = outcome.card_payment
    state = {ORDER_PAID: "paid", ORDER_CANCELLED: "cancelled"}.get(order.status, "pending")
    return render(
        request,
        "themes/planning/confirmation.html",
        {
            "order": order,
            "outcome": outcome,
            "bookings": bookings,
            "state": state,
            "card_to_pay": state == "pending"
            and payment is not None
            and payment.status not in payments.FINAL_STATUSES,
        },
    )


urlpatterns = [
    path("espace/reserver/", calendar_view, name="planning"),
    path("espace/panier/", basket_view, name="basket"),
    path("espace/panier/paiement/", checkout_view, name="checkout"),
    path("espace/commandes/<str:number>/paiement/", order_payment_view, name="order_payment"),
    path(
        "espace/commandes/<str:number>/confirmation/",
        order_confirmation_view,
        name="order_confirmation",
    ),
]
