"""CSV exports neutralise spreadsheet formulas; numbers stay numbers."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from metrics.exports import csv_cell, csv_response, csv_text, neutralise


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("http://x","y")'],
)
def test_a_cell_a_spreadsheet_would_evaluate_gets_a_quote_prefix(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Spring webinar", "", "a=b", "1-2", " =x", "'quoted"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


def test_numbers_typed_by_our_code_are_written_as_numbers() -> None:
    assert csv_cell(Decimal("-0.2500")) == "-0.2500"
    assert csv_cell(-3) == -3
    assert csv_cell(None) == ""
    assert csv_cell(dt.date(2026, 1, 31)) == "2026-01-31"
    # ... but the same characters as text are neutralised
    assert csv_cell("-0.25") == "'-0.25"


def test_a_whole_table_round_trips_through_the_csv_reader() -> None:
    text = csv_text(["name", "leads"], [["=cmd|' /C calc'!A0", 3], ['Quote "this", please', 0]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["name", "leads"],
        ["'=cmd|' /C calc'!A0", "3"],
        ['Quote "this", please', "0"],
    ]


def test_the_response_is_a_utf8_attachment() -> None:
    response = csv_response("campaign-2026-01-01-2026-01-31.csv", ["name"], [["Café"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="campaign-2026-01-01-2026-01-31.csv"' in response["Content-Disposition"]
    assert response.content.decode("utf-8").lstrip("\ufeff").splitlines() == ["name", "Café"]
