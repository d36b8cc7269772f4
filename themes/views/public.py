"""The public pages outside Wagtail's tree: the site search (/recherche/). Wagtail serves the
pages themselves (cms/templates/cms/)."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path, reverse
from wagtail.models import Site

from search import selectors

from ..forms.public import SearchForm

RESULTS_PER_PAGE = 20  # as GET /api/search/


def search(request):
    """Pages and services of the current site for ?q=, the same search as GET /api/search/,
    shown by kind: services first (what a parent comes to book), then pages."""
    form = SearchForm(request.GET) if "q" in request.GET else SearchForm()
    context = {"form": form, "search_query": request.GET.get("q", "")}
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        hits = selectors.search(query, site=Site.find_for_request(request))
        page = Paginator(hits, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        shown = selectors.describe(list(page.object_list), query, request)
        for hit in shown:
            if hit.type == selectors.SERVICE and hit.page is None:
                # Its only other address is the JSON API's: a parent asks access from here.
                hit.url = reverse("portail:services")
        context.update(
            query=query,
            page=page,
            total=len(hits),
            services=[hit for hit in shown if hit.type == selectors.SERVICE],
            pages=[hit for hit in shown if hit.type == selectors.PAGE],
            page_query=urlencode({"q": query}),
        )
    return render(request, "themes/public/search.html", context)


urlpatterns = [
    path("recherche/", search, name="search"),
]
