"""Command line: ``python -m tlwidgets.classroom guide [--check]``."""

from __future__ import annotations

import argparse
import sys


def _guide(check: bool) -> int:
    from .guide import REGENERATE, find_stale_blocks, guide_path, update_guide

    if check:
        stale = find_stale_blocks()
        if stale:
            print(
                f"{guide_path()}: stale generated blocks {', '.join(stale)}; run {REGENERATE}",
                file=sys.stderr,
            )
            return 1
        print(f"{guide_path()}: up to date")
        return 0
    changed = update_guide()
    print(f"{guide_path()}: {'updated ' + ', '.join(changed) if changed else 'up to date'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tlwidgets.classroom", description="Tools for teaching the course."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    guide = commands.add_parser(
        "guide", help="rewrite the measured blocks of docs/instructor.md from bench/results"
    )
    guide.add_argument("--check", action="store_true", help="only report stale blocks (exit 1)")
    args = parser.parse_args(argv)
    return _guide(args.check)


if __name__ == "__main__":
    sys.exit(main())
