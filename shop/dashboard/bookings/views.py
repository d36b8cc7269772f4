"""Agents book meals on a family's behalf: find the family, pick a service of their commune,
children and days, and book, paid from the family's porte-monnaie (shop.on_behalf). A refusal
shows each reason in French and changes nothing."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import generic
from oscar.apps.payment.exceptions import UnableToTakePayment

from reservations.exceptions import BookingRefused, MealsRefused, PlanningError
from shop.on_behalf import book_for_parent
from wallet.money import euros
from wallet.rules import ZERO
from wallet.selectors import pot_name, visible_pots

from .forms import BookForFamilyForm, FamilySearchForm
from .selectors import bookable_services, families_for_agent, upcoming_bookings

NOTHING_CHANGED = _("Rien n'a été réservé ni débité.")


class FamilyListView(generic.ListView):
    """The families the agent may book for: those with an accepted access to one of their
    communes' services, searched by name or e-mail."""

    template_name = "shop/dashboard/bookings/family_list.html"
    extra_context = {"page_title": _("Réserver pour une famille")}
    context_object_name = "families"
    paginate_by = settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE

    def dispatch(self, request, *args, **kwargs):
        self.form = FamilySearchForm(request.GET or None)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        search = self.form.cleaned_data["q"] if self.form.is_valid() else ""
        return families_for_agent(self.request.user, search)

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, **kwargs)


class FamilyBookView(generic.DetailView):
    """One family: its porte-monnaie, its coming meals (each can be cancelled), and the form
    that books more. Another commune's family is a 404."""

    template_name = "shop/dashboard/bookings/family_book.html"
    context_object_name = "family"

    def get_queryset(self):
        return families_for_agent(self.request.user)

    def get_form(self, data=None):
        return BookForFamilyForm(
            data,
            family=self.object,
            services=bookable_services(self.request.user, self.object),
        )

    def get_context_data(self, **kwargs):
        agent, family = self.request.user, self.object
        pots = list(visible_pots(agent).filter(owner=family))
        kwargs.setdefault("form", self.get_form())
        name = family.get_full_name() or family.email
        return super().get_context_data(
            page_title=gettext("Réserver pour %(family)s") % {"family": name},
            breadcrumb_label=name,
            pots=[(pot_name(pot), pot.balance) for pot in pots],
            balance=sum((pot.balance for pot in pots), ZERO),
            bookings=upcoming_bookings(agent, family),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        self.object = family = self.get_object()
        form = self.get_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                order = book_for_parent(
                    request.user,
                    family,
                    data["service"],
                    data["beneficiaries"],
                    data["days"],
                    skip_closed=data["skip_closed"],
                )
            except (PermissionDenied, PlanningError, UnableToTakePayment, BookingRefused) as error:
                for message in refusal_messages(error, data["beneficiaries"]):
                    form.add_error(None, message)
            else:
                messages.success(request, success_message(order, family))
                return redirect("bookings-dashboard:family-book", pk=family.pk)
        return self.render_to_response(self.get_context_data(form=form))


def success_message(order, family) -> str:
    count = order.lines.count()
    return ngettext(
        "Commande %(number)s : %(count)d repas réservé pour %(family)s, %(amount)s débités de "
        "son porte-monnaie.",
        "Commande %(number)s : %(count)d repas réservés pour %(family)s, %(amount)s débités de "
        "son porte-monnaie.",
        count,
    ) % {
        "number": order.number,
        "count": count,
        "family": family.get_full_name() or family.email,
        "amount": euros(order.total_incl_tax),
    }


def refusal_messages(error, beneficiaries) -> list[str]:
    """What the agent reads when booking is refused: one line per refused meal when the refusal
    names them, then that nothing changed."""
    names = {b.pk: b.first_name for b in beneficiaries}
    if isinstance(error, MealsRefused):
        lines = [
            gettext("%(who)s, le %(date)s : %(reason)s")
            % {
                "who": names.get(item["beneficiary"], item["beneficiary"]),
                "date": _french_date(item["date"]),
                "reason": item["error"],
            }
            for item in error.errors
        ]
        return [gettext("Aucun repas n'a été réservé :"), *lines]
    if isinstance(error, BookingRefused) and error.errors:
        return [*(item["message"] for item in error.errors), str(NOTHING_CHANGED)]
    if isinstance(error, BookingRefused):
        return [error.detail]
    if isinstance(error, PlanningError):
        return [gettext("Ces repas ne peuvent pas être réservés."), str(NOTHING_CHANGED)]
    return [str(error), str(NOTHING_CHANGED)]


def _french_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"
