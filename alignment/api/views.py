"""Plan endpoints of alignment.md: preview (saves nothing), create, list, detail with progress."""

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from alignment import selectors, services
from alignment.api.serializers import (
    PlanAnswerSerializer,
    PlanDetailSerializer,
    PlanInputSerializer,
    PlanSerializer,
)
from alignment.models import Plan
from leads.api.common import CursorPage, RolePermission
from leads.roles import MANAGER, MARKETING, SALES

ERRORS = {400: None, 403: None}


class PlanViewSet(viewsets.GenericViewSet):
    permission_classes = [RolePermission]
    read_roles = (MARKETING, SALES, MANAGER)
    write_roles = (MANAGER,)
    pagination_class = CursorPage
    serializer_class = PlanSerializer
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self) -> Any:
        return selectors.plan_list()

    def _inputs(self, request: Request) -> dict[str, Any]:
        serializer = PlanInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(
        summary="Compute a reverse-funnel plan without saving it",
        tags=["plans"],
        request=PlanInputSerializer,
        responses={200: PlanAnswerSerializer, **ERRORS},
        description=(
            "400 with field errors for bad input, or `{code: missing_rate | zero_rate, "
            "rates: [keys]}` when a rate the plan needs has no data in the look-back or is 0."
        ),
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        return Response(services.plan_preview(**self._inputs(request)))

    @extend_schema(
        summary="Save a plan and write its targets",
        tags=["plans"],
        request=PlanInputSerializer,
        responses={201: PlanSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        plan = services.plan_create(actor=request.user, **self._inputs(request))
        return Response(PlanSerializer.of(plan), status=status.HTTP_201_CREATED)

    @extend_schema(summary="List plans", tags=["plans"], responses={200: PlanSerializer(many=True)})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([PlanSerializer.of(plan) for plan in page])

    @extend_schema(
        summary="Get a plan with its progress to date",
        tags=["plans"],
        responses={200: PlanDetailSerializer, 404: None},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        try:
            plan = selectors.plan_get(plan_id=int(pk))
        except Plan.DoesNotExist:
            raise Http404 from None
        return Response({**PlanSerializer.of(plan), "progress": selectors.plan_progress(plan=plan)})
