"""One search over the published pages of a site and the bookable catalogue services, on the
configured Wagtail search backend (PostgreSQL full text, or Elasticsearch / OpenSearch).

Each kind is searched on its own, up to MAX_CANDIDATES hits, then the two lists are merged: a
result whose title is exactly the query comes first, then by the backend's score. A service and
its own service page (a live page linking to the catalogue product, such as cms' ServicePage)
make one result: the service, at the page's URL. A service whose service pages all belong to
another site is left out. Only the page of results shown is then described (URL, snippet), in
a number of queries that does not grow with it."""

from dataclasses import dataclass, field

from django.urls import reverse
from modelsearch.backends.elasticsearchbase import ElasticsearchBaseSearchBackend
from oscar.core.loading import get_model
from wagtail.models import Page, get_page_models
from wagtail.search.backends import get_search_backend

from .models import SearchableService
from .text import fold, is_exact_title, plain_text, snippet

PAGE = "page"
SERVICE = "service"
# Per kind. A family portal has a few hundred pages and tens of services: ranking this many in
# Python keeps the merged order (and so the pagination) exact.
MAX_CANDIDATES = 200


@dataclass
class Hit:
    type: str
    id: int
    title: str
    score: float
    exact: bool
    url: str = ""
    snippet: str = ""
    obj: object = field(default=None, repr=False)
    page: Page | None = field(default=None, repr=False)  # a service's own page

    @property
    def sort_key(self):
        return (not self.exact, -self.score, self.type, self.title.casefold(), self.id)


def search(query: str, *, site=None, autocomplete: bool = False) -> list[Hit]:
    """Every hit for `query`, best first. `site` limits pages (and services that have pages)
    to that site's tree; with `autocomplete`, the last word is a prefix ("ros" → "Rosières")."""
    if autocomplete and isinstance(get_search_backend(), ElasticsearchBaseSearchBackend):
        # Wagtail's mapping reads autocomplete queries with the "standard" analyzer, which keeps
        # accents, while the indexed prefixes are folded (search.elasticsearch).
        query = fold(query)
    pages = Page.objects.live().public()
    if site is not None:
        pages = pages.descendant_of(site.root_page, inclusive=True)
    services = SearchableService.objects.filter(is_public=True)
    page_hits = {hit.id: hit for hit in _hits(PAGE, pages, query, autocomplete)}
    service_hits = _hits(SERVICE, services, query, autocomplete)
    service_hits = _link_service_pages(service_hits, page_hits, site)
    return sorted([*page_hits.values(), *service_hits], key=lambda hit: hit.sort_key)


def _hits(kind, queryset, query, autocomplete) -> list[Hit]:
    method = queryset.autocomplete if autocomplete else queryset.search
    results = method(query).annotate_score("_score")[:MAX_CANDIDATES]
    return [
        Hit(
            type=kind,
            id=obj.pk,
            title=obj.title,
            score=obj._score or 0.0,
            exact=is_exact_title(obj.title, query),
            obj=obj,
        )
        for obj in results
    ]


def _link_service_pages(service_hits, page_hits, site) -> list[Hit]:
    """Give each service its page, fold that page's own hit into the service's, and leave out
    the services whose pages are all on another site."""
    pages_of = service_pages([hit.id for hit in service_hits])
    kept = []
    for hit in service_hits:
        pages = pages_of.get(hit.id, [])
        here = [page for page in pages if site is None or _is_in_site(page, site)]
        if pages and not here:
            continue
        hit.page = here[0] if here else None
        page_hit = page_hits.pop(hit.page.pk, None) if hit.page else None
        if page_hit is not None:
            hit.score = max(hit.score, page_hit.score)
            hit.exact = hit.exact or page_hit.exact
        kept.append(hit)
    return kept


def _is_in_site(page, site) -> bool:
    return page.path.startswith(site.root_page.path)


def service_pages(service_ids) -> dict[int, list[Page]]:
    """{service id: its live, public pages}, for the page types that link to a catalogue
    product (cms' ServicePage): one query per such type, none when nothing is asked."""
    if not service_ids:
        return {}
    Product = get_model("catalogue", "Product")
    found = {}
    for model in get_page_models():
        for link in _product_links(model, Product):
            pages = (
                model.objects.live()
                .public()
                .filter(**{f"{link.attname}__in": service_ids})
                .order_by("path")
            )
            for page in pages:
                found.setdefault(getattr(page, link.attname), []).append(page)
    return found


def _product_links(model, Product):
    return [
        model_field
        for model_field in model._meta.concrete_fields
        if model_field.is_relation
        and model_field.model is model  # declared here, not inherited from a parent page type
        and model_field.related_model is not None
        and issubclass(model_field.related_model, Product)
    ]


def describe(hits: list[Hit], query: str, request) -> list[Hit]:
    """Fill the URL and snippet of the hits shown."""
    _describe_pages([hit for hit in hits if hit.type == PAGE], query, request)
    for hit in hits:
        if hit.type == SERVICE:
            page_url = hit.page.get_url(request) if hit.page else None
            hit.url = page_url or reverse("services:detail", args=[hit.id])
            page_words = page_text(hit.page) if hit.page else ""
            hit.snippet = snippet(" ".join(filter(None, [page_words, hit.obj.text])), query)
    return hits


def _describe_pages(hits, query, request):
    if not hits:
        return
    # One query per page type, for the fields only the specific page holds.
    pages = Page.objects.filter(pk__in=[hit.id for hit in hits]).specific()
    specific = {page.pk: page for page in pages}
    for hit in hits:
        page = specific.get(hit.id, hit.obj)
        hit.url = page.get_url(request) or ""
        hit.snippet = snippet(page_text(page), query)


def page_text(page) -> str:
    """The plain text of a page's searchable fields other than its title."""
    parts = [page.search_description]
    for search_field in page.get_searchable_search_fields():
        if search_field.field_name != "title":
            parts.append(plain_text(search_field.get_value(page)))
    return " ".join(part for part in parts if part)
