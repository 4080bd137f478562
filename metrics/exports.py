"""CSV exports of the dashboard tables: the cells and responses of leads.csv_export."""

from leads.csv_export import (
    FORMULA_TRIGGERS,
    csv_cell,
    csv_response,
    csv_text,
    neutralise,
)

__all__ = ["FORMULA_TRIGGERS", "csv_cell", "csv_response", "csv_text", "neutralise"]
