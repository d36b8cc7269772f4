"""/api/reservations/waitlist/: the family's waiting lists. GET lists the open entries, POST
joins a full day's list for one child, DELETE /<id>/ leaves it. Thin: validate, call
reservations/waitlist.py, shape the answer. Another family's child or entry is a 404."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsValidatedAccount

from .. import waitlist
from ..exceptions import UnknownBeneficiary, UnknownService
from ..models import WaitlistEntry
from ..rules import PARIS


class JoinSerializer(serializers.Serializer):
    beneficiary = serializers.IntegerField()
    service = serializers.IntegerField()
    date = serializers.DateField()
    auto_pay_from_wallet = serializers.BooleanField(default=False)


class WaitlistEntrySerializer(serializers.ModelSerializer):
    beneficiary_name = serializers.CharField(source="beneficiary.first_name", read_only=True)
    service_title = serializers.CharField(source="service.title", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "beneficiary",
            "beneficiary_name",
            "service",
            "service_title",
            "date",
            "auto_pay_from_wallet",
            "status",
            "status_label",
            "created_at",
            "offered_until",
            "order_number",
        ]
        read_only_fields = fields


REFUSED = OpenApiResponse(description="Refusé : le jour n'est pas complet, ou ne se réserve pas.")
NOT_FOUND = OpenApiResponse(description="Un bénéficiaire ou une inscription d'une autre famille.")


class WaitlistView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(responses={200: WaitlistEntrySerializer(many=True)})
    def get(self, request):
        today = timezone.now().astimezone(PARIS).date()
        entries = waitlist.entries_of(request.user, since=today)
        return Response(WaitlistEntrySerializer(entries, many=True).data)

    @extend_schema(
        request=JoinSerializer,
        responses={201: WaitlistEntrySerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request):
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            entry = waitlist.join(
                request.user,
                beneficiary_id=data["beneficiary"],
                service_id=data["service"],
                day=data["date"],
                auto_pay=data["auto_pay_from_wallet"],
                now=timezone.now(),
            )
        except UnknownBeneficiary:
            raise Http404 from None
        except UnknownService:
            raise serializers.ValidationError({"service": [_("Service inconnu.")]}) from None
        except waitlist.WaitlistRefused as refused:
            return Response({"detail": refused.detail}, status=status.HTTP_400_BAD_REQUEST)
        entry = WaitlistEntry.objects.select_related("beneficiary", "service").get(pk=entry.pk)
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class WaitlistEntryView(APIView):
    permission_classes = [IsValidatedAccount]

    @extend_schema(responses={204: None, 400: REFUSED, 404: NOT_FOUND})
    def delete(self, request, pk: int):
        try:
            waitlist.leave(request.user, pk, now=timezone.now())
        except WaitlistEntry.DoesNotExist:
            raise Http404 from None
        except waitlist.WaitlistRefused as refused:
            return Response({"detail": refused.detail}, status=status.HTTP_400_BAD_REQUEST)
        return Response(status=status.HTTP_204_NO_CONTENT)
