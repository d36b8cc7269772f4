"""The parent's space home ("Mon espace"), and its navigation shared by every page of it."""

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from wallet.forecast import forecast_of

from ..access import parent_required, signed_in_required

# (url name, label): the parent's space menu, in the seed guides' order.
SPACE_MENU = (
    ("portail:space", _("Mon espace")),
    ("portail:profile", _("Mes informations personnelles")),
    ("portail:beneficiaries", _("Mes filiations")),
    ("portail:services", _("Mes services")),
    ("portail:planning", _("Réserver")),
    ("portail:basket", _("Mon panier")),
    ("portail:wallet", _("Mon porte-monnaie")),
    ("portail:bookings", _("Mes réservations")),
    ("portail:orders", _("Mes commandes")),
    ("portail:invoices", _("Mes factures")),
)
# An account awaiting validation: what it may already do (the welcome e-mail says so).
PENDING_MENU = (
    ("portail:awaiting_validation", _("Mon espace")),
    ("portail:profile", _("Mes informations personnelles")),
    ("portail:beneficiaries", _("Mes filiations")),
    ("portail:services", _("Mes services")),
)


class SpaceHomeView(TemplateView):
    template_name = "themes/space/home.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return super().get_context_data(
            **kwargs, forecast=forecast_of(self.request.user, today=today)
        )


class AwaitingValidationView(TemplateView):
    """Signed in, not yet validated by the commune: what happens next."""

    template_name = "themes/space/awaiting_validation.html"


urlpatterns = [
    path("espace/", parent_required(SpaceHomeView.as_view()), name="space"),
    path(
        "espace/en-attente/",
        signed_in_required(AwaitingValidationView.as_view()),
        name="awaiting_validation",
    ),
]
