from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Facturation")

    def ready(self):
        from reservations import attendance
        from wallet.signals import card_payment_settled

        from . import receivers

        attendance.register_post_paid_check(receivers.is_post_paid)
        card_payment_settled.connect(
            receivers.apply_card_payment_to_invoice,
            dispatch_uid="billing.apply_card_payment_to_invoice",
        )
        receivers.connect_booking_checks()
