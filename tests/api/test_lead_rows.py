"""The bulk row validator answers exactly what one LeadWriteSerializer per row answered:
the same service data for valid rows, the same field errors (keys, order, messages)."""

import pytest

from handoff.api.lead_rows import LeadRows
from handoff.api.serializers import LeadWriteSerializer
from handoff.services import lead_checks
from leads.models import Lead

ROWS = [
    {"email": "a@example.com"},
    {"email": "  Mixed@Example.COM  ", "first_name": " Ana ", "country": "es", "score": 7},
    {"email": "b@example.com", "campaign": 3, "external_id": "E-1", "unknown": "ignored"},
    {"email": "c@example.com", "campaign": None, "external_id": None, "phone": ""},
    {"email": "d@example.com", "external_id": "", "job_title": "   "},
    {"email": "josé@example.com", "first_name": "José", "company": "Ñandú S.A."},
    {"email": "e@example.com", "score": "12", "campaign": "4"},
    {"email": "f@example.com", "score": 12.0},
    {"email": "g@example.com", "created_at": "2025-01-02T03:04:05Z"},
    {"email": "h@example.com", "first_name": 12},
    # invalid rows
    {},
    {"email": ""},
    {"email": "   "},
    {"email": None},
    {"email": "not-an-email"},
    {"email": "x" * 250 + "@example.com"},
    {"email": "i@example.com", "first_name": "x" * 101},
    {"email": "i@example.com", "first_name": None},
    {"email": "i@example.com", "first_name": "a\x00b"},
    {"email": "i@example.com", "last_name": "\ud800"},
    {"email": "i@example.com", "country": "ESP"},
    {"email": "i@example.com", "score": 101},
    {"email": "i@example.com", "score": -1},
    {"email": "i@example.com", "score": True},
    {"email": "i@example.com", "score": None},
    {"email": "i@example.com", "score": "x"},
    {"email": "i@example.com", "campaign": 0},
    {"email": "i@example.com", "campaign": 2**63},
    {"email": "i@example.com", "campaign": [1]},
    {"email": "i@example.com", "external_id": "x" * 129},
    {"email": "i@example.com", "created_at": "yesterday"},
    {"email": ["i@example.com"], "score": 500, "first_name": {"a": 1}},
    {"email": 5},
]


@pytest.mark.parametrize("row", ROWS)
def test_rows_validate_exactly_as_the_serializer(row) -> None:
    serializer = LeadWriteSerializer(data=row)
    expected_valid = serializer.is_valid()
    data, errors = LeadRows().validate(row)
    if expected_valid:
        assert errors is None
        assert data == serializer.to_service()
    else:
        assert data is None
        assert list(errors) == list(serializer.errors)
        assert errors == serializer.errors


def test_model_fields_still_have_the_validators_the_light_check_stands_for() -> None:
    # lead_checks.plainly_valid re-states these rules; a change here must change it too
    kinds = {f.name: sorted(type(v).__name__ for v in f.validators) for f in Lead._meta.fields}
    for name in lead_checks.TEXT_FIELDS:
        assert kinds[name] == ["MaxLengthValidator"], name
    assert kinds["email"] == ["EmailValidator", "MaxLengthValidator"]
    assert kinds["country"] == ["MaxLengthValidator"]  # plus its choices: country_codes()
    assert kinds["score"] == ["MaxValueValidator", "MinValueValidator"]
    assert "ES" in lead_checks.country_codes() and len(lead_checks.country_codes()) > 200


@pytest.mark.parametrize(
    "values",
    [
        {"email": "a@example.com"},
        {"email": "a@example.com", "country": "ES", "first_name": "José"},
        {"email": "a@example.com", "country": "XX"},
        {"email": "", "first_name": "x" * 101},
        {"email": "nope"},
        {"email": "a@example.com", "phone": "1" * 51},
        {"email": "a@example.com", "score": 101},
    ],
)
def test_light_check_passes_only_leads_full_clean_passes(values) -> None:
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    lead = Lead(**values, created_at=timezone.now())
    try:
        lead.full_clean(
            exclude=["campaign", "owner", "external_id"],
            validate_unique=False,
            validate_constraints=False,
        )
        clean = True
    except ValidationError:
        clean = False
    assert lead_checks.plainly_valid(lead) == clean
