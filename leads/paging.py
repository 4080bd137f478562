"""Pages of a list without a COUNT: fetch one row more than the page to know if a next exists."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.utils.translation import gettext as _

PAGE_SIZE = 50
# The last page number a list answers (5 million rows at 50 a page); a larger one is a 404,
# never an OFFSET the database cannot hold.
MAX_PAGE = 100_000


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
    """Slice one page of `queryset` by the `page` parameter (bad values mean page 1; a
    number over MAX_PAGE raises Http404, as Django's paginator does for a missing page)."""
    try:
        number = max(1, int(params.get("page", "1")))
    except ValueError:
        number = 1
    if number > MAX_PAGE:
        raise Http404(_("No such page."))
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
