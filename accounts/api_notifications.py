"""GET/PUT /api/accounts/me/notifications/: which e-mails the logged-in account receives."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import notifications
from .models import NotificationKind


class NotificationPreferencesSerializer(serializers.Serializer):
    """One boolean per kind of e-mail: true, it is sent; false, the account turned it off."""

    def get_fields(self):
        return {
            kind: serializers.BooleanField(help_text=str(label))
            for kind, label in NotificationKind.choices
        }


@extend_schema(tags=["comptes"])
class NotificationPreferencesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Mes préférences d'e-mails",
        responses={200: NotificationPreferencesSerializer},
    )
    def get(self, request):
        return Response(notifications.preferences_of(request.user))

    @extend_schema(
        summary="Choisir les e-mails que je reçois",
        description=(
            "Chaque type vaut true (envoyé) ou false (désabonné). Une annulation faite par un "
            "agent est toujours signalée par e-mail."
        ),
        request=NotificationPreferencesSerializer,
        responses={200: NotificationPreferencesSerializer},
    )
    def put(self, request):
        serializer = NotificationPreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(notifications.set_preferences(request.user, serializer.validated_data))
