"""Réserver sur une période: a weekly pattern for some children until the end of the term (or
last week's, last month's bookings again), its preview (what will be added, what is refused and
why), then "Ajouter au panier", or "Ajouter et payer avec le porte-monnaie" when it covers the
basket: from the booking page to a paid order in three page loads.

Thin views over reservations.recurring (the preview and the add, as the JSON API) and the
checkout use case (shop.checkout, as themes/views/checkout.py calls it). Plain forms: the
preview is a GET, the add a POST that redirects, so it all works without JavaScript."""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from oscar.apps.payment.exceptions import UnableToTakePayment

from reservations import recurring
from reservations.basket import basket_summary
from reservations.exceptions import (
    BasketNotEditable,
    BookingRefused,
    MealsRefused,
    UnknownBeneficiary,
    UnknownService,
)
from reservations.models import ServiceCalendar
from reservations.recurrence import PatternError, WeeklyPattern
from reservations.rules import PARIS
from reservations.selectors import beneficiaries_of
from shop.checkout import checkout
from shop.payment.constants import PaymentMethod
from shop.payment.exceptions import CheckoutRefused
from wallet.models import AccountKind
from wallet.selectors import statement_of

from ..access import parent_required
from ..forms.recurring import FREQUENCIES, WEEKDAYS, AcceptPreviewForm, PatternForm
from .planning import _family_services


def _today(now) -> date:
    return now.astimezone(PARIS).date()


def _open_weekdays(service_id) -> set[int]:
    calendar = ServiceCalendar.objects.filter(service_id=service_id).only("open_weekdays").first()
    return set(calendar.open_weekdays) if calendar else set(range(1, 8))


def _wallet_covers(account, service_id, total: Decimal) -> tuple[bool, Decimal]:
    """Whether the porte-monnaie can pay a basket of `total` with this service's meals (its own
    pots and the general pot, as a payment takes them), and what it holds for it."""
    service_ids = {service_id} | {
        line.service["id"] for day in basket_summary(account).days for line in day.lines
    }
    available = sum(
        (
            pot.balance
            for pot in statement_of(account).pots
            if pot.kind == AccountKind.GENERAL_POT
            or (pot.kind == AccountKind.SERVICE_POT and pot.service_id in service_ids)
        ),
        Decimal("0.00"),
    )
    return total > 0 and available >= total, available


@parent_required
@require_GET
def recurring_view(request):
    """The pattern's form, and once sent (GET) its preview with the buttons that add it."""
    account = request.user
    now = timezone.now()
    services, served = _family_services(account)
    family = list(beneficiaries_of(account).order_by("birth_date", "pk"))
    if not services:
        return render(request, "themes/planning/recurring.html", {"services": services})
    submitted = "enfant" in request.GET or "jour" in request.GET or "repeter" in request.GET
    asked = request.GET.get("service")
    service_id = int(asked) if asked and asked.isdigit() and int(asked) in services else None
    service_id = service_id or next(iter(services))
    weekdays = _open_weekdays(service_id) | {
        int(day) for day in request.GET.getlist("jour") if day.isdigit()
    }
    choices = {
        "services": services.items(),
        "children": [(child.pk, str(child)) for child in family],
        "weekdays": weekdays,
    }
    term_end = year_end = None
    try:
        term_end = recurring.default_end(service_id, _today(now))
        _term, year_end = recurring.school_dates(service_id, _today(now))
    except PatternError:
        pass
    preview, form = None, None
    if submitted:
        form = PatternForm(request.GET, **choices)
        if form.is_valid():
            preview = _preview(account, form, now)
    if form is None:
        form = PatternForm(
            initial={
                "service": service_id,
                "enfant": sorted(served.get(service_id, ())),
                "jour": sorted(_open_weekdays(service_id)),
                "du": _today(now),
                "au": term_end,
            },
            **choices,
        )
    form.fields["au"].help_text = _until_help(term_end, year_end)
    context = {
        "services": services,
        "form": form,
        "preview": preview,
        "term_end": term_end,
        "year_end": year_end,
        "served": served.get(service_id, set()),
    }
    if preview is not None:
        covers, available = _wallet_covers(account, preview.service_id, preview.basket_total)
        context |= {
            "accept_form": AcceptPreviewForm(
                initial={
                    "service": preview.service_id,
                    "total": preview.basket_total,
                    "apercu": request.GET.urlencode(),
                }
            ),
            "meal_values": [f"{pk}:{day.isoformat()}" for pk, day in preview.meals],
            "pattern_lines": _described(preview, family),
            "wallet_covers": covers,
            "available": available,
        }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "themes/planning/recurring.html", context, status=status)


def _until_help(term_end, year_end) -> str:
    parts = []
    if term_end:
        parts.append(
            _("Par défaut, la fin de la période scolaire : le %(day)s.")
            % {"day": date_format(term_end, "l j F Y")}
        )
    if year_end:
        parts.append(
            _("Au plus tard, la fin de l'année scolaire : le %(day)s.")
            % {"day": date_format(year_end, "l j F Y")}
        )
    return " ".join(parts)


def _described(preview, family) -> list[dict]:
    """Each child's pattern in words: "Léa : lundi, mardi, jeudi (toutes les semaines)"."""
    names = {child.pk: str(child) for child in family}
    days, frequencies = dict(WEEKDAYS), dict(FREQUENCIES)
    return [
        {
            "name": names.get(pk, ""),
            "days": ", ".join(str(days[day]).lower() for day in sorted(pattern.weekdays)),
            "frequency": str(frequencies[pattern.frequency]).lower(),
        }
        for pk, pattern in preview.patterns.items()
    ]


def _preview(account, form, now):
    """The preview the form asks for, or None with the reason on the form."""
    data = form.cleaned_data
    try:
        if data.get("repeter"):
            return recurring.preview_repeat(
                account=account,
                service_id=data["service"],
                beneficiary_ids=data["enfant"],
                what=data["repeter"],
                now=now,
            )
        start = data.get("du") or _today(now)
        end = data.get("au") or recurring.default_end(data["service"], start)
        return recurring.preview_recurring_meals(
            account=account,
            service_id=data["service"],
            beneficiary_ids=data["enfant"],
            pattern=WeeklyPattern(frozenset(data["jour"]), data["frequence"]),
            start=start,
            end=end,
            now=now,
        )
    except UnknownBeneficiary:
        raise Http404 from None
    except UnknownService:
        form.add_error("service", _("Service inconnu."))
    except BasketNotEditable:
        form.add_error(None, _("Votre panier est en cours de paiement : il ne peut plus changer."))
    except PatternError as error:
        field = {"end": "au", "weekdays": "jour", "frequency": "frequence", "what": None}.get(
            error.field
        )
        form.add_error(field if field in form.fields else None, error.message)
    return None


@parent_required
@require_POST
def recurring_add_view(request):
    """Add the meals of the preview, all or nothing; then the basket, or pay at once."""
    form = AcceptPreviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cet aperçu n'est plus valable : refaites-le."))
        return redirect("portail:recurring")
    data = form.cleaned_data
    back = _preview_url(data["apercu"])
    now = timezone.now()
    try:
        basket = recurring.add_meals(
            account=request.user, service_id=data["service"], meals=data["repas"], now=now
        )
    except UnknownBeneficiary:
        raise Http404 from None
    except (MealsRefused, UnknownService):
        messages.error(
            request,
            _(
                "Entre-temps, des jours de cet aperçu ne sont plus réservables : rien n'a été "
                "ajouté. Voici l'aperçu à jour."
            ),
        )
        return redirect(back)
    except BasketNotEditable:
        messages.error(
            request, _("Votre panier est en cours de paiement : il ne peut plus changer.")
        )
        return redirect("portail:basket")
    added = len(data["repas"])
    if not data["payer"]:
        messages.success(
            request,
            ngettext(
                "%(count)s repas ajouté au panier.", "%(count)s repas ajoutés au panier.", added
            )
            % {"count": added},
        )
        return redirect("portail:basket")
    return _pay_from_wallet(request, basket, data["total"])


def _pay_from_wallet(request, basket, expected_total):
    """Pay the basket just filled from the porte-monnaie, at the total the parent saw. The
    meals stay in the basket when it cannot be paid: the checkout page says why."""
    try:
        result = checkout(
            basket.pk,
            payer=request.user,
            payment_method=PaymentMethod.WALLET,
            expected_total=expected_total,
        )
    except (CheckoutRefused, UnableToTakePayment) as error:
        messages.error(
            request,
            _("Les repas sont dans votre panier, mais il n'a pas été payé : %(reason)s")
            % {"reason": error},
        )
        return redirect("portail:checkout")
    except BookingRefused as error:
        messages.error(
            request,
            _("Les repas sont dans votre panier, mais il n'a pas été payé : %(reason)s")
            % {"reason": error.detail},
        )
        return redirect("portail:basket")
    order = result.order
    if result.outcome.card_payment is not None:  # pragma: no cover - a wallet-only payment
        return redirect("portail:order_payment", number=order.number)
    messages.success(
        request, _("Merci ! Votre commande %(number)s est payée.") % {"number": order.number}
    )
    return redirect("portail:order_confirmation", number=order.number)


def _preview_url(query: str) -> str:
    """The preview the parent came from (its own query string only, re-encoded)."""
    params = QueryDict(query or "", mutable=False)
    url = reverse("portail:recurring")
    return f"{url}?{params.urlencode()}" if params else url


urlpatterns = [
    path("espace/reserver/periode/", recurring_view, name="recurring"),
    path("espace/reserver/periode/ajouter/", recurring_add_view, name="recurring_add"),
]
