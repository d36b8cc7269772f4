"""The children's calendar feeds in the API: each child's private address
(GET /api/accounts/me/calendar-feeds/) and a new address for one child, the old one then
answering 404 (POST /api/accounts/me/calendar-feeds/{beneficiary}/renew/)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import feeds
from .permissions import IsValidatedAccount

TAGS = ["comptes"]


class CalendarFeedSerializer(serializers.Serializer):
    beneficiary = serializers.IntegerField(help_text=_("L'identifiant du bénéficiaire."))
    name = serializers.CharField(help_text=_("Son prénom."))
    url = serializers.URLField(
        help_text=_(
            "L'adresse privée de son agenda (iCalendar), à donner à une application d'agenda ; "
            "elle suffit pour le lire, sans connexion."
        )
    )
    webcal_url = serializers.CharField(help_text=_("La même adresse en webcal:// (abonnement)."))
    created_at = serializers.DateTimeField()


def _shape(request, beneficiary, feed) -> dict:
    url = request.build_absolute_uri(feeds.feed_path(feed))
    return {
        "beneficiary": beneficiary.pk,
        "name": beneficiary.first_name,
        "url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1],
        "created_at": feed.created_at,
    }


@extend_schema(tags=TAGS)
class CalendarFeedsView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(
        summary="Voir l'adresse de l'agenda de chaque enfant",
        description=(
            "Une adresse par bénéficiaire non archivé (créée à la première lecture) : ses "
            "réservations confirmées, en journées entières."
        ),
        responses={200: CalendarFeedSerializer(many=True)},
    )
    def get(self, request):
        beneficiaries = list(feeds.current_beneficiaries(request.user))
        found = feeds.feeds_of(beneficiaries)
        return Response([_shape(request, b, found[b.pk]) for b in beneficiaries])


@extend_schema(tags=TAGS)
class RenewCalendarFeedView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(
        summary="Générer une nouvelle adresse pour l'agenda d'un enfant",
        description="L'ancienne adresse cesse aussitôt de fonctionner (404).",
        request=None,
        responses={
            200: CalendarFeedSerializer,
            404: OpenApiResponse(description=_("Aucun bénéficiaire de ce numéro à votre nom.")),
        },
    )
    def post(self, request, beneficiary):
        child = get_object_or_404(feeds.current_beneficiaries(request.user), pk=beneficiary)
        return Response(_shape(request, child, feeds.renew_feed(child)))
