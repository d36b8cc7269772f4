"""Django admin for the régies: an administrator creates the payment backend accounts and the
régies, names their régisseurs and attaches the services. Counters and shares are read-only
here: a number given or a share paid is public accounting, changed only by wallet code."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import PaymentBackendAccount, Regie, RegieCounter, RegieShare, ServiceRegie

# Words that name a secret in eopayment's parameters (Systempay `secret_test`, Paybox `cle`,
# Stripe `key` …): such values belong in the environment, named by `secret_setting`.
SECRET_WORDS = ("secret", "password", "passwd", "key", "cle", "hmac", "token")


def secret_options(options: dict) -> list[str]:
    """The option names that look like secrets (case-insensitive, by word of the name)."""
    return sorted(
        name
        for name in options
        if any(word in SECRET_WORDS for word in str(name).lower().replace("-", "_").split("_"))
    )


class PaymentBackendAccountForm(forms.ModelForm):
    class Meta:
        model = PaymentBackendAccount
        fields = [
            "name",
            "kind",
            "options",
            "secret_setting",
            "minimum_amount",
            "maximum_amount",
            "is_active",
        ]
        help_texts = {
            "options": _(
                "Les paramètres du moyen de paiement, au format JSON, tels qu'eopayment les "
                'nomme (PayFiP : {"numcli": "123456", "saisie": "T"}). Les secrets (clés, mots '
                "de passe) ne sont jamais enregistrés ici : indiquez plutôt le réglage qui les "
                "contient ci-dessous."
            ),
            "secret_setting": _(
                "Nom du réglage (variable d'environnement) qui contient les secrets de ce "
                "compte ; leur valeur n'est jamais enregistrée dans la base."
            ),
        }

    def clean_options(self):
        options = self.cleaned_data["options"] or {}
        if not isinstance(options, dict):
            raise forms.ValidationError(
                _('Les paramètres sont un objet JSON, par exemple {"numcli": "123456"}.')
            )
        secrets = secret_options(options)
        if secrets:
            raise forms.ValidationError(
                _(
                    "« %(names)s » ressemble à un secret : retirez-le des paramètres et mettez-le "
                    "dans le réglage nommé par « réglage des secrets »."
                )
                % {"names": ", ".join(secrets)}
            )
        return options


@admin.register(PaymentBackendAccount)
class PaymentBackendAccountAdmin(admin.ModelAdmin):
    form = PaymentBackendAccountForm
    list_display = ("name", "kind", "minimum_amount", "maximum_amount", "is_active", "regie_count")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(regie_total=Count("regies"))

    @admin.display(description=_("régies"), ordering="regie_total")
    def regie_count(self, account):
        return account.regie_total


class ServiceRegieInline(admin.TabularInline):
    model = ServiceRegie
    extra = 0
    # A catalogue holds hundreds of products: pick a service by id, not in a long list.
    raw_id_fields = ("service",)
    verbose_name = _("service collecté par cette régie")
    verbose_name_plural = _("services collectés par cette régie")


@admin.register(Regie)
class RegieAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "site", "commune", "backend", "service_count")
    list_filter = ("kind", "site", "backend")
    search_fields = ("name", "code", "commune__name")
    list_select_related = ("site", "commune", "backend")
    filter_horizontal = ("regisseurs",)
    inlines = (ServiceRegieInline,)
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(service_total=Count("service_links"))

    @admin.display(description=_("services"), ordering="service_total")
    def service_count(self, regie):
        return regie.service_total


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never written by hand: wallet code alone numbers and settles."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RegieShare)
class RegieShareAdmin(ReadOnlyAdmin):
    list_display = (
        "order_number",
        "regie",
        "owner",
        "amount",
        "wallet_amount",
        "card_amount",
        "status",
        "number",
        "paid_at",
    )
    list_filter = ("status", "regie", "year")
    search_fields = ("order_number", "number", "owner__email")
    list_select_related = ("regie", "owner")
    date_hierarchy = "created_at"


@admin.register(RegieCounter)
class RegieCounterAdmin(ReadOnlyAdmin):
    list_display = ("regie", "kind", "year", "last")
    list_filter = ("kind", "year", "regie")
    list_select_related = ("regie",)
