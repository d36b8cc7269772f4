from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from .communes import CommunePage
from .news import NewsIndexPage


class HomePage(Page):
    """The root page of a territory's site (an agglomeration, a community of communes)."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    api_fields = [APIField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.CommunePage", "cms.NewsIndexPage", "cms.ContentPage"]

    class Meta:
        verbose_name = _("page d'accueil")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["communes"] = CommunePage.objects.child_of(self).live().order_by("title")
        context["news_index"] = NewsIndexPage.objects.child_of(self).live().first()
        return context
