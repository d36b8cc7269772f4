import oscar.apps.partner.apps as apps


class PartnerConfig(apps.PartnerConfig):
    """Oscar's partner app with our strategy (shop/partner/strategy.py)."""

    name = "shop.partner"
