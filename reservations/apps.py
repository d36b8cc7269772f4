from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReservationsConfig(AppConfig):
    name = "reservations"
    verbose_name = _("Réservations")

    def ready(self):
        from oscar.apps.order.signals import order_placed, order_status_changed

        from . import receivers

        order_placed.connect(receivers.book_placed_order, dispatch_uid="reservations.book_order")
        order_status_changed.connect(
            receivers.follow_order_status, dispatch_uid="reservations.follow_order_status"
        )
