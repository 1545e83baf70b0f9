"""The similarity matrix: a numbered heat map of pairwise similarities."""

from __future__ import annotations

import pytest

from tlwidgets.viz import png_bytes, similarity_matrix


def test_similarity_matrix_numbers_every_cell_and_checks_its_input():
    figure = similarity_matrix(
        [[1.0, 0.2], [0.2, 1.0]], ["a", "a sentence far longer than forty characters in all"]
    )

    axes = figure.axes[0]
    assert [text.get_text() for text in axes.texts] == ["1.00", "0.20", "0.20", "1.00"]
    assert axes.get_yticklabels()[1].get_text().endswith("...")
    assert png_bytes(figure).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="square"):
        similarity_matrix([[1.0, 0.2]], ["a"])
    with pytest.raises(ValueError, match="labels"):
        similarity_matrix([[1.0]], ["a", "b"])
