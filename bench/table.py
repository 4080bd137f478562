"""The one markdown table of bench/run.py: figure | each size | ratio last/first | target | met?"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Figures = dict[str, Any]


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _num(value: float | None) -> str:
    return "-" if value is None else (f"{value:,.0f}" if value >= 100 else f"{value:.1f}")


def _size(nbytes: int | None) -> str:
    if not nbytes:
        return "-"
    return f"{nbytes / 2**20:.1f} MB" if nbytes >= 2**20 else f"{nbytes / 1024:.0f} KB"


def _http(fig: Figures, key: str) -> float | None:
    return (fig.get(key) or {}).get("ms")


def _http_text(fig: Figures, key: str) -> str:
    value = fig.get(key) or {}
    if value.get("ms") is None:
        return f"HTTP {value.get('status', '?')}"
    return _ms(value["ms"])


def _ratio(values: list[float | None]) -> float | None:
    if len(values) < 2 or values[0] in (None, 0) or values[-1] is None:
        return None
    return values[-1] / values[0]


def _ratio_text(ratios: list[float | None]) -> str:
    if all(r is None for r in ratios):
        return "-"
    return " / ".join("-" if r is None else f"{r:.2f}" for r in ratios)


class Row:
    def __init__(
        self,
        name: str,
        cell: Callable[[Figures], str],
        keys: list[Callable[[Figures], float | None]],
        target: str,
        met: Callable[[list[Figures], list[list[float | None]]], bool | None],
    ) -> None:
        self.name, self.cell, self.keys, self.target, self.met = name, cell, keys, target, met


def _below(limit: float) -> Callable[[list[Figures], list[list[float | None]]], bool | None]:
    """Every value of the last size under limit."""

    def check(figs: list[Figures], series: list[list[float | None]]) -> bool | None:
        last = [s[-1] for s in series]
        return None if any(v is None for v in last) else all(v < limit for v in last)

    return check


def _below_and_flat(limit: float, flat: float = 1.5):
    def check(figs: list[Figures], series: list[list[float | None]]) -> bool | None:
        under = _below(limit)(figs, series)
        if under is None or len(figs) < 2:
            return under
        ratios = [_ratio(s) for s in series]
        return under and all(r is not None and r < flat for r in ratios)

    return check


def _recompute_cell(f: Figures) -> str:
    if not f.get("floor_s"):
        return "-"
    return (
        f"{f['recompute_s'] / f['floor_s']:.2f}x ({f['recompute_s']:.2f} s vs {f['floor_s']:.2f} s)"
    )


def _refresh_cell(f: Figures) -> str:
    if f.get("refresh_ms") is None:
        return f.get("refresh_note", "-")
    low, high = f["refresh_statements"]
    statements = f"{low}" if low == high else f"{low}-{high}"
    return f"{_ms(f['refresh_ms'])} ({f['refresh_cells']:.0f} cells, {statements} statements)"


def _single_cell(f: Figures) -> str:
    single = f.get("single") or {}
    if single.get("rps") is None:
        return "-"
    text = f"{single['rps']:.0f} req/s, p99 {_ms(single.get('p99_ms'))}"
    others = {k: v for k, v in (single.get("codes") or {}).items() if str(k) != "201"}
    if others:
        text += " (" + ", ".join(f"{v}x {k}" for k, v in sorted(others.items())) + ")"
    return text


def _fanout(f: Figures) -> tuple[float | None, float | None]:
    fan = f.get("fanout") or {}
    return fan.get("workers_1_s"), fan.get("workers_2_s")


def _fanout_cell(f: Figures) -> str:
    one, two = _fanout(f)
    if one is None or two is None:
        return "n/a: " + (f.get("fanout") or {}).get("note", "not measured")
    return f"{one:.2f} s / {two:.2f} s ({one / two:.2f}x)"


def _fanout_met(figs: list[Figures], series: list[list[float | None]]) -> bool | None:
    one, two = _fanout(figs[-1])
    return None if one is None or two is None else one / two >= 1.6


def _search(kind: str, title: str) -> Row:
    api, page = f"search_{kind}_api", f"search_{kind}_page"
    return Row(
        f"lead search, {title} (API / page)",
        lambda f: f"{_http_text(f, api)} / {_http_text(f, page)}",
        [lambda f: _http(f, api), lambda f: _http(f, page)],
        "< 50 ms at the largest size",
        _below(50),
    )


ROWS = [
    Row(
        "full KPI recompute / the same aggregates in plain SQL",
        _recompute_cell,
        [lambda f: f.get("recompute_s")],
        "<= 1.5x",
        lambda figs, s: (
            None
            if not figs[-1].get("floor_s")
            else figs[-1]["recompute_s"] / figs[-1]["floor_s"] <= 1.5
        ),
    ),
    Row(
        "full KPI recompute, peak RSS (subprocess)",
        lambda f: f"{f['recompute_rss_mb']:.0f} MB" if f.get("recompute_rss_mb") else "-",
        [lambda f: f.get("recompute_rss_mb")],
        "< 300 MB",
        _below(300),
    ),
    Row(
        "incremental refresh after one move (in process)",
        _refresh_cell,
        [lambda f: f.get("refresh_ms")],
        "< 20 ms median",
        _below(20),
    ),
    Row(
        "sales inbox page (the rep with the most pending handoffs)",
        lambda f: (
            f"{_http_text(f, 'inbox')}, {_size((f.get('inbox') or {}).get('bytes'))} "
            f"({f.get('rep_pending', 0):,} pending)"
        ),
        [lambda f: _http(f, "inbox")],
        "< 100 ms, ratio < 1.5",
        _below_and_flat(100),
    ),
    Row(
        "dashboard page, 12 months",
        lambda f: f"{_http_text(f, 'dashboard')}, {_size((f.get('dashboard') or {}).get('bytes'))}",
        [lambda f: _http(f, "dashboard")],
        "< 100 ms, ratio < 1.5",
        _below_and_flat(100),
    ),
    _search("none", "no match"),
    _search("email", "an exact email"),
    _search("words", "two words"),
    Row(
        "bulk capture, 1,000 per call",
        lambda f: f"{_num((f.get('bulk') or {}).get('leads_per_s'))} leads/s",
        [lambda f: (f.get("bulk") or {}).get("leads_per_s")],
        ">= 10,000 leads/s",
        lambda figs, s: None if s[0][-1] is None else s[0][-1] >= 10_000,
    ),
    Row(
        "single capture, gunicorn 2 workers, concurrency 8",
        _single_cell,
        [
            lambda f: (f.get("single") or {}).get("rps"),
            lambda f: (f.get("single") or {}).get("p99_ms"),
        ],
        ">= 400 req/s, p99 < 100 ms",
        lambda figs, s: (
            None if s[0][-1] is None or s[1][-1] is None else s[0][-1] >= 400 and s[1][-1] < 100
        ),
    ),
    Row(
        "KPI summary / breakdown / lead list API",
        lambda f: " / ".join(_http_text(f, k) for k in ("summary", "breakdown", "lead_list")),
        [lambda f, k=k: _http(f, k) for k in ("summary", "breakdown", "lead_list")],
        "< 25 ms, flat",
        _below_and_flat(25),
    ),
    Row(
        "full recompute fanned out: 1 / 2 Celery worker processes",
        _fanout_cell,
        [lambda f: _fanout(f)[0]],
        "2 workers about 2x faster",
        _fanout_met,
    ),
]


def _data_cell(f: Figures) -> str:
    c = f.get("counts") or {}
    return (
        f"{c.get('leads', 0):,} leads, {c.get('events', 0):,} events, "
        f"{c.get('handoffs', 0):,} handoffs, {c.get('opportunities', 0):,} opportunities, "
        f"{f.get('size_mb', 0):,} MB"
    )


def render(sizes: list[int], results: dict[int, Figures], label: Callable[[int], str]) -> str:
    figs = [results[s] for s in sizes]
    names = [label(s) for s in sizes]
    ratio_name = f"ratio {names[-1]}/{names[0]}" if len(sizes) > 1 else "ratio"
    lines = [
        "| figure | " + " | ".join(names) + f" | {ratio_name} | target | met? |",
        "| --- | " + " | ".join("---" for _ in names) + " | --- | --- | --- |",
        "| data (generated + captured by earlier runs) | "
        + " | ".join(_data_cell(f) for f in figs)
        + " | - | - | - |",
    ]
    for row in ROWS:
        series = [[key(f) for f in figs] for key in row.keys]
        ratios = [_ratio(s) for s in series] if len(figs) > 1 else [None]
        met = row.met(figs, series)
        verdict = "n/a" if met is None else ("yes" if met else "no")
        lines.append(
            f"| {row.name} | "
            + " | ".join(row.cell(f) for f in figs)
            + f" | {_ratio_text(ratios)} | {row.target} | {verdict} |"
        )
    return "\n".join(lines)
