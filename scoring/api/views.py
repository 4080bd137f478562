"""The learned lead score's endpoints: the current model's figures and a training request."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from leads.api.common import RolePermission
from leads.roles import MANAGER, MARKETING, SALES
from scoring import selectors, services
from scoring.api.serializers import ScoringModelSerializer, TrainQueuedSerializer


class ScoringViewSet(viewsets.GenericViewSet):
    permission_classes = [RolePermission]
    read_roles = (MARKETING, SALES, MANAGER)
    write_roles = (MANAGER,)
    serializer_class = ScoringModelSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.training_history()

    @extend_schema(
        summary="The current lead-score model's figures",
        tags=["scoring"],
        responses={200: ScoringModelSerializer, 403: None},
        description=(
            "`rule_based` is true during the cold start (fewer than 200 known outcomes or "
            "fewer than 30 won), when the score comes from the documented rules."
        ),
    )
    @action(detail=False, methods=["get"])
    def model(self, request: Request) -> Response:
        return Response(ScoringModelSerializer(selectors.model_figures()).data)

    @extend_schema(
        summary="Train the lead score now",
        tags=["scoring"],
        request=None,
        responses={202: TrainQueuedSerializer, 403: None},
        description=(
            "Managers only. Queues a training run and answers 202 at once; a new model "
            "becomes current only when its held-out AUC is not worse. A broker outage never "
            "fails the request: the nightly run trains anyway."
        ),
    )
    @action(detail=False, methods=["post"])
    def train(self, request: Request) -> Response:
        services.training_request(actor=request.user)
        return Response({"detail": "Training queued."}, status=status.HTTP_202_ACCEPTED)
