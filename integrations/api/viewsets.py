"""The webhook subscription endpoints: `GET/POST /webhooks/`, `GET/DELETE /webhooks/{id}/`."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.models import WebhookEvent, WebhookSubscription
from integrations.webhooks import subscriptions
from leads.api.common import RolePermission
from leads.roles import MANAGER, MARKETING


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        min_length=1,
        max_length=len(WebhookEvent.values),
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        min_length=16,
        max_length=128,
        help_text="Signing secret; generated when left out (and shown once, in the answer).",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "secret", "active", "created_at"]
        read_only_fields = ["id", "active", "created_at"]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret, shown once.")


@extend_schema_view(
    list=extend_schema(summary="List webhook subscriptions", tags=["webhooks"]),
    retrieve=extend_schema(summary="Get a webhook subscription", tags=["webhooks"]),
    create=extend_schema(
        summary="Subscribe a URL to events",
        tags=["webhooks"],
        responses={201: WebhookSubscriptionCreatedSerializer},
        description=(
            "Each event is POSTed to `url` as JSON `{event, occurred_at, data}` with the header "
            "`X-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>`, "
            "`X-Webhook-Delivery: <delivery id>` (the same on every retry: drop an id you have "
            "processed) and `X-Webhook-Attempt: <n>`. A non-2xx answer or a timeout is retried "
            "with exponential backoff; every attempt is logged. "
            "URLs on private or loopback addresses are refused. The body is described by the "
            "`WebhookBody` schema."
        ),
    ),
    destroy=extend_schema(summary="Cancel a webhook subscription", tags=["webhooks"]),
)
class WebhookSubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [RolePermission]
    read_roles = (MARKETING, MANAGER)
    write_roles = (MARKETING, MANAGER)
    filterset_fields: list[str] = []
    ordering_fields = ["id", "created_at"]
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        return subscriptions.subscription_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = subscriptions.subscription_create(
            actor=request.user, **serializer.validated_data
        )
        return Response(
            WebhookSubscriptionCreatedSerializer(subscription).data,
            status=status.HTTP_201_CREATED,
        )

    def perform_destroy(self, instance: WebhookSubscription) -> None:
        subscriptions.subscription_delete(subscription_id=instance.pk, actor=self.request.user)
