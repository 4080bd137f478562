"""Lead, lifecycle move, event, handoff and opportunity endpoints over the workflow service."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from handoff import selectors, services
from handoff.api import serializers as s
from handoff.api.filters import ApiLeadFilter, HandoffFilter, OpportunityFilter
from handoff.api.touches import LeadTouchesMixin
from handoff.models import Handoff
from leads.api.common import CursorPage, RolePermission
from leads.models import Lead, Opportunity
from leads.roles import MANAGER, MARKETING, SALES

ID_PATTERN = r"\d{1,18}"
ALL_ROLES = (MARKETING, SALES, MANAGER)
NOT_VISIBLE = "No such lead, or not one of yours."


def _leads(user: Any) -> QuerySet[Lead]:
    return selectors.lead_list(user=user).prefetch_related(
        Prefetch("handoffs", queryset=Handoff.objects.order_by("-handed_off_at", "-id"))
    )


# lifecycle action -> its input serializer; the move itself is `services.lead_move`.
MOVE_INPUTS: dict[str, type[serializers.Serializer]] = {
    "qualify": s.QualifySerializer,
    "nurture": s.MoveSerializer,
    "handoff": s.HandoffMoveSerializer,
    "reassign": s.ReassignSerializer,
    "accept": s.AcceptSerializer,
    "reject": s.RejectSerializer,
    "recycle": s.MoveSerializer,
    "disqualify": s.DisqualifySerializer,
    "convert": s.ConvertSerializer,
}

MOVE_DOC = {
    "qualify": "new, nurture -> mql (marketing, manager). Optional `score` 0-100.",
    "nurture": "new -> nurture (marketing, manager).",
    "handoff": "mql -> handed_off (marketing, manager). Optional `assignee` (sales rep id); "
    "else the assignment rule picks.",
    "reassign": "handed_off -> handed_off (manager). `assignee` required.",
    "accept": "handed_off -> accepted (the assigned rep, manager). Optional `rating` 1-5, "
    "`feedback`.",
    "reject": "handed_off, accepted -> rejected (the assigned rep, manager). `reason` required "
    "(`other` needs `feedback`); optional `rating`, `feedback`.",
    "recycle": "rejected -> nurture (marketing, manager).",
    "disqualify": "new, nurture, mql, rejected -> disqualified (marketing, manager). "
    "Optional `reason`.",
    "convert": "accepted -> converted (the owning rep, manager). `amount` required; optional "
    "`name`, `expected_close_date`. Answers 201 with the opportunity.",
}

LEAD_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Lead id")


def _move_schema(name: str) -> Any:
    return extend_schema(
        summary=f"Lifecycle move: {name}",
        description=MOVE_DOC[name]
        + " A move the current status does not allow is refused with 409 "
        '`{"detail", "code": "invalid_transition", "status"}`; `at` needs the backfill '
        "permission and may not be in the future nor before the lead's previous move (400).",
        tags=["lead moves"],
        request=MOVE_INPUTS[name],
        responses={201: s.OpportunitySerializer} if name == "convert" else {200: s.LeadSerializer},
    )


class LeadViewSetBase(
    LeadTouchesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.LeadSerializer
    permission_classes = [RolePermission]
    read_roles = ALL_ROLES
    write_roles = ALL_ROLES  # the service decides who may do what to which lead
    filterset_class = ApiLeadFilter
    ordering_fields = ["id", "created_at", "updated_at", "score", "status", "email", "company"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = ID_PATTERN
    queryset = Lead.objects.none()  # the schema's model; rows come from the selector

    def get_queryset(self) -> QuerySet[Lead]:
        return _leads(self.request.user)

    def get_object(self) -> Lead:
        lead = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if lead is None:
            raise Http404(NOT_VISIBLE)
        return lead

    def _answer(self, lead_id: int, code: int = status.HTTP_200_OK) -> Response:
        lead = _leads(self.request.user).get(pk=lead_id)
        return Response(s.LeadSerializer(lead).data, status=code)

    @extend_schema(
        summary="Capture a lead",
        description="Duplicates (same `external_id`, or the same email case-insensitively as "
        'a live lead) are refused with 409 `{"detail", "code": "duplicate", "existing_id"}`.',
        request=s.LeadWriteSerializer,
        responses={201: s.LeadSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.LeadWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = services.lead_capture(actor=request.user, **serializer.to_service())
        return Response(s.LeadSerializer(lead).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a lead",
        description="Reps may change only the contact fields of their own leads.",
        request=s.LeadWriteSerializer(partial=True),
        responses={200: s.LeadSerializer},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        lead = self.get_object()
        serializer = s.LeadWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.lead_update(lead_id=lead.pk, actor=request.user, **serializer.to_service())
        return self._answer(lead.pk)

    @extend_schema(
        summary="Capture up to 1,000 leads",
        description="Each row is checked on its own: valid rows are created (in one "
        "transaction, with bulk inserts) even when others are duplicates or invalid. The "
        "answer lists every row by its `index` in the request. A bare JSON array of leads "
        "is accepted too.",
        request=s.BulkLeadsSchemaSerializer,
        responses={200: s.BulkResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request: Request) -> Response:
        rows = request.data if isinstance(request.data, list) else None
        if rows is None:
            body = s.BulkLeadsSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            rows = body.validated_data["leads"]
        elif len(rows) > 1000:
            raise ValidationError({"leads": ["At most 1,000 leads per call."]})
        results: list[dict[str, Any]] = [{} for _ in rows]
        valid: list[tuple[int, dict[str, Any]]] = []
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                results[index] = _row(
                    index, "invalid", errors={"non_field_errors": ["Not an object."]}
                )
                continue
            serializer = s.LeadWriteSerializer(data=row)
            if serializer.is_valid():
                valid.append((index, serializer.to_service()))
            else:
                errors = {k: [str(m) for m in v] for k, v in serializer.errors.items()}
                results[index] = _row(index, "invalid", errors=errors)
        captured = services.lead_capture_bulk(actor=request.user, rows=[r for _, r in valid])
        for (index, _), result in zip(valid, captured, strict=True):
            results[index] = _row(
                index,
                result.status,
                lead_id=result.lead_id,
                existing_id=result.existing_id,
                errors=result.errors,
            )
        counts = {k: sum(1 for r in results if r["status"] == k) for k in ("created", "duplicate")}
        return Response(
            {
                "created": counts["created"],
                "duplicates": counts["duplicate"],
                "invalid": len(results) - counts["created"] - counts["duplicate"],
                "results": results,
            }
        )

    @extend_schema(
        summary="A lead's audit trail, oldest first",
        tags=["leads"],
        parameters=[LEAD_ID],
        responses={200: s.LeadEventSerializer(many=True)},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="events",
        pagination_class=type("EventPage", (CursorPage,), {"ordering": ("at", "id")}),
        filter_backends=[],
    )
    def events(self, request: Request, pk: str) -> Response:
        lead = self.get_object()
        page = self.paginate_queryset(selectors.lead_events(lead_id=lead.pk))
        return self.get_paginated_response(s.LeadEventSerializer(page, many=True).data)

    def _move(self, request: Request, name: str) -> Response:
        lead = self.get_object()
        serializer = MOVE_INPUTS[name](data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "assignee" in data:
            data["assignee_id"] = data.pop("assignee")
        result = services.lead_move(action=name, lead_id=lead.pk, actor=request.user, **data)
        if name == "convert":
            return Response(s.OpportunitySerializer(result).data, status=status.HTTP_201_CREATED)
        return self._answer(lead.pk)


def _row(
    index: int,
    row_status: str,
    *,
    lead_id: int | None = None,
    existing_id: int | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    return {
        "index": index,
        "status": row_status,
        "id": lead_id,
        "existing_id": existing_id,
        "errors": errors or {},
    }


def _add_move(name: str) -> None:
    def move(self: LeadViewSetBase, request: Request, pk: str) -> Response:
        return self._move(request, name)

    move.__name__ = name
    move = _move_schema(name)(move)
    setattr(
        LeadViewSetBase,
        name,
        action(detail=True, methods=["post"], url_path=name, filter_backends=[])(move),
    )


for _name in MOVE_INPUTS:
    _add_move(_name)


@extend_schema_view(
    list=extend_schema(summary="List leads (reps: their own)", tags=["leads"]),
    retrieve=extend_schema(summary="Get a lead", tags=["leads"]),
)
class LeadViewSet(LeadViewSetBase):
    pass


@extend_schema_view(
    list=extend_schema(summary="List handoff records (reps: their own)", tags=["handoffs"]),
    retrieve=extend_schema(summary="Get a handoff record", tags=["handoffs"]),
)
class HandoffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.HandoffSerializer
    permission_classes = [RolePermission]
    read_roles = ALL_ROLES
    filterset_class = HandoffFilter
    ordering_fields = ["id", "handed_off_at", "sla_due_at", "responded_at"]
    lookup_value_regex = ID_PATTERN
    queryset = Handoff.objects.none()

    def get_queryset(self) -> QuerySet[Handoff]:
        return selectors.handoff_list(user=self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}


@extend_schema_view(
    list=extend_schema(summary="List opportunities (reps: their own)", tags=["opportunities"]),
    retrieve=extend_schema(summary="Get an opportunity", tags=["opportunities"]),
    partial_update=extend_schema(
        summary="Change an open opportunity",
        tags=["opportunities"],
        request=s.OpportunityUpdateSerializer,
        responses={200: s.OpportunitySerializer},
    ),
)
class OpportunityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.OpportunitySerializer
    permission_classes = [RolePermission]
    read_roles = ALL_ROLES
    write_roles = (SALES, MANAGER)
    filterset_class = OpportunityFilter
    ordering_fields = ["id", "created_at", "closed_at", "amount", "expected_close_date"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = ID_PATTERN
    queryset = Opportunity.objects.none()

    def get_queryset(self) -> QuerySet[Opportunity]:
        return selectors.opportunity_list(user=self.request.user)

    def get_object(self) -> Opportunity:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _answer(self, opportunity_id: int) -> Response:
        opportunity = self.get_queryset().get(pk=opportunity_id)
        return Response(s.OpportunitySerializer(opportunity).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        opportunity = self.get_object()
        serializer = s.OpportunityUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.opportunity_update(
            opportunity_id=opportunity.pk, actor=request.user, **serializer.validated_data
        )
        return self._answer(opportunity.pk)

    @extend_schema(
        summary="Close an opportunity as won",
        description="Optional final `amount`, optional `reason` code (price, product_fit, "
        "relationship, timing, other) and `note`; a closed opportunity is refused with 409.",
        tags=["opportunities"],
        request=s.WinSerializer,
        responses={200: s.OpportunitySerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def win(self, request: Request, pk: str) -> Response:
        opportunity = self.get_object()
        serializer = s.WinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.opportunity_win(
            opportunity_id=opportunity.pk, actor=request.user, **serializer.validated_data
        )
        return self._answer(opportunity.pk)

    @extend_schema(
        summary="Close an opportunity as lost",
        description="`reason` code required (price, competitor, no_decision, timing, "
        "missing_features, budget, other); `other` needs a `note` (else 400); a closed "
        "opportunity is refused with 409.",
        tags=["opportunities"],
        request=s.LoseSerializer,
        responses={200: s.OpportunitySerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def lose(self, request: Request, pk: str) -> Response:
        opportunity = self.get_object()
        serializer = s.LoseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.opportunity_lose(
            opportunity_id=opportunity.pk, actor=request.user, **serializer.validated_data
        )
        return self._answer(opportunity.pk)
