"""The CSV import pages: upload, column mapping, then progress and the row-level report.

Each write view validates one form and calls one service; a refusal (DomainError) becomes a
message on the form (leads.forms.apply_error), never an error page.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from imports import parsing, selectors, services
from imports.forms import ImportMappingForm, ImportUploadForm, import_max_bytes
from imports.models import LeadImport, LeadImportStatus
from leads.access import role_required
from leads.csv_export import csv_response
from leads.errors import DomainError
from leads.forms import apply_error
from leads.roles import MANAGER, MARKETING

MARKETING_ROLES = (MARKETING, MANAGER)
# What a multipart body holds besides the file (boundaries, headers, the other fields).
FORM_SLACK = 64 * 1024


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _import_or_404(import_id: int) -> LeadImport:
    try:
        return selectors.import_get(import_id=import_id)
    except LeadImport.DoesNotExist:
        raise Http404 from None


@role_required(*MARKETING_ROLES)
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    """Step 1: upload the file (its header is read and the columns guessed). A body far
    over IMPORT_MAX_BYTES is refused from its Content-Length, before it is read to disk."""
    if request.method == "POST" and _content_length(request) > import_max_bytes() + FORM_SLACK:
        form = ImportUploadForm.refused_as_too_large()
        context = {"form": form, "recent": selectors.import_list()[:10]}
        return render(request, "imports/import_start.html", context, status=413)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        campaign = form.cleaned_data["campaign"]
        try:
            lead_import = services.import_create(
                actor=request.user,
                upload=form.cleaned_data["file"],
                campaign_id=campaign.pk if campaign else None,
                language=get_language() or "en",
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("imports:import_mapping", import_id=lead_import.pk)
    return render(
        request,
        "imports/import_start.html",
        {"form": form, "recent": selectors.import_list()[:10]},
        status=400 if form.errors else 200,
    )


@role_required(*MARKETING_ROLES)
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, import_id: int) -> HttpResponse:
    """Step 2: say which column holds which lead field, looking at the first rows."""
    lead_import = _import_or_404(import_id)
    if lead_import.status != LeadImportStatus.UPLOADED:
        return redirect("imports:import_detail", import_id=lead_import.pk)
    form = ImportMappingForm(
        request.POST or None, columns=lead_import.columns, initial=lead_import.mapping
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.import_start(
                import_id=lead_import.pk, actor=request.user, mapping=form.mapping()
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("imports:import_detail", import_id=lead_import.pk)
    return render(
        request,
        "imports/import_mapping.html",
        {
            "lead_import": lead_import,
            "form": form,
            "preview": selectors.import_preview(lead_import=lead_import),
        },
        status=400 if form.errors else 200,
    )


@role_required(*MARKETING_ROLES)
@require_GET
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """Step 3: progress (polled by htmx every second while it runs), then the report."""
    lead_import = _import_or_404(import_id)
    labels = dict(parsing.IMPORT_FIELDS)
    report = [
        {**entry, "field_label": labels.get(entry.get("field"), entry.get("field"))}
        for entry in selectors.report_sorted(lead_import=lead_import)[:500]
    ]
    context = {"lead_import": lead_import, "report": report}
    if request.htmx:
        return render(request, "imports/partials/_import_progress.html", context)
    return render(request, "imports/import_detail.html", context)


@role_required(*MARKETING_ROLES)
@require_GET
def import_failed_rows(request: HttpRequest, import_id: int) -> HttpResponse:
    """The lines that were not imported, as CSV: the original columns and an error column,
    ready to fix and import again (cells neutralised against spreadsheet formulas)."""
    lead_import = _import_or_404(import_id)
    try:
        header, rows = selectors.failed_rows(lead_import=lead_import)
    except OSError:
        # the uploaded file is gone (cleaned up, or a volume not shared): say so, no 500
        messages.error(
            request, _("The uploaded file of this import is no longer stored: nothing to download.")
        )
        return redirect("imports:import_detail", import_id=lead_import.pk)
    stem = lead_import.original_name.rsplit(".", 1)[0] or "import"
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in stem)[:80]
    return csv_response(f"{safe}-failed-rows.csv", header, rows)
