from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_tables2 import Column, TemplateColumn
from oscar.core.loading import get_class

from ..money import euros
from ..selectors import pot_name

DashboardTable = get_class("dashboard.tables", "DashboardTable")


class ParentWalletTable(DashboardTable):
    """Families and the pots the agent may see (prefetched as `visible_pots`)."""

    name = Column(
        verbose_name=_("Nom"), accessor="get_full_name", order_by=("last_name", "first_name")
    )
    email = Column(verbose_name=_("E-mail"))
    pots = Column(verbose_name=_("Porte-monnaie"), empty_values=(), orderable=False)
    actions = TemplateColumn(
        template_name="wallet/dashboard/parent_row_actions.html",
        verbose_name=" ",
        orderable=False,
    )

    icon = "fas fa-wallet"
    caption = ngettext_lazy("%d famille", "%d familles")

    class Meta(DashboardTable.Meta):
        pass

    def render_pots(self, record):
        if not record.visible_pots:
            return _("Aucun porte-monnaie")
        return format_html_join(
            "",
            "<div>{} : {}</div>",
            ((pot_name(pot), euros(pot.balance)) for pot in record.visible_pots),
        )
