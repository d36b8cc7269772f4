"""Receivers connected by WalletConfig.ready()."""

from .regies import attach_service_to_commune_regie, forget_service_regies

__all__ = ["attach_priced_service", "forget_service_regies"]


def attach_priced_service(sender, instance, created, raw=False, **kwargs):
    """A tariff option priced at a commune: its service belongs to a régie from then on (the
    commune's, until an administrator moves it)."""
    if raw or not created:
        return
    product = instance.product
    service = product.parent if product.parent_id else product
    attach_service_to_commune_regie(service, instance.partner)
