from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from cms.facts import FACTS_PREFETCH, service_facts
from cms.serializers import ServiceFactsSerializer, ServiceProductSerializer, TariffGridSerializer
from cms.tariff_grid import GRID_PREFETCH, published_grid, varying_columns

from .menus import MenuPage


def commune_services():
    """The products a service page may present: the services of the catalogue (parent products
    of the "Service communal" class), not their tariff options."""
    # Imported here: the reservations app is not loaded yet when the models of cms are.
    from reservations.catalogue import SERVICE_CLASS_SLUG

    return Q(structure="parent", product_class__slug=SERVICE_CLASS_SLUG)


class ServicePageForm(WagtailAdminPageForm):
    """Offers only the services of the commune the page is created under."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        commune = self.parent_page.specific if self.parent_page else None
        partner_id = getattr(commune, "partner_id", None)
        if partner_id and "product" in self.fields:
            field = self.fields["product"]
            field.queryset = field.queryset.filter(
                children__stockrecords__partner_id=partner_id
            ).distinct()


class ServicePage(Page):
    """A commune service (canteen, daycare, holiday club): its presentation, its rules
    ("règlement intérieur") and, read live from the catalogue, its tariff options and deadlines."""

    # SET_NULL: a service deleted in Oscar's dashboard leaves a page without facts, not an error.
    product = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("service du catalogue"),
        on_delete=models.SET_NULL,
        null=True,
        limit_choices_to=commune_services,
        related_name="service_pages",
    )
    presentation = RichTextField(_("présentation"), blank=True)
    regulation = RichTextField(_("règlement intérieur"), blank=True)
    regulation_pdf = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("règlement intérieur (PDF)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    base_form_class = ServicePageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("product"),
        FieldPanel("presentation"),
        FieldPanel("regulation"),
        FieldPanel("regulation_pdf"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("presentation"),
        index.SearchField("regulation"),
    ]
    api_fields = [
        APIField("product", serializer=ServiceProductSerializer()),
        APIField("presentation"),
        APIField("regulation"),
        APIField("regulation_pdf"),
        APIField("facts", serializer=ServiceFactsSerializer()),
        APIField("tariff_grid", serializer=TariffGridSerializer(allow_null=True)),
    ]
    api_select_related = ("product", "regulation_pdf")
    api_prefetch_related = (*FACTS_PREFETCH, *GRID_PREFETCH)

    parent_page_types = ["cms.CommunePage"]
    subpage_types = ["cms.MenuPage"]

    class Meta:
        verbose_name = _("page de service")
        verbose_name_plural = _("pages de service")

    def facts(self) -> dict | None:
        """Tariff options and deadlines as booking applies them (see cms.facts)."""
        if self.product_id is None:
            return None
        return service_facts(self.product)

    def tariff_grid(self) -> dict | None:
        """The quotient grid the server prices with (see cms.tariff_grid)."""
        return published_grid(self.product) if self.product_id is not None else None

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["facts"] = self.facts()
        context["tariff_grid"] = grid = self.tariff_grid()
        context["grid_columns"] = varying_columns(grid)
        # The commune's town hall answers the families' questions about its service.
        context["commune"] = self.get_parent().specific
        context["menus"] = MenuPage.objects.child_of(self).live().order_by("-week_start")[:4]
        return context
