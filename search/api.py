"""GET /api/search/?q=…: published pages of the current site and bookable services, in one
paginated list of typed results."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from wagtail.models import Site

from . import selectors
from .serializers import SearchQuerySerializer, SearchResultSerializer


class SearchPagination(PageNumberPagination):
    page_size = 20


class SearchView(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = SearchResultSerializer
    pagination_class = SearchPagination

    @extend_schema(
        summary="Search pages and services",
        description=(
            "Published pages of the site answering the request's host, and the services a "
            "parent can book, best first: a result titled exactly as the query leads. Accents "
            'are optional ("rosieres" finds Rosières). An empty query is refused (400).'
        ),
        parameters=[SearchQuerySerializer],
        responses={
            200: SearchResultSerializer(many=True),
            400: OpenApiResponse(
                description='An empty or too long query: {"q": ["<message in French>"]}.'
            ),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data["q"]
        hits = selectors.search(
            query,
            site=Site.find_for_request(request),
            autocomplete=params.validated_data["autocomplete"],
        )
        shown = self.paginate_queryset(hits)
        selectors.describe(shown, query, request)
        return self.get_paginated_response(self.get_serializer(shown, many=True).data)
