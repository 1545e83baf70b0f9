"""The HTML tables the panels show: one header row, one row per run or point, inline styles.

Inline styles, because the tables must read well in any front end (JupyterLab, Colab,
VS Code, Voila) with no stylesheet to rely on.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

__all__ = ["format_percent", "table_html"]

TH = '<th style="padding: 2px 6px; border-bottom: 1px solid #999">'
TD = '<td style="padding: 2px 6px; white-space: nowrap; text-align: right">'
TD_LEFT = '<td style="padding: 2px 6px; white-space: nowrap; text-align: left">'


def format_percent(value: float | None) -> str:
    """A share in [0, 1] as a percentage with one decimal ("45.0%"); a dash for None."""
    return "\N{EM DASH}" if value is None else f"{100 * value:.1f}%"


def table_html(
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    empty: str,
    css_class: str,
    left_columns: int = 0,
) -> str:
    """An HTML table: a header of ``columns``, then ``rows``, or one hint row when none.

    Parameters
    ----------
    columns
        The header's names (escaped).
    rows
        One sequence of cells per row, as many as ``columns``; each cell is shown as
        ``str(cell)``, escaped.
    empty
        The HTML of the one row that stands for no rows, e.g. "No runs yet: press Run."
    css_class
        The table's CSS class, e.g. "tlw-runs".
    left_columns
        How many leading columns are left-aligned (names); the others are right-aligned
        (numbers).

    Returns
    -------
    str
        ``<table class="{css_class}" ...><thead>...</thead><tbody>...</tbody></table>``.
    """
    head = "".join(f"{TH}{html.escape(name)}</th>" for name in columns)
    body = [
        "<tr>"
        + "".join(
            f"{TD_LEFT if i < left_columns else TD}{html.escape(str(cell))}</td>"
            for i, cell in enumerate(cells)
        )
        + "</tr>"
        for cells in rows
    ]
    if not body:
        body.append(f'<tr><td colspan="{len(columns)}">{empty}</td></tr>')
    return (
        f'<table class="{css_class}" style="border-collapse: collapse"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )
