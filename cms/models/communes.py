from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from cms.serializers import PartnerSerializer

from .services import ServicePage


class CommunePage(Page):
    """A commune's page: how to reach its town hall, and (below it) its services.

    It is linked to the commune's Oscar partner, which sells the services and whose agents run
    them; a partner has at most one page."""

    # A unique link is a one-to-one: a unique ForeignKey only earns a system-check warning.
    # SET_NULL: deleting a partner in Oscar's dashboard must not fail on, or delete, the page.
    partner = models.OneToOneField(
        "partner.Partner",
        verbose_name=_("commune (partenaire)"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="commune_page",
    )
    intro = RichTextField(_("présentation"), blank=True)
    address = models.CharField(_("adresse"), max_length=255)
    postcode = models.CharField(_("code postal"), max_length=10)
    city = models.CharField(_("ville"), max_length=100)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    opening_hours = models.TextField(_("horaires d'ouverture"), blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    map_url = models.URLField(_("lien vers le plan"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("partner"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldPanel("postcode"),
                FieldPanel("city"),
                FieldPanel("phone"),
                FieldPanel("email"),
                FieldPanel("opening_hours"),
                FieldPanel("map_url"),
            ],
            heading=_("Mairie"),
        ),
        FieldPanel("logo"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("city"),
        index.AutocompleteField("city"),
    ]
    api_fields = [
        APIField("partner", serializer=PartnerSerializer()),
        APIField("intro"),
        APIField("address"),
        APIField("postcode"),
        APIField("city"),
        APIField("phone"),
        APIField("email"),
        APIField("opening_hours"),
        APIField("logo"),
        APIField("map_url"),
    ]
    api_select_related = ("partner", "logo")

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ServicePage", "cms.NewsIndexPage", "cms.ContentPage"]

    class Meta:
        verbose_name = _("page de commune")
        verbose_name_plural = _("pages de commune")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["services"] = ServicePage.objects.child_of(self).live().order_by("title")
        # Its other pages (news, practical information), linked under the services.
        context["children"] = self.get_children().live().public().not_type(ServicePage)
        return context
