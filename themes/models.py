"""A site's branding: a Wagtail site setting edited in /cms/ (Paramètres → Thème du site) and
returned by GET /api/themes/current/ so that any front end can brand itself per site."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField

from .validators import validate_hex_colour, validate_text_contrast_with_white

DEFAULT_PRIMARY_COLOUR = "#1d4e89"
DEFAULT_SECONDARY_COLOUR = "#f2a900"


class FooterLinkBlock(blocks.StructBlock):
    """A footer link to a page of the site or to an external address, never both."""

    label = blocks.CharBlock(label=_("libellé"), max_length=80)
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.URLBlock(label=_("adresse externe"), required=False)

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("page")) == bool(value.get("url")):
            message = _("Indiquez soit une page du site, soit une adresse externe.")
            raise blocks.StructBlockValidationError(
                block_errors={"page": forms.ValidationError(message)}
            )
        return value

    class Meta:
        icon = "link"
        label = _("lien")


def colour_widget():
    # The browser's colour picker always answers in lower-case #rrggbb.
    return forms.TextInput(attrs={"type": "color"})


@register_setting(icon="desktop")
class ThemeSettings(BaseSiteSetting):
    name = models.CharField(
        _("nom du portail"),
        max_length=120,
        blank=True,
        help_text=_("Affiché en tête du site ; à défaut, le nom du site Wagtail."),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    primary_colour = models.CharField(
        _("couleur principale"),
        max_length=7,
        default=DEFAULT_PRIMARY_COLOUR,
        validators=[validate_hex_colour, validate_text_contrast_with_white],
        help_text=_("Porte du texte blanc : contraste d'au moins 4,5:1 avec le blanc."),
    )
    secondary_colour = models.CharField(
        _("couleur secondaire"),
        max_length=7,
        default=DEFAULT_SECONDARY_COLOUR,
        validators=[validate_hex_colour],
        help_text=_("Couleur d'accent (filets, pictogrammes) : jamais le fond d'un texte."),
    )
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    contact_phone = models.CharField(_("téléphone de contact"), max_length=30, blank=True)
    footer_links = StreamField(
        [("link", FooterLinkBlock())], blank=True, verbose_name=_("liens du pied de page")
    )
    accessibility_statement = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("déclaration d'accessibilité"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # for_request() and for_site() fetch these in the same query as the setting.
    select_related = ["site", "logo", "accessibility_statement"]

    panels = [
        FieldPanel("name"),
        FieldPanel("logo"),
        MultiFieldPanel(
            [
                FieldPanel("primary_colour", widget=colour_widget()),
                FieldPanel("secondary_colour", widget=colour_widget()),
            ],
            heading=_("Couleurs"),
        ),
        MultiFieldPanel(
            [FieldPanel("contact_email"), FieldPanel("contact_phone")], heading=_("Contact")
        ),
        FieldPanel("footer_links"),
        FieldPanel("accessibility_statement"),
    ]

    class Meta:
        verbose_name = _("thème du site")
        verbose_name_plural = _("thèmes des sites")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.site.site_name or self.site.hostname

    def save(self, *args, **kwargs):
        # Stored lower-case so the API always answers the same spelling.
        self.primary_colour = self.primary_colour.lower()
        self.secondary_colour = self.secondary_colour.lower()
        super().save(*args, **kwargs)
