"""/api/reservations/basket/ and /api/reservations/calendar/: the booking screens. Meals go
into Oscar's basket in bulk (all or nothing); the calendar shows each day's state and price."""

from datetime import date

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsValidatedAccount

from ..basket import add_meals_to_basket, basket_summary, remove_meals_from_basket
from ..exceptions import MealsRefused, UnknownBeneficiary, UnknownService
from ..month import month_calendar
from .planning_serializers import (
    AddMealsSerializer,
    BasketSummarySerializer,
    BeneficiaryMonthSerializer,
    MealsRefusedSerializer,
    RemovedSerializer,
    RemoveMealsSerializer,
)

NOT_FOUND = OpenApiResponse(description="Un bénéficiaire n'est pas de votre famille.")


def _summary(account, basket=None, **extra):
    data = BasketSummarySerializer(basket_summary(account, basket)).data
    return {**data, **extra}


class BasketMealsView(APIView):
    """The meals of the basket: add beneficiaries × dates, remove, read the summary."""

    permission_classes = [IsValidatedAccount]

    @extend_schema(
        tags=["reservations"],
        summary="The basket's meals, grouped by date, with their frozen prices",
        responses={200: BasketSummarySerializer},
    )
    def get(self, request):
        return Response(_summary(request.user))

    @extend_schema(
        tags=["reservations"],
        summary="Add meals to the basket, all or nothing",
        description=(
            "`beneficiaries` × `dates`, or × the `weekdays` between `from` and `to` (closed "
            "days of the pattern are left out). The tariff option of each beneficiary is the "
            "one of their accepted access to `service`. One refused meal refuses them all: the "
            "answer lists every refused meal with its reason."
        ),
        request=AddMealsSerializer,
        responses={201: BasketSummarySerializer, 400: MealsRefusedSerializer, 404: NOT_FOUND},
    )
    def post(self, request):
        serializer = AddMealsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        now = timezone.now()  # one clock for the whole request
        try:
            basket = add_meals_to_basket(
                account=request.user,
                service_id=data["service"],
                beneficiary_ids=data["beneficiaries"],
                dates=data["dates"],
                now=now,
                skip_closed=data["skip_closed"],
            )
        except UnknownBeneficiary:
            raise Http404 from None
        except UnknownService:
            raise serializers.ValidationError({"service": [_("Service inconnu.")]}) from None
        except MealsRefused as refused:
            return Response(
                {"detail": _("Aucun repas n'a été ajouté."), "errors": refused.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(_summary(request.user, basket), status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["reservations"],
        summary="Remove meals from the basket",
        description="`lines` (ids), or `beneficiaries` × `dates` (of `service` if given).",
        request=RemoveMealsSerializer,
        responses={200: RemovedSerializer, 404: NOT_FOUND},
    )
    def delete(self, request):
        serializer = RemoveMealsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            removed = remove_meals_from_basket(
                account=request.user,
                line_ids=data.get("lines"),
                beneficiary_ids=data.get("beneficiaries"),
                dates=data.get("dates"),
                service_id=data.get("service"),
            )
        except UnknownBeneficiary:
            raise Http404 from None
        return Response(_summary(request.user, removed=removed))


class CalendarView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["reservations"],
        summary="Each day of a month for the family's beneficiaries: state, price, deadlines",
        description=(
            "Per beneficiary and per service they have accepted access to. `state` is one of "
            "closed (with `reason`), bookable, in_basket, booked, locked (booking deadline "
            "passed), full. Deadlines are Europe/Paris timestamps."
        ),
        parameters=[
            OpenApiParameter(
                "beneficiary", int, many=True, required=True, description="Repeatable."
            ),
            OpenApiParameter("month", str, required=True, description="YYYY-MM"),
            OpenApiParameter("service", int, description="Only this service."),
        ],
        responses={200: BeneficiaryMonthSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request):
        errors = {}
        try:
            ids = [int(value) for value in request.query_params.getlist("beneficiary")]
        except ValueError:
            ids = []
        if not ids:
            errors["beneficiary"] = [_("Indiquez au moins un bénéficiaire.")]
        try:
            month = date.fromisoformat(request.query_params.get("month", "") + "-01")
        except ValueError:
            errors["month"] = [_("Indiquez un mois au format AAAA-MM.")]
        service = request.query_params.get("service")
        if service is not None and not service.isdigit():
            errors["service"] = [_("Service inconnu.")]
        if errors:
            raise serializers.ValidationError(errors)
        try:
            months = month_calendar(
                account=request.user,
                beneficiary_ids=ids,
                month=month,
                now=timezone.now(),
                service_id=int(service) if service else None,
            )
        except UnknownBeneficiary:
            raise Http404 from None
        return Response(BeneficiaryMonthSerializer(months, many=True).data)
