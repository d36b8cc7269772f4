"""The family's RGPD rights in the API: download everything the platform holds about the account
(GET /api/accounts/me/export/) and close the account (POST /api/accounts/me/close/). The rules
live in accounts/rgpd.py and accounts/closure.py; both endpoints are open to accounts awaiting
validation."""

from django.contrib.auth import logout
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import closure, rgpd
from .api import CSRF_REFUSED, FIELD_ERRORS, THROTTLED, CurrentPasswordThrottle, field_errors
from .serializers import DetailSerializer, password_field

TAGS = ["comptes"]


class CloseAccountSerializer(serializers.Serializer):
    password = password_field(label=_("Mot de passe"))


class ClosureRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Ce qu'il faut faire d'abord, une phrase par point."),
    )


class ExportThrottle(CurrentPasswordThrottle):
    """Per account: each export reads every row and file of the family."""

    scope = "accounts_rgpd_export"
    rate = "20/hour"


@extend_schema(tags=TAGS)
class ExportView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ExportThrottle]

    def perform_content_negotiation(self, request, force=False):
        # The ZIP is sent whatever the client accepts; errors fall back to JSON, never a 406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary="Télécharger mes données (RGPD)",
        description=(
            "Une archive ZIP : `donnees.json` (compte, préférences d'e-mails, filiations, "
            "demandes d'accès et leur historique, réservations, commandes et leurs lignes, "
            "porte-monnaie et ses mouvements, paiements par carte, parts de commande par régie "
            "avec leur numéro de quittance), les pièces justificatives et photos envoyées, et "
            "un `LISEZMOI.txt`."
        ),
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            403: OpenApiResponse(DetailSerializer, description="Non connecté."),
            429: THROTTLED,
        },
    )
    def get(self, request):
        return FileResponse(
            rgpd.export_archive(request.user),
            as_attachment=True,
            filename=rgpd.export_filename(),
            content_type="application/zip",
        )


@extend_schema(tags=TAGS)
class CloseAccountView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [CurrentPasswordThrottle]

    @extend_schema(
        summary="Fermer mon compte (RGPD)",
        description=(
            "Demande le mot de passe. Refusé (409, avec ce qu'il faut faire d'abord) tant "
            "qu'une commande attend son paiement, qu'un paiement par carte est en cours, qu'une "
            "réservation est à venir ou que le porte-monnaie contient de l'argent. Sinon, les "
            "données personnelles (compte, filiations, pièces, photos) sont effacées ; les "
            "commandes, paiements et quittances restent, anonymisés, comme la loi l'impose. Un "
            "e-mail de confirmation part à l'adresse du compte ; la session est fermée."
        ),
        request=CloseAccountSerializer,
        responses={
            200: DetailSerializer,
            400: FIELD_ERRORS,
            403: CSRF_REFUSED,
            409: ClosureRefusedSerializer,
            429: THROTTLED,
        },
    )
    def post(self, request):
        serializer = CloseAccountSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            closed = closure.close_account(
                request.user, password=serializer.validated_data["password"]
            )
        except DjangoValidationError as exc:
            raise field_errors(exc) from exc
        except closure.ClosureRefused as refused:
            return Response(
                {
                    "detail": _("Votre compte ne peut pas encore être fermé."),
                    "reasons": refused.reasons,
                },
                status=status.HTTP_409_CONFLICT,
            )
        logout(request._request)
        return Response(
            {
                "detail": _(
                    "Votre compte est fermé (référence %(reference)s). Un e-mail de "
                    "confirmation vous a été envoyé."
                )
                % {"reference": closed.reference}
            }
        )
