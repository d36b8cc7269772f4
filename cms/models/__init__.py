"""Page models of the territories' sites. Each declares `api_fields` (what /api/cms/v2/ returns)
and, when those fields reach other rows, `api_select_related` / `api_prefetch_related`: what the
pages endpoint (cms/api.py) loads up front so a listing costs the same for 3 pages or 30."""

from .communes import CommunePage
from .content import ContentPage
from .home import HomePage
from .menus import MenuPage
from .news import NewsIndexPage, NewsPage
from .services import ServicePage

__all__ = [
    "CommunePage",
    "ContentPage",
    "HomePage",
    "MenuPage",
    "NewsIndexPage",
    "NewsPage",
    "ServicePage",
]
