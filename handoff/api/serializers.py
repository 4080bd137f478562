"""Shapes of leads, lifecycle move inputs, audit events, handoffs and opportunities."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from handoff.models import Handoff, LeadEvent, RejectionReason
from handoff.rules import FEEDBACK_MAX_LENGTH, is_overdue
from leads.models import MONEY, Lead, LossReason, Opportunity, WinReason

MAX_ID = 2**63 - 1
MONEY_FIELD = {"max_digits": MONEY["max_digits"], "decimal_places": MONEY["decimal_places"]}
AT_HELP = "Backfill only (needs the backfill permission): when the move happened."


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class HandoffSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Handoff
        fields = ["id", "assignee", "handed_off_at", "sla_due_at", "responded_at", "outcome"]


class PredictedReasonSerializer(serializers.Serializer):
    feature = serializers.CharField(help_text="e.g. seniority, source_channel, touches")
    value = serializers.CharField(help_text="The lead's value (its number for a numeric feature).")
    direction = serializers.ChoiceField(choices=["up", "down"])


class LeadSerializer(serializers.ModelSerializer):
    country = serializers.CharField(read_only=True)
    predicted_score = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The learned score: calibrated probability of a win x 100 (read-only).",
    )
    predicted_reasons = PredictedReasonSerializer(many=True, read_only=True)
    current_handoff = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "company",
            "job_title",
            "phone",
            "country",
            "campaign",
            "external_id",
            "score",
            "predicted_score",
            "predicted_reasons",
            "status",
            "owner",
            "current_handoff",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(HandoffSummarySerializer(allow_null=True))
    def get_current_handoff(self, lead: Lead) -> dict[str, Any] | None:
        """The pending handoff, else the latest (from the prefetched `handoffs`)."""
        handoffs = list(lead.handoffs.all())
        if not handoffs:
            return None
        handoffs.sort(key=lambda h: (h.handed_off_at, h.pk), reverse=True)
        pending = [h for h in handoffs if h.outcome == Handoff.Outcome.PENDING]
        return HandoffSummarySerializer((pending or handoffs)[0]).data


class LeadWriteSerializer(serializers.Serializer):
    """Capture (POST) and edit (PATCH) input; the service checks duplicates and permissions."""

    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    job_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, help_text="ISO 3166-1 alpha-2 code."
    )
    campaign = _id_field(required=False, allow_null=True, help_text="Source campaign id.")
    external_id = serializers.CharField(
        max_length=128, required=False, allow_null=True, allow_blank=True
    )
    score = serializers.IntegerField(min_value=0, max_value=100, required=False)
    created_at = serializers.DateTimeField(
        required=False, help_text="Backfill only (needs the backfill permission)."
    )

    def to_service(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if "campaign" in data:
            data["campaign_id"] = data.pop("campaign")
        return data


class BulkLeadsSerializer(serializers.Serializer):
    """The bulk body; rows are validated one by one (a bad row never fails the others)."""

    leads = serializers.ListField(
        child=serializers.JSONField(),
        max_length=1000,
        help_text="Up to 1,000 lead objects, each shaped like the body of POST /leads/.",
    )


class BulkLeadsSchemaSerializer(serializers.Serializer):
    leads = LeadWriteSerializer(many=True, max_length=1000)


class BulkRowResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["created", "duplicate", "invalid"])
    id = serializers.IntegerField(allow_null=True, help_text="The created lead.")
    existing_id = serializers.IntegerField(allow_null=True, help_text="The lead it duplicates.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    invalid = serializers.IntegerField()
    results = BulkRowResultSerializer(many=True)


# --- lifecycle move inputs (workflow.md) ---------------------------------------------------


class MoveSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text=AT_HELP)


class QualifySerializer(MoveSerializer):
    score = serializers.IntegerField(min_value=0, max_value=100, required=False)


class HandoffMoveSerializer(MoveSerializer):
    assignee = _id_field(
        required=False, allow_null=True, help_text="Sales rep id; else the assignment rule picks."
    )


class ReassignSerializer(MoveSerializer):
    assignee = _id_field(help_text="Sales rep id.")


class AcceptSerializer(MoveSerializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    feedback = serializers.CharField(
        required=False, allow_blank=True, max_length=FEEDBACK_MAX_LENGTH
    )


class RejectSerializer(AcceptSerializer):
    reason = serializers.ChoiceField(
        choices=RejectionReason.choices, help_text="`other` requires `feedback`."
    )


class DisqualifySerializer(MoveSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class ConvertSerializer(MoveSerializer):
    amount = serializers.DecimalField(**MONEY_FIELD, min_value=0)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    expected_close_date = serializers.DateField(required=False, allow_null=True)


class WinSerializer(MoveSerializer):
    amount = serializers.DecimalField(**MONEY_FIELD, min_value=0, required=False, allow_null=True)
    reason = serializers.ChoiceField(
        choices=WinReason.choices, required=False, allow_blank=True, help_text="Optional."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class LoseSerializer(MoveSerializer):
    reason = serializers.ChoiceField(
        choices=LossReason.choices, help_text="`other` requires `note`."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)


# --- reads ----------------------------------------------------------------------------------


class LeadEventSerializer(serializers.ModelSerializer):
    data = serializers.JSONField(help_text="The move's input.")

    class Meta:
        model = LeadEvent
        fields = [
            "id",
            "lead",
            "action",
            "from_status",
            "to_status",
            "actor",
            "at",
            "recorded_at",
            "data",
            "handoff",
            "opportunity",
        ]
        read_only_fields = fields


class HandoffSerializer(serializers.ModelSerializer):
    assignment = serializers.JSONField(help_text="How the assignment rule chose the rep.")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Handoff
        fields = [
            "id",
            "lead",
            "assignee",
            "handed_off_by",
            "handed_off_at",
            "sla_due_at",
            "responded_at",
            "closed_at",
            "outcome",
            "reason",
            "rating",
            "feedback",
            "assignment",
            "breached_at",
            "overdue",
        ]
        read_only_fields = fields

    def get_overdue(self, handoff: Handoff) -> bool:
        """Pending and past its SLA due time."""
        return is_overdue(handoff, self.context["now"])


class OpportunitySerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY_FIELD, read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "lead",
            "name",
            "amount",
            "stage",
            "expected_close_date",
            "owner",
            "created_at",
            "closed_at",
            "lost_reason",
            "won_reason",
            "close_note",
        ]
        read_only_fields = fields


class OpportunityUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    amount = serializers.DecimalField(**MONEY_FIELD, min_value=0, required=False)
    stage = serializers.ChoiceField(
        choices=[s for s in Opportunity.Stage.choices if s[0] in Opportunity.OPEN_STAGES],
        required=False,
        help_text="An open stage; close with /win/ or /lose/.",
    )
    expected_close_date = serializers.DateField(required=False, allow_null=True)
