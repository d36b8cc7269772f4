"""/api/reservations/basket/recurring/ and /api/reservations/basket/repeat/: a weekly pattern
(or last week's / last month's) previewed, then added to the basket through the basket's own
add (reservations/recurring.py). Thin: validate, call the service, shape the answer."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsValidatedAccount

from .. import recurring
from ..basket import basket_summary
from ..exceptions import BasketNotEditable, MealsRefused, UnknownBeneficiary, UnknownService
from ..recurrence import PatternError, WeeklyPattern
from ..rules import PARIS
from .planning import NOT_FOUND
from .planning_serializers import BasketSummarySerializer, MealsRefusedSerializer
from .recurring_serializers import (
    RecurringAddedSerializer,
    RecurringPreviewSerializer,
    RecurringSerializer,
    RepeatSerializer,
    preview_data,
    refused_data,
)

RESPONSES = {
    200: RecurringPreviewSerializer,
    201: RecurringAddedSerializer,
    400: MealsRefusedSerializer,
    404: NOT_FOUND,
    409: OpenApiResponse(description="Le panier est en cours de paiement."),
}


class _PatternView(APIView):
    permission_classes = [IsValidatedAccount]
    serializer_class = None

    def post(self, request):
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        now = timezone.now()  # one clock for the whole request
        try:
            preview = self.preview(request.user, data, now)
            if data["preview"]:
                return Response(RecurringPreviewSerializer(preview_data(preview)).data)
            basket = recurring.add_preview(
                preview, account=request.user, now=now, skip_refused=data["skip_refused"]
            )
        except UnknownBeneficiary:
            raise Http404 from None
        except UnknownService:
            raise serializers.ValidationError({"service": [_("Service inconnu.")]}) from None
        except PatternError as error:
            field = error.field or "non_field_errors"
            raise serializers.ValidationError({field: [error.message]}) from None
        except MealsRefused as refused:
            errors = [{**error, "date": str(error["date"])} for error in refused.errors]
            return Response(
                {"detail": _("Aucun repas n'a été ajouté."), "errors": errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        except BasketNotEditable:
            return Response(
                {"detail": _("Votre panier est en cours de paiement : il ne peut plus changer.")},
                status=status.HTTP_409_CONFLICT,
            )
        summary = BasketSummarySerializer(basket_summary(request.user, basket)).data
        body = {**summary, "added": len(preview.bookable), "refused": refused_data(preview)}
        return Response(RecurringAddedSerializer(body).data, status=status.HTTP_201_CREATED)

    def preview(self, account, data, now):  # pragma: no cover - each view has its own
        raise NotImplementedError


class RecurringMealsView(_PatternView):
    serializer_class = RecurringSerializer

    @extend_schema(
        tags=["reservations"],
        summary="Book a weekly pattern over a period: preview, then add",
        description=(
            "`weekdays` at `frequency` from `start` (today by default) to `end` (the end of the "
            "school term by default, at most the end of the school year) for `beneficiaries`, "
            "in `service`. With `preview` (the default) nothing is added: the answer lists the "
            "meals bookable with their price, those refused with the reason, and the days the "
            "service is closed (not offered). Without it, the bookable meals are added all or "
            "nothing: with `skip_refused`, the refused ones are left out; without, one refused "
            "meal refuses them all."
        ),
        request=RecurringSerializer,
        responses=RESPONSES,
    )
    def post(self, request):
        return super().post(request)

    def preview(self, account, data, now):
        start = data.get("start") or now.astimezone(PARIS).date()
        end = data.get("end") or recurring.default_end(data["service"], start)
        pattern = WeeklyPattern(frozenset(data["weekdays"]), data["frequency"])
        return recurring.preview_recurring_meals(
            account=account,
            service_id=data["service"],
            beneficiary_ids=data["beneficiaries"],
            pattern=pattern,
            start=start,
            end=end,
            now=now,
        )


class RepeatMealsView(_PatternView):
    serializer_class = RepeatSerializer

    @extend_schema(
        tags=["reservations"],
        summary="Repeat last week's or last month's bookings over the coming week or month",
        description=(
            "Each beneficiary's weekdays booked in `service` last week (`what` week, Monday to "
            "Sunday) or last month (month), over the coming week or month. Preview and add as "
            "for a weekly pattern."
        ),
        request=RepeatSerializer,
        responses=RESPONSES,
    )
    def post(self, request):
        return super().post(request)

    def preview(self, account, data, now):
        return recurring.preview_repeat(
            account=account,
            service_id=data["service"],
            beneficiary_ids=data["beneficiaries"],
            what=data["what"],
            now=now,
        )
