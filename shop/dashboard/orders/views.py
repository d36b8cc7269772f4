"""Oscar's order list, whose CSV download cannot run what a parent typed as a formula."""

from oscar.apps.dashboard.orders import views

from reservations.exports import neutralise_formula


class OrderListView(views.OrderListView):
    def get_row_values(self, order):
        # The customer's e-mail (and any address name) is the parent's to choose: "=1+1@…" is a
        # valid address that Excel would run.
        row = super().get_row_values(order)
        return {column: neutralise_formula(value) for column, value in row.items()}
