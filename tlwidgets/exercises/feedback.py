"""The result of a self-check: passed or not, and a message that helps either way."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

__all__ = ["Feedback", "correct", "not_yet"]

_COLOURS = {True: ("#e8f5e9", "#2e7d32", "Correct"), False: ("#fff3e0", "#e65100", "Not yet")}


@dataclass(frozen=True)
class Feedback:
    """What a check found. Truthy when the answer passed; shows as a coloured box in Jupyter."""

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{_COLOURS[self.passed][2]}: {self.message}"

    def _repr_html_(self) -> str:
        background, border, title = _COLOURS[self.passed]
        return (
            f'<div class="tlw-feedback" style="background:{background};border-left:4px solid '
            f'{border};padding:6px 10px;margin:4px 0"><b>{title}:</b> '
            f"{html.escape(self.message)}</div>"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def correct(message: str) -> Feedback:
    """A passed check, with what the learner can take away from it."""
    return Feedback(True, message)


def not_yet(message: str) -> Feedback:
    """A failed check, with a hint towards the answer (never the answer itself)."""
    return Feedback(False, message)
