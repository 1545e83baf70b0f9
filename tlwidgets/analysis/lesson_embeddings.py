"""Embed every text set lesson 05 uses ahead of time, so the lesson finds them cached.

``python -m tlwidgets.analysis.lesson_embeddings`` (run by ``make cache``) embeds each entry
of :data:`tlwidgets.data.text.LESSON_05_TEXTS` in full and smoke sizes with MiniLM, and the
polar words with every installed encoder (the multilingual one embeds ~35 sentences/s on a
laptop CPU, so it gets only those). The results land in the embedding cache of
:func:`tlwidgets.analysis.embed_texts`; a set already cached is only verified.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..data.text import LESSON_05_TEXTS
from ..models.text_encoder import available_text_encoders, load_text_encoder
from .text import embed_texts

__all__ = ["EmbeddedTexts", "embed_lesson_texts"]

MODES = ("full", "smoke")


@dataclass(frozen=True)
class EmbeddedTexts:
    """One text set embedded (or found in the cache) by :func:`embed_lesson_texts`."""

    encoder: str  # encoder name, e.g. "minilm"
    name: str  # e.g. "movies/train (full)"
    count: int  # number of texts
    seconds: float  # time spent embedding, or reading back the cached array


def embed_lesson_texts(
    encoders: Sequence[str] | None = None,
    modes: Sequence[str] = MODES,
    on_set: Callable[[EmbeddedTexts], None] | None = None,
) -> list[EmbeddedTexts]:
    """Embed lesson 05's text sets into the embedding cache (cached ones are only verified).

    Parameters
    ----------
    encoders
        Encoder names to use; default every installed one. MiniLM embeds every set, the
        others only the sets marked ``every_encoder`` (the polar words).
    modes
        "full" and/or "smoke": which of the notebook's budget sizes to embed.
    on_set
        Called after each set, e.g. to print progress.

    Returns
    -------
    list of EmbeddedTexts
        One per (set, mode, encoder), in the table's order.
    """
    installed = available_text_encoders()
    names = installed if encoders is None else list(encoders)
    missing = [name for name in names if name not in installed]
    if missing:
        raise ValueError(f"encoder(s) {missing} are not installed here; installed: {installed}")
    bad_modes = [mode for mode in modes if mode not in MODES]
    if bad_modes:
        raise ValueError(f"unknown mode(s) {bad_modes}; choose from {list(MODES)}")
    loaded = {}
    done = []
    for entry in LESSON_05_TEXTS:
        for mode in modes:
            texts = entry.load(smoke=mode == "smoke")
            for name in names:
                if name != "minilm" and not entry.every_encoder:
                    continue
                if name not in loaded:
                    loaded[name] = load_text_encoder(name)
                start = time.perf_counter()
                embed_texts(loaded[name], texts.texts)
                result = EmbeddedTexts(
                    name, f"{texts.name} ({mode})", len(texts), time.perf_counter() - start
                )
                done.append(result)
                if on_set is not None:
                    on_set(result)
    return done


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tlwidgets.analysis.lesson_embeddings",
        description="Embed lesson 05's texts ahead of time into the embedding cache.",
    )
    parser.add_argument("--encoder", action="append", help="encoder name (default: all installed)")
    parser.add_argument("--mode", action="append", choices=MODES, help="default: full and smoke")
    args = parser.parse_args(argv)

    def show(result: EmbeddedTexts) -> None:
        print(
            f"{result.encoder:16s} {result.name:32s} {result.count:5d} texts "
            f"{result.seconds:7.2f} s",
            flush=True,
        )

    try:
        done = embed_lesson_texts(args.encoder, args.mode or MODES, on_set=show)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{'total':16s} {len(done)} sets {sum(r.seconds for r in done):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
