from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    name = "wallet"
    verbose_name = _("Porte-monnaie")

    def ready(self):
        from oscar.core.loading import get_model

        from . import receivers
        from .models import PaymentBackendAccount, Regie, ServiceRegie

        for model in (PaymentBackendAccount, Regie, ServiceRegie):
            post_save.connect(receivers.forget_service_regies, sender=model)
            post_delete.connect(receivers.forget_service_regies, sender=model)
        post_save.connect(
            receivers.attach_priced_service, sender=get_model("partner", "StockRecord")
        )
