"""The printed-digit domain and the font discovery behind it."""

import numpy as np
import pytest

from tlwidgets.data import build_datasets
from tlwidgets.data.build import load_arrays
from tlwidgets.data.fonts import find_digit_fonts, font_cmap, font_dir


@pytest.fixture(scope="module", autouse=True)
def _shared_cache():
    """Build (once per machine) or verify the shared cache before any test reads it."""
    build_datasets(["synth"])


def test_synth_has_at_least_ten_thousand_balanced_images():
    arrays = load_arrays("synth")
    total = len(arrays["y_train"]) + len(arrays["y_test"])
    assert total >= 10_000
    assert np.bincount(arrays["y_train"]).tolist() == [1000] * 10
    assert np.bincount(arrays["y_test"]).tolist() == [200] * 10


def test_synth_uses_many_fonts_and_records_each_images_font():
    arrays = load_arrays("synth")
    names = arrays["font_names"].tolist()
    used = set(arrays["font_train"].tolist()) | set(arrays["font_test"].tolist())
    assert len(used) > 1 and len(used) == len(names)
    assert len(arrays["font_train"]) == len(arrays["y_train"])
    assert {"DejaVuSans", "STIXGeneral", "cmr10"} <= set(names)


def test_digit_fonts_exclude_symbol_and_placeholder_fonts():
    names = {p.name for p in find_digit_fonts()}
    assert len(names) >= 15
    # these cmaps claim 0-9 but draw maths symbols or one placeholder box
    for impostor in ("cmsy10.ttf", "cmex10.ttf", "LastResortHE-Regular.ttf"):
        assert ord("0") in font_cmap(font_dir() / impostor)
        assert impostor not in names
    assert not any(n.startswith(("STIXSiz", "STIXNonUni")) for n in names)


def test_synth_colours_keep_strokes_lighter_than_background():
    x = load_arrays("synth")["x_test"].astype(float) / 255  # (N, 3, 32, 32)
    luminance = np.tensordot(x, [0.299, 0.587, 0.114], axes=([1], [0]))  # (N, 32, 32)
    corners = luminance[:, :3, :3].mean(axis=(1, 2))
    brightest = np.percentile(luminance.reshape(len(x), -1), 99, axis=1)
    assert (brightest > corners + 0.15).mean() > 0.97
