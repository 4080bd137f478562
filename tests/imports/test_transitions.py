"""The import status table: the edges the import uses are allowed, anything else is refused
(InvalidTransition) and writes nothing."""

import pytest
from django.core.files.base import ContentFile

from imports.models import LeadImport, LeadImportStatus
from imports.transitions import TRANSITIONS, check_transition, import_status_set
from leads.errors import InvalidTransition

S = LeadImportStatus
USED = {
    (S.UPLOADED, S.QUEUED),
    (S.QUEUED, S.RUNNING),
    (S.QUEUED, S.FAILED),
    (S.RUNNING, S.RUNNING),
    (S.RUNNING, S.DONE),
    (S.RUNNING, S.FAILED),
    (S.FAILED, S.RUNNING),
    (S.FAILED, S.FAILED),
}


@pytest.mark.parametrize("current", S.values)
@pytest.mark.parametrize("target", S.values)
def test_the_table_allows_exactly_the_edges_the_import_uses(current, target):
    if (current, target) in USED:
        check_transition(current, target)
    else:
        with pytest.raises(InvalidTransition) as raised:
            check_transition(current, target)
        assert raised.value.status == current


def test_every_status_has_a_row():
    assert set(TRANSITIONS) == set(S.values)


def test_a_refused_change_writes_nothing(marketer):
    lead_import = LeadImport(original_name="a.csv", created_by=marketer, status=S.DONE)
    lead_import.file.save("a.csv", ContentFile(b"email\n"), save=False)
    lead_import.save()

    with pytest.raises(InvalidTransition):
        import_status_set(import_id=lead_import.pk, status=S.RUNNING, total_rows=9)

    lead_import.refresh_from_db()
    assert lead_import.status == S.DONE and lead_import.total_rows == 0
