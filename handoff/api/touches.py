"""A lead's touches (attribution.md): `GET/POST /api/v1/leads/{id}/touches/`, mixed into the
lead viewset so the lead's visibility (404 when not visible) is the lead detail's."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from leads.api.common import CursorPage
from leads.models import Touch, TouchKind
from leads.touches import check_touch_writer, lead_touches, touch_create

MAX_ID = 2**63 - 1
LEAD_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Lead id")


class TouchSerializer(serializers.ModelSerializer):
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    channel = serializers.CharField(source="campaign.channel", read_only=True)

    class Meta:
        model = Touch
        fields = ["id", "lead", "campaign", "campaign_name", "channel", "at", "kind", "created_at"]
        read_only_fields = fields


class TouchWriteSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Campaign id.")
    at = serializers.DateTimeField(
        required=False,
        help_text="Backfill only (needs the backfill permission, else 403): when the lead met "
        "the campaign; not before the lead's capture, not in the future.",
    )
    kind = serializers.ChoiceField(choices=TouchKind.choices, default=TouchKind.API)


TouchPage = type("TouchPage", (CursorPage,), {"ordering": ("at", "id")})


class LeadTouchesMixin:
    """The `touches` action of the lead viewset (which supplies `get_object`)."""

    @extend_schema(
        methods=["GET"],
        summary="A lead's touches, oldest first",
        tags=["leads"],
        parameters=[LEAD_ID],
        responses={200: TouchSerializer(many=True)},
        filters=False,
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a touch of a lead by a campaign",
        description="Marketing and managers (others: 403). `campaign` must exist (else 400); "
        "`kind` defaults to `api`; `at` defaults to now and needs the backfill permission "
        "(else 403); it may not be before 2000-01-01, in the future, or before the lead's "
        "capture, its first touch (400 with field errors). Answers 201 with the touch.",
        tags=["leads"],
        parameters=[LEAD_ID],
        request=TouchWriteSerializer,
        responses={201: TouchSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="touches",
        pagination_class=TouchPage,
        filter_backends=[],
    )
    def touches(self, request: Request, pk: str) -> Response:
        lead = self.get_object()  # type: ignore[attr-defined]
        if request.method == "GET":
            page = self.paginate_queryset(lead_touches(lead.pk))  # type: ignore[attr-defined]
            return self.get_paginated_response(  # type: ignore[attr-defined]
                TouchSerializer(page, many=True).data
            )
        check_touch_writer(request.user)  # a 403 before any 400 (the service checks it too)
        body = TouchWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(body.validated_data)
        touch = touch_create(
            actor=request.user,
            lead_id=lead.pk,
            campaign_id=data["campaign"],
            at=data.get("at"),
            kind=data["kind"],
        )
        answer = lead_touches(lead.pk).get(pk=touch.pk)
        return Response(TouchSerializer(answer).data, status=status.HTTP_201_CREATED)
