"""Campaign, campaign cost and sales cost endpoints: validate, call one service or selector."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from leads import selectors, services
from leads.api.common import RolePermission
from leads.api.filters import CampaignCostFilter, CampaignFilter, SalesCostFilter
from leads.api.serializers import (
    CampaignCostSerializer,
    CampaignSerializer,
    SalesCostSerializer,
)
from leads.models import Campaign, CampaignCost, SalesCost
from leads.roles import MANAGER, MARKETING, SALES

ID_PATTERN = r"\d{1,18}"


@extend_schema_view(
    list=extend_schema(summary="List campaigns", tags=["campaigns"]),
    retrieve=extend_schema(summary="Get a campaign", tags=["campaigns"]),
    create=extend_schema(summary="Create a campaign", tags=["campaigns"]),
    partial_update=extend_schema(summary="Change a campaign", tags=["campaigns"]),
)
class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CampaignSerializer
    permission_classes = [RolePermission]
    read_roles = (MARKETING, SALES, MANAGER)
    write_roles = (MARKETING, MANAGER)
    filterset_class = CampaignFilter
    ordering_fields = ["id", "name", "start_date", "created_at", "budget"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaign_list()

    def perform_create(self, serializer: CampaignSerializer) -> None:
        serializer.instance = services.campaign_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: CampaignSerializer) -> None:
        serializer.instance = services.campaign_update(
            campaign_id=serializer.instance.pk,
            actor=self.request.user,
            **serializer.validated_data,
        )


CAMPAIGN_ID = OpenApiParameter("campaign_id", int, OpenApiParameter.PATH, description="Campaign id")


@extend_schema_view(
    list=extend_schema(
        summary="List a campaign's spend entries", tags=["campaigns"], parameters=[CAMPAIGN_ID]
    ),
    create=extend_schema(
        summary="Add a spend entry to a campaign", tags=["campaigns"], parameters=[CAMPAIGN_ID]
    ),
)
class CampaignCostViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CampaignCostSerializer
    permission_classes = [RolePermission]
    read_roles = (MARKETING, MANAGER)
    write_roles = (MARKETING, MANAGER)
    filterset_class = CampaignCostFilter
    ordering_fields = ["id", "date", "amount"]
    queryset = CampaignCost.objects.none()  # the schema's model; rows come from the selector

    def _campaign(self) -> Campaign:
        return get_object_or_404(selectors.campaign_list(), pk=self.kwargs["campaign_id"])

    def get_queryset(self) -> QuerySet[CampaignCost]:
        if getattr(self, "swagger_fake_view", False):
            return CampaignCost.objects.none()
        return selectors.campaign_costs(campaign_id=self._campaign().pk)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        campaign = self._campaign()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cost = services.campaign_cost_add(
            campaign_id=campaign.pk, actor=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(cost).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List sales cost entries", tags=["sales costs"]),
    create=extend_schema(summary="Add a sales cost entry", tags=["sales costs"]),
)
class SalesCostViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SalesCostSerializer
    permission_classes = [RolePermission]
    read_roles = (MANAGER,)
    write_roles = (MANAGER,)
    filterset_class = SalesCostFilter
    ordering_fields = ["id", "date", "amount"]

    def get_queryset(self) -> QuerySet[SalesCost]:
        return selectors.sales_cost_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cost = services.sales_cost_add(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(cost).data, status=status.HTTP_201_CREATED)
