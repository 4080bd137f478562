"""Forms of the import pages: the upload (step 1) and the column mapping (step 2)."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from imports.parsing import IMPORT_FIELDS, REQUIRED_FIELDS
from leads.models import Campaign


def import_max_bytes() -> int:
    """The largest CSV file an import takes (setting IMPORT_MAX_BYTES, 10 MB by default)."""
    return int(getattr(settings, "IMPORT_MAX_BYTES", 10 * 1024 * 1024))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


class ImportUploadForm(forms.Form):
    """Step 1 of an import. The form checks the name (.csv) and size; the service then
    checks the content is CSV text (imports/parsing.py) before anything is stored."""

    file = forms.FileField(
        label=_("CSV file"),
        validators=[FileExtensionValidator(["csv"])],
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign for every row"),
        queryset=Campaign.objects.order_by("name"),
        required=False,
        help_text=_("Used for rows whose campaign column is empty or not mapped."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A .csv file in UTF-8, UTF-16 or Windows-1252, comma or semicolon separated, "
            "with a header row. Up to %(size)s MB."
        ) % {"size": _megabytes(import_max_bytes())}

    @staticmethod
    def too_large_message() -> str:
        return _("The file is larger than %(size)s MB.") % {"size": _megabytes(import_max_bytes())}

    @classmethod
    def refused_as_too_large(cls) -> "ImportUploadForm":
        """The form for a request whose body is over the limit and was never read."""
        form = cls()
        form.cleaned_data = {}
        form.add_error("file", cls.too_large_message())
        return form

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > import_max_bytes():
            raise forms.ValidationError(self.too_large_message())
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class ImportMappingForm(forms.Form):
    """For each lead field, the CSV column that holds it (or none)."""

    def __init__(self, *args: Any, columns: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not imported —")), *((column, column) for column in columns)]
        for field, label in IMPORT_FIELDS:
            self.fields[field] = forms.ChoiceField(
                label=label, choices=choices, required=field in REQUIRED_FIELDS
            )

    def mapping(self) -> dict[str, str]:
        return {field: column for field, column in self.cleaned_data.items() if column}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        seen: dict[str, str] = {}
        for field, column in list(cleaned.items()):
            if not column:
                continue
            if column in seen:
                self.add_error(field, _("This column is already used for another field."))
            seen[column] = field
        return cleaned
