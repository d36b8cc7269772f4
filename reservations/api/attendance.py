"""/api/attendance/: the pointage for the agents' own clients (a tablet app): GET one service
day's children, POST its marks, all or none. The same use case as the dashboard's screen
(reservations/attendance.py); a service of another commune is a 404."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from oscar.core.loading import get_model
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import communes_of

from ..attendance import AttendanceError, Mark, record_attendance
from ..models import AttendanceState
from ..pointage import pointage

Product = get_model("catalogue", "Product")


class IsCommuneAgent(BasePermission):
    """An agent who may see the headcounts (the dashboard's permission for the pointage)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.has_perm("partner.dashboard_access")
            and user.has_perm("reservations.review_serviceaccess")
        )


def agent_service(agent, service_id):
    services = Product.objects.filter(
        structure=Product.PARENT, children__stockrecords__partner__in=communes_of(agent)
    ).distinct()
    return get_object_or_404(services, pk=service_id)


class DayQuery(serializers.Serializer):
    service = serializers.IntegerField()
    date = serializers.DateField()


class MarkSerializer(serializers.Serializer):
    beneficiary = serializers.IntegerField()
    state = serializers.ChoiceField(choices=AttendanceState.choices)


class SaveSerializer(DayQuery):
    marks = MarkSerializer(many=True)
    not_there = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Enfants dont la présence sans réservation est retirée.",
    )


class ChildSerializer(serializers.Serializer):
    beneficiary = serializers.IntegerField(source="beneficiary.pk")
    first_name = serializers.CharField(source="beneficiary.first_name")
    last_name = serializers.CharField(source="beneficiary.last_name")
    school_class = serializers.CharField(source="beneficiary.school_class")
    group = serializers.CharField(source="beneficiary.group")
    has_pai = serializers.BooleanField(source="beneficiary.has_pai")
    pai_details = serializers.CharField(source="beneficiary.pai_details")
    diet = serializers.CharField(source="beneficiary.diet")
    booking = serializers.IntegerField(source="booking.pk", allow_null=True, default=None)
    state = serializers.CharField()
    recorded = serializers.BooleanField()
    certificate_pending = serializers.BooleanField(
        help_text="Un justificatif d'absence de ce jour attend un agent."
    )


class DaySerializer(serializers.Serializer):
    service = serializers.IntegerField()
    date = serializers.DateField()
    locked = serializers.BooleanField()
    locked_reason = serializers.CharField()
    booked = ChildSerializer(many=True)
    unbooked = ChildSerializer(many=True, help_text="Les autres enfants inscrits au service.")


def day_body(service, day) -> dict:
    shown = pointage(service, day)
    return DaySerializer(
        {
            "service": service.pk,
            "date": day,
            "locked": bool(shown["locked_reason"]),
            "locked_reason": shown["locked_reason"],
            "booked": [row for section in shown["sections"] for row in section.rows],
            "unbooked": shown["unbooked"],
        }
    ).data


NOT_FOUND = OpenApiResponse(description="Un service d'une autre commune, ou inconnu.")
REFUSED = OpenApiResponse(
    description="Rien n'est enregistré : jour facturé (verrouillé), état inconnu, enfant sans "
    "accès au service. `errors` : un message en français par problème."
)


class AttendanceDayView(APIView):
    permission_classes = [IsCommuneAgent]

    @extend_schema(
        summary="Pointage d'un jour de service",
        parameters=[
            OpenApiParameter("service", OpenApiTypes.INT, required=True),
            OpenApiParameter("date", OpenApiTypes.DATE, required=True),
        ],
        responses={200: DaySerializer, 404: NOT_FOUND},
    )
    def get(self, request):
        query = DayQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        service = agent_service(request.user, query.validated_data["service"])
        return Response(day_body(service, query.validated_data["date"]))

    @extend_schema(
        summary="Enregistrer le pointage d'un jour (tout ou rien)",
        request=SaveSerializer,
        responses={200: DaySerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request):
        form = SaveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        service = agent_service(request.user, data["service"])
        marks = [Mark(m["beneficiary"], m["state"]) for m in data["marks"]]
        try:
            record_attendance(
                service, data["date"], marks, by=request.user, not_there=data["not_there"]
            )
        except AttendanceError as error:
            return Response({"errors": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(day_body(service, data["date"]))


urlpatterns = [path("", AttendanceDayView.as_view(), name="attendance-day")]
