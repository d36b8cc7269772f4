from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from .communes import CommunePage
from .news import NewsIndexPage, NewsPage
from .services import ServicePage

LATEST_NEWS = 3


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
        communes = list(CommunePage.objects.child_of(self).live().order_by("title"))
        # Each commune's services in one query, matched to their commune by tree path.
        services = list(ServicePage.objects.descendant_of(self).live().order_by("title"))
        for commune in communes:
            commune.live_services = [s for s in services if s.path.startswith(commune.path)]
        context["communes"] = communes
        context["news_index"] = NewsIndexPage.objects.child_of(self).live().first()
        context["latest_news"] = (
            NewsPage.objects.descendant_of(self).live().order_by("-date", "-pk")[:LATEST_NEWS]
        )
        return context
