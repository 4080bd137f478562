"""KPI endpoints: summary, time series and breakdown from the rollups, and a full recompute."""

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from leads import queueing
from leads.api.common import RolePermission
from leads.models import Channel
from leads.roles import MANAGER, MARKETING, SALES
from metrics import attribution, attribution_selectors, dateranges, kpis, rates, selectors, tasks
from metrics.api.attribution import AttributionRowsSerializer
from metrics.api.diagnosis import DiagnosisSerializer, format_diagnosis
from metrics.diagnosis import revenue_diagnosis

MAX_RANGE_DAYS = dateranges.MAX_RANGE_DAYS  # ten years, the one rule of metrics/dateranges.py
RANGE_MESSAGES = {
    dateranges.OUT_OF_BOUNDS: (
        f"Give a day from {dateranges.EARLIEST.isoformat()} to {dateranges.LATEST.isoformat()}."
    ),
    dateranges.END_BEFORE_START: "The end may not be before the start.",
    dateranges.TOO_LONG: f"At most {MAX_RANGE_DAYS} days per query.",
}
MAX_DAILY_RANGE_DAYS = 1100  # a daily series of about three years


class RangeSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day, inclusive (YYYY-MM-DD).")
    end = serializers.DateField(help_text="Last day, inclusive (YYYY-MM-DD).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        problem = dateranges.range_problem(attrs["start"], attrs["end"])
        if problem is not None:
            field, code = problem
            raise ValidationError({field: [RANGE_MESSAGES[code]]})
        return attrs


class FilterSerializer(RangeSerializer):
    campaign = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    owner = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if sum(1 for k in ("campaign", "channel", "owner") if k in attrs) > 1:
            raise ValidationError(
                {"non_field_errors": ["Give at most one of campaign, channel, owner."]}
            )
        return attrs


class DiagnosisQuerySerializer(FilterSerializer):
    compare_start = serializers.DateField(
        required=False,
        help_text="First day of the comparison range (default: the same number of days "
        "just before start).",
    )
    compare_end = serializers.DateField(
        required=False, help_text="Last day of the comparison range, inclusive."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        given = [k for k in ("compare_start", "compare_end") if k in attrs]
        if len(given) == 1:
            missing = "compare_end" if given == ["compare_start"] else "compare_start"
            raise ValidationError(
                {missing: ["Give both compare_start and compare_end, or neither."]}
            )
        if given:
            problem = dateranges.range_problem(attrs["compare_start"], attrs["compare_end"])
            if problem is not None:
                field, code = problem
                raise ValidationError({f"compare_{field}": [RANGE_MESSAGES[code]]})
        return attrs


class TimeseriesQuerySerializer(FilterSerializer):
    metric = serializers.ChoiceField(choices=[k for k in kpis.KEYS if k not in kpis.DICT_KEYS])
    interval = serializers.ChoiceField(choices=["day", "week", "month"])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        span = (attrs["end"] - attrs["start"]).days
        if attrs["interval"] == "day" and span > MAX_DAILY_RANGE_DAYS:
            raise ValidationError(
                {"interval": [f"A daily series covers at most {MAX_DAILY_RANGE_DAYS} days."]}
            )
        return attrs


class BreakdownQuerySerializer(RangeSerializer):
    by = serializers.ChoiceField(choices=["campaign", "channel", "owner"])


class AttributionQuerySerializer(RangeSerializer):
    model = serializers.ChoiceField(
        choices=list(attribution.MODELS), help_text="The attribution model (attribution.md)."
    )
    by = serializers.ChoiceField(choices=list(attribution_selectors.BYS))


def _kpi_fields() -> dict[str, serializers.Field]:
    fields: dict[str, serializers.Field] = {}
    for key in kpis.KEYS:
        if key in kpis.MONEY_KEYS:
            fields[key] = serializers.CharField(
                allow_null=True, help_text="Money: a decimal string with two places."
            )
        elif key in kpis.COUNT_KEYS:
            fields[key] = serializers.IntegerField()
        elif key in kpis.DICT_KEYS:
            fields[key] = serializers.DictField(
                child=serializers.IntegerField(), help_text="{reason_code: count}"
            )
        else:
            fields[key] = serializers.FloatField(
                allow_null=True, help_text="Rounded to 4 places; null when undefined."
            )
    return fields


SummarySerializer = inline_serializer(
    "KpiSummary",
    {
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        **_kpi_fields(),
        "computed_at": serializers.DateTimeField(
            allow_null=True, help_text="When the rollups were last refreshed."
        ),
        "stale": serializers.BooleanField(
            help_text="True while a rollup cell fails to refresh or a change has waited over "
            "15 minutes: some numbers may be behind."
        ),
        "failing_cells": serializers.IntegerField(
            help_text="Rollup cells (day x campaign, owner or sales cost) that could not be "
            "refreshed and are being retried."
        ),
    },
)
BreakdownRowsSerializer = inline_serializer(
    "KpiBreakdownRow",
    many=True,
    fields={
        "campaign": serializers.IntegerField(
            allow_null=True, required=False, help_text="by=campaign (null: unattributed)"
        ),
        "channel": serializers.CharField(
            allow_null=True, required=False, help_text="by=campaign or by=channel"
        ),
        "owner": serializers.IntegerField(
            allow_null=True, required=False, help_text="by=owner (null: unassigned)"
        ),
        "name": serializers.CharField(),
        **_kpi_fields(),
    },
)
PointsSerializer = inline_serializer(
    "KpiPoint",
    many=True,
    fields={
        "period_start": serializers.DateField(),
        "value": serializers.JSONField(
            allow_null=True, help_text="Formatted like the metric in the summary."
        ),
    },
)


RatesSerializer = inline_serializer(
    "FunnelRates",
    {
        key: inline_serializer(
            f"FunnelRate_{key}",
            {
                "value": serializers.JSONField(
                    allow_null=True,
                    help_text="Money as a string; rates and days rounded to 4 places; null "
                    "when the denominator is 0.",
                ),
                "numerator": serializers.JSONField(allow_null=True),
                "denominator": serializers.IntegerField(allow_null=True),
            },
        )
        for key in rates.RATE_KEYS
    },
)


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _call(selector: Any, **kwargs: Any) -> Any:
    try:
        return selector(**kwargs)
    except ValueError as exc:
        raise ValidationError({"non_field_errors": [str(exc)]}) from None


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"
    default_detail = "The task queue is unavailable; try again later."


class KpiViewSet(viewsets.ViewSet):
    permission_classes = [RolePermission]
    read_roles = (MARKETING, SALES, MANAGER)
    write_roles = (MANAGER,)

    @extend_schema(
        summary="Every KPI of kpis.md for a date range",
        tags=["kpis"],
        parameters=[FilterSerializer],
        responses={200: SummarySerializer},
    )
    @action(detail=False, methods=["get"])
    def summary(self, request: Request) -> Response:
        query = _query(FilterSerializer, request)
        return Response(kpis.format_for_api(_call(selectors.kpi_summary, **query)))

    @extend_schema(
        summary="One KPI per day, ISO week or month, for charts",
        tags=["kpis"],
        parameters=[TimeseriesQuerySerializer],
        responses={200: PointsSerializer},
    )
    @action(detail=False, methods=["get"])
    def timeseries(self, request: Request) -> Response:
        query = _query(TimeseriesQuerySerializer, request)
        metric = query["metric"]
        points = _call(selectors.kpi_timeseries, **query)
        return Response(
            [
                {
                    "period_start": p["period_start"].isoformat(),
                    "value": kpis.format_value(metric, p["value"]),
                }
                for p in points
            ]
        )

    @extend_schema(
        summary="The summary keys per campaign, channel or owner",
        tags=["kpis"],
        parameters=[BreakdownQuerySerializer],
        responses={200: BreakdownRowsSerializer},
    )
    @action(detail=False, methods=["get"])
    def breakdown(self, request: Request) -> Response:
        query = _query(BreakdownQuerySerializer, request)
        rows = _call(selectors.kpi_breakdown, **query)
        return Response([kpis.format_for_api(row) for row in rows])

    @extend_schema(
        summary="Customers, revenue, paid CAC and ROMI per campaign or channel under an "
        "attribution model",
        tags=["kpis"],
        parameters=[AttributionQuerySerializer],
        responses={200: AttributionRowsSerializer},
    )
    @action(detail=False, methods=["get"])
    def attribution(self, request: Request) -> Response:
        query = _query(AttributionQuerySerializer, request)
        rows = _call(attribution_selectors.attribution_figures, **query)
        return Response([attribution_selectors.format_row(row) for row in rows])

    @extend_schema(
        summary="The funnel rates of alignment.md over a look-back range",
        tags=["kpis"],
        parameters=[FilterSerializer],
        responses={200: RatesSerializer},
    )
    @action(detail=False, methods=["get"])
    def rates(self, request: Request) -> Response:
        query = _query(FilterSerializer, request)
        return Response(rates.format_rates(_call(rates.funnel_rates, **query)))

    @extend_schema(
        summary="Which part of the funnel moved revenue between two ranges (alignment.md)",
        tags=["kpis"],
        parameters=[DiagnosisQuerySerializer],
        responses={200: DiagnosisSerializer},
    )
    @action(detail=False, methods=["get"])
    def diagnosis(self, request: Request) -> Response:
        query = _query(DiagnosisQuerySerializer, request)
        return Response(format_diagnosis(_call(revenue_diagnosis, **query)))

    @extend_schema(
        summary="Queue a full recompute of the KPI rollups",
        tags=["kpis"],
        request=None,
        responses={
            202: inline_serializer("TaskQueued", {"task_id": serializers.CharField()}),
            503: None,
        },
    )
    @action(detail=False, methods=["post"])
    def recompute(self, request: Request) -> Response:
        task_id = queueing.enqueue(tasks.recompute_all)
        if task_id is None:  # broker down (logged by queueing)
            raise ServiceUnavailable()
        return Response({"task_id": task_id}, status=status.HTTP_202_ACCEPTED)
