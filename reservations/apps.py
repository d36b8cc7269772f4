from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReservationsConfig(AppConfig):
    name = "reservations"
    verbose_name = _("Réservations")

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from oscar.apps.order.signals import order_placed, order_status_changed

        from . import confirmations, receivers
        from .calendars import forget_school_holidays
        from .models import SchoolHoliday

        order_placed.connect(receivers.book_placed_order, dispatch_uid="reservations.book_order")
        order_status_changed.connect(
            receivers.follow_order_status, dispatch_uid="reservations.follow_order_status"
        )
        confirmations.connect()
        for signal in (post_save, post_delete):
            signal.connect(
                forget_school_holidays,
                sender=SchoolHoliday,
                dispatch_uid=f"reservations.forget_school_holidays.{signal is post_save}",
            )
        # Registers the caterer's Celery task: autodiscovery imports `tasks` modules only.
        from . import caterer_tasks  # noqa: F401
