"""Oscar's order screens for a commune: the order list, whose CSV download cannot run what a
parent typed as a formula, and no hand on an order's money or status.

An order's status, its lines' statuses and its payment events follow its payments and
cancellations (shop/payment/, reservations/bookings.py) and the régies' ledger: Oscar's
"Changer l'état" (to paid, cancelled …), its line status changes and its hand-written payment or
shipping events would make an order say what no régie received. They are not offered, and posting
them is refused; notes stay."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from oscar.apps.dashboard.orders import views

from reservations.exports import neutralise_formula

REFUSED = _(
    "Une commande change d'état par ses paiements et ses annulations, jamais à la main : pour "
    "rendre un repas, annulez-le dans les réservations de la famille ; son prix revient à son "
    "porte-monnaie."
)


class OrderListView(views.OrderListView):
    actions = ("download_selected_orders",)

    def get_row_values(self, order):
        # The customer's e-mail (and any address name) is the parent's to choose: "=1+1@…" is a
        # valid address that Excel would run.
        row = super().get_row_values(order)
        return {column: neutralise_formula(value) for column, value in row.items()}


class OrderDetailView(views.OrderDetailView):
    order_actions = ("save_note", "delete_note")
    line_actions = ()

    def get_order_lines(self):
        # The page names each line's child, day and service from its booking: one query for
        # all of them, however many meals the order holds.
        return super().get_order_lines().select_related("booking__service", "booking__beneficiary")

    def post(self, request, *args, **kwargs):
        action = request.POST.get("order_action", "") or request.POST.get("line_action", "")
        if action and action not in self.order_actions:
            messages.error(request, REFUSED)
            return redirect("dashboard:order-detail", number=kwargs["number"])
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Oscar's template shows the status form when it is given statuses to offer.
        context["order_status_form"] = None
        context["line_statuses"] = []
        # Each event says how many meals it paid: their rows in one query, not one per meal.
        context["payment_events"] = self.object.payment_events.select_related(
            "event_type"
        ).prefetch_related("line_quantities")
        return context
