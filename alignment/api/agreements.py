"""The agreement endpoints of alignment.md: list, create, read, change, and its status."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from alignment import selectors, services
from alignment import status as rules
from alignment.models import Agreement
from leads.api.common import RolePermission
from leads.roles import MANAGER, MARKETING, SALES

ID_PATTERN = r"\d{1,18}"


class AgreementSerializer(serializers.ModelSerializer):
    """Types only; the ranges (fractions in (0, 1], money and hours > 0, dates in order, no
    overlap) are checked once, by the service."""

    mqls = serializers.IntegerField(help_text="Marketing: MQLs committed for the whole period.")
    max_cost_per_mql = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Marketing, optional: money, at most this much spend per MQL.",
    )
    min_sla_compliance = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        coerce_to_string=False,
        help_text="Sales: a fraction in (0, 1], SLA compliance at least this.",
    )
    min_answered_share = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        coerce_to_string=False,
        help_text="Sales: a fraction in (0, 1], at least this share of handoffs answered.",
    )
    max_avg_response_hours = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        coerce_to_string=False,
        required=False,
        allow_null=True,
        help_text="Sales, optional: hours, an average response time of at most this.",
    )

    class Meta:
        model = Agreement
        fields = [
            "id",
            "start",
            "end",
            "mqls",
            "max_cost_per_mql",
            "min_sla_compliance",
            "min_answered_share",
            "max_avg_response_hours",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_by", "created_at", "updated_at"]
        validators: list = []


class StatusQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, help_text="The day to read the status on (YYYY-MM-DD); default today."
    )


CommitmentSerializer = type(
    "AgreementCommitmentStatus",
    (serializers.Serializer,),
    {
        "committed": serializers.JSONField(help_text="Money as a string; counts whole numbers."),
        "actual": serializers.JSONField(allow_null=True),
        "expected_to_date": serializers.JSONField(
            allow_null=True,
            help_text="Counts: committed x elapsed_days / total_days; otherwise committed.",
        ),
        "projected": serializers.JSONField(
            allow_null=True,
            help_text="Counts: actual x total_days / elapsed_days; otherwise actual.",
        ),
        "status": serializers.ChoiceField(choices=rules.STATUSES),
    },
)
StatusSerializer = type(
    "AgreementStatus",
    (serializers.Serializer,),
    {
        "as_of": serializers.DateField(),
        "elapsed_days": serializers.IntegerField(),
        "total_days": serializers.IntegerField(),
        "commitments": serializers.DictField(
            child=CommitmentSerializer(),
            help_text="One entry per commitment the agreement sets, by its field name.",
        ),
        "verdict": type(
            "AgreementVerdict",
            (serializers.Serializer,),
            {
                "marketing": serializers.ChoiceField(choices=rules.STATUSES),
                "sales": serializers.ChoiceField(choices=rules.STATUSES),
            },
        )(),
    },
)


@extend_schema_view(
    list=extend_schema(summary="List the agreements between the teams", tags=["alignment"]),
    retrieve=extend_schema(summary="Get an agreement", tags=["alignment"]),
    create=extend_schema(summary="Create an agreement (managers)", tags=["alignment"]),
    partial_update=extend_schema(summary="Change an agreement (managers)", tags=["alignment"]),
)
class AgreementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AgreementSerializer
    permission_classes = [RolePermission]
    read_roles = (MARKETING, SALES, MANAGER)
    write_roles = (MANAGER,)
    ordering_fields = ["id", "start", "end"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Agreement]:
        return selectors.agreement_list()

    def perform_create(self, serializer: AgreementSerializer) -> None:
        serializer.instance = services.agreement_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: AgreementSerializer) -> None:
        serializer.instance = services.agreement_update(
            agreement_id=serializer.instance.pk,
            actor=self.request.user,
            **serializer.validated_data,
        )

    @extend_schema(
        summary="The agreement's status: each commitment against its actual, and the verdict",
        tags=["alignment"],
        parameters=[
            OpenApiParameter("as_of", str, description="YYYY-MM-DD; default today (in TIME_ZONE).")
        ],
        responses={200: StatusSerializer},
    )
    @action(detail=True, methods=["get"], url_path="status")
    def status(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agreement = self.get_object()
        query = StatusQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or timezone.localdate()
        status = selectors.agreement_status(agreement=agreement, as_of=as_of)
        return Response(rules.format_status(status))
