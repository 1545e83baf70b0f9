"""Steps shared by the checks that call the learner's function: hints, numbers, tolerances.

A check that takes a function first asks :func:`not_a_function` whether it got one, then
calls it inside ``try`` and turns what went wrong into :class:`~.feedback.Feedback` with
:func:`raised` or :func:`returned_none`, reads the result with :func:`as_number`, and
compares it with the expected value (and with typical mistakes) by :func:`is_close`.
"""

from __future__ import annotations

import math
from typing import Any

from .feedback import Feedback, not_yet

__all__ = ["as_number", "is_close", "not_a_function", "raised", "returned_none"]


def not_a_function(answer: Any, check: str, name: str) -> Feedback | None:
    """A hint when ``answer`` is not a function, else None.

    Parameters
    ----------
    answer
        What the learner passed to the check.
    check, name
        The check's name and the function's name in the notebook, as in ``check_1(cosine)``.
    """
    if callable(answer):
        return None
    if answer is None:
        return not_yet(f"replace None with your function {name}, then run {check}({name})")
    return not_yet(
        f"pass your function itself, e.g. {check}({name}), not its result "
        f"(got {type(answer).__name__})"
    )


def raised(error: Exception, call: str) -> Feedback:
    """A failed check reporting that ``call`` (the call as the learner would write it) raised."""
    return not_yet(f"{call} raised {type(error).__name__}: {error}")


def returned_none(call: str) -> Feedback:
    """A failed check for the notebook's placeholder body, which returns None."""
    return not_yet(f"{call} returned None: replace `return None  # your code` with your code")


def as_number(value: Any) -> float | None:
    """``value`` as a finite float, or None when it is not a real number.

    Python and numpy numbers and one-element tensors count; bools, strings, containers,
    nan and inf do not.
    """
    if isinstance(value, (bool, str, bytes)):
        return None
    try:
        number = float(value)
    except Exception:  # a list, a dict, a tensor of many elements...
        return None
    return number if math.isfinite(number) else None


def is_close(a: float, b: float, tolerance: float) -> bool:
    """Whether ``a`` is within ``tolerance`` of the expected ``b``.

    The tolerance is relative to ``|b|`` when ``|b| > 1`` and absolute below, so that
    expected values at or near 0 can still be matched.
    """
    return abs(a - b) <= tolerance * max(1.0, abs(b))
