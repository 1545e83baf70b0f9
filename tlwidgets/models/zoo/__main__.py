"""Command line of the zoo: ``python -m tlwidgets.models.zoo {list,build}``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import WEIGHTS_DIR, list_pretrained, pretrained_info
from .build import build_zoo


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m tlwidgets.models.zoo {list,build}``."""
    parser = argparse.ArgumentParser(
        prog="python -m tlwidgets.models.zoo", description="Train or list the pretrained zoo."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="show the zoo entries and their source accuracy")
    build = commands.add_parser("build", help="train the zoo entries from their recipes")
    build.add_argument("names", nargs="*", help="entries to build (default: all)")
    build.add_argument("--out", type=Path, default=WEIGHTS_DIR, help="folder for the weights")
    build.add_argument("--smoke", action="store_true", help="tiny budget, to test the recipe")
    args = parser.parse_args(argv)
    if args.command == "list":
        for name in list_pretrained():
            info = pretrained_info(name)
            print(
                f"{name}: {info['backbone']}, {info['source_task']}, "
                f"source accuracy {info['source_accuracy']:.3f}"
            )
        return 0

    for name, info in build_zoo(args.names or None, out=args.out, smoke=args.smoke).items():
        print(
            f"{name}: source accuracy {info['source_accuracy']:.3f} "
            f"in {info['build_seconds']:.0f} s -> {args.out / info['file']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
