"""What a screen reader gets from a widget panel in the browser: control names, live status.

Read from Chromium's accessibility tree (Playwright's ARIA snapshot of the panel), not from the
Python widgets: ipywidgets 8 leaves slider handles unnamed, so a name set in Python is not
proof that it reaches a screen reader. :class:`tlwidgets.widgets.screen_reader.ScreenReaderAid`
mends that; these checks see that it did.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, expect

from tlwidgets.widgets.screen_reader import ANNOUNCE_CLASS

# Roles a learner operates, and pictures: a screen reader must say what each one is.
NAMED_ROLES = frozenset(
    {"button", "checkbox", "combobox", "listbox", "radio", "slider", "spinbutton", "switch"}
    | {"tab", "textbox", "img"}
)

# One line of an ARIA snapshot: `- slider "Learning rate"`, `- 'button "a: b"'`, `- slider`.
_SNAPSHOT_LINE = re.compile(r"""^\s*-\s+'?(?P<role>[a-z]+)(?:\s+"(?P<name>(?:[^"\\]|\\.)*)")?""")


def unnamed_controls(root: Locator) -> list[str]:
    """The snapshot line of each control or picture inside ``root`` with no accessible name."""
    unnamed = []
    for line in root.aria_snapshot().splitlines():
        match = _SNAPSHOT_LINE.match(line)
        if match and match["role"] in NAMED_ROLES and not (match["name"] or "").strip():
            unnamed.append(line.strip())
    return unnamed


def check_screen_reader(root: Locator, status_lines: int) -> None:
    """Every visible control and plot in ``root`` is named; ``status_lines`` are live regions."""
    assert unnamed_controls(root) == [], root.aria_snapshot()
    announced = root.locator(f".{ANNOUNCE_CLASS}")
    expect(announced).to_have_count(status_lines)
    # role="status" is a polite live region: its new text is read without moving the focus.
    for line in announced.all():
        expect(line).to_have_attribute("role", "status")
