"""Pages of a list without a COUNT: fetch one row more than the page to know if a next exists."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

PAGE_SIZE = 50


@dataclass
class Page:
    rows: list[Any]
    number: int
    has_next: bool
    has_previous: bool
    next_query: str
    previous_query: str


def _query_for(params: QueryDict, number: int) -> str:
    query = params.copy()
    query["page"] = str(number)
    return query.urlencode()


def paginate(queryset: QuerySet, params: QueryDict, *, size: int = PAGE_SIZE) -> Page:
    """Slice one page of `queryset` by the `page` parameter (bad values mean page 1)."""
    try:
        number = max(1, int(params.get("page", "1")))
    except ValueError:
        number = 1
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    has_next = len(rows) > size
    return Page(
        rows=rows[:size],
        number=number,
        has_next=has_next,
        has_previous=number > 1,
        next_query=_query_for(params, number + 1),
        previous_query=_query_for(params, number - 1),
    )
