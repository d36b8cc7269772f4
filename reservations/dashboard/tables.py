from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_tables2 import Column, DateTimeColumn, TemplateColumn
from oscar.core.loading import get_class

DashboardTable = get_class("dashboard.tables", "DashboardTable")


class AccountTable(DashboardTable):
    """Accounts awaiting validation; the page wraps it in the form the "Valider" buttons post."""

    name = Column(
        verbose_name=_("Nom"), accessor="get_full_name", order_by=("last_name", "first_name")
    )
    email = Column(verbose_name=_("E-mail"))
    date_joined = DateTimeColumn(verbose_name=_("Inscrit le"), format="d/m/Y H:i")
    communes = Column(verbose_name=_("Communes demandées"), empty_values=(), orderable=False)
    actions = TemplateColumn(
        template_name="reservations/dashboard/account_row_actions.html",
        verbose_name=" ",
        orderable=False,
    )

    icon = "fas fa-user-check"
    caption = ngettext_lazy("%d compte à valider", "%d comptes à valider")

    class Meta(DashboardTable.Meta):
        pass

    def render_communes(self, record):
        names = sorted({access.commune.name for access in record.asked_accesses})
        if not names:
            return _("Aucune demande d'accès")
        return format_html_join(", ", "{}", ((name,) for name in names))


class AccessTable(DashboardTable):
    created_at = DateTimeColumn(verbose_name=_("Demandée le"), format="d/m/Y H:i")
    family = Column(
        verbose_name=_("Famille"),
        accessor="account",
        order_by=("account__last_name", "account__first_name"),
    )
    service = Column(verbose_name=_("Service"), accessor="tariff_option__parent__title")
    tariff_option = Column(verbose_name=_("Option tarifaire"), accessor="tariff_option__title")
    commune = Column(verbose_name=_("Commune"), accessor="commune__name")
    beneficiaries = Column(verbose_name=_("Bénéficiaires"), empty_values=(), orderable=False)
    status = Column(verbose_name=_("Statut"))
    actions = TemplateColumn(
        template_name="reservations/dashboard/access_row_actions.html",
        verbose_name=" ",
        orderable=False,
    )

    icon = "fas fa-file-signature"
    caption = ngettext_lazy("%d demande d'accès", "%d demandes d'accès")

    class Meta(DashboardTable.Meta):
        pass

    def render_beneficiaries(self, record):
        return ", ".join(str(beneficiary) for beneficiary in record.beneficiaries.all())

    def render_status(self, record):
        return record.get_status_display()
