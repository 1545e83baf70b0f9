"""Font discovery and glyph rendering."""

import numpy as np

from tlwidgets.data.fonts import font_dir, render_char, shape_signature


def test_font_dir_holds_matplotlibs_bundled_fonts():
    assert (font_dir() / "DejaVuSans.ttf").is_file()


def test_render_char_fits_the_ink_into_a_centred_box():
    image = render_char(font_dir() / "DejaVuSans.ttf", "H", size=64, box=52)
    assert image.shape == (64, 64) and image.dtype == np.float32
    rows, cols = np.nonzero(image > 0.5)
    assert 49 <= rows.max() - rows.min() + 1 <= 53  # the taller side fills the box
    assert abs((rows.max() + rows.min()) / 2 - 31.5) <= 1.5
    assert abs((cols.max() + cols.min()) / 2 - 31.5) <= 1.5


def test_render_char_returns_none_for_an_empty_glyph():
    assert render_char(font_dir() / "DejaVuSans.ttf", " ") is None


def test_shape_signature_is_a_correlation():
    rng = np.random.default_rng(0)
    a = rng.random((3, 16, 16)).astype(np.float32)
    signature = shape_signature(np.concatenate([a, 2 * a + 1]), sigma=1.0)
    similarity = signature @ signature.T
    assert np.allclose(similarity.diagonal(), 1, atol=1e-5)
    assert np.allclose(similarity[0, 3], 1, atol=1e-5)  # invariant to gain and offset
