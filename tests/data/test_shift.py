import pytest
import torch

from tlwidgets.data import Shift, apply_shift


def digits(n=8, size=32):
    """Light strokes on black: random bars, so images have edges and an orientation."""
    generator = torch.Generator().manual_seed(0)
    images = torch.zeros(n, 3, size, size)
    for i in range(n):
        top, left = torch.randint(4, size // 2, (2,), generator=generator).tolist()
        images[i, :, top : top + 12, left : left + 3] = 0.9
        images[i, :, top : top + 3, left : left + 10] = 0.9
    return images


def total_variation(images):
    return (images.diff(dim=-1).abs().mean() + images.diff(dim=-2).abs().mean()).item()


def high_frequency_share(images):
    power = torch.fft.fft2(images).abs().square()  # (N, 3, H, W)
    frequencies = torch.fft.fftfreq(images.shape[-1]).abs()
    high = (frequencies[:, None] > 0.125) | (frequencies[None, :] > 0.125)  # above 8 / 64
    return (power[..., high].sum() / power.sum()).item()


def test_no_shift_is_an_unchanged_copy():
    images = digits()
    shifted = apply_shift(images, Shift())
    assert torch.equal(shifted, images) and shifted is not images


def test_output_keeps_shape_and_range_and_leaves_the_input_alone():
    images = digits()
    before = images.clone()
    shift = Shift(rotation=20, blur=1.0, noise=0.3, colour=0.7, resolution=12)
    shifted = apply_shift(images, shift)
    assert shifted.shape == images.shape and shifted.dtype == torch.float32
    assert 0.0 <= shifted.min() and shifted.max() <= 1.0
    assert torch.equal(images, before)


def test_the_same_seed_gives_the_same_images():
    images, shift = digits(), Shift(noise=0.1, colour=0.5)
    assert torch.equal(apply_shift(images, shift, seed=1), apply_shift(images, shift, seed=1))
    assert not torch.equal(apply_shift(images, shift, seed=1), apply_shift(images, shift, seed=2))


def test_rotation_by_90_degrees_is_rot90():
    images = digits()
    expected = torch.rot90(images, 1, dims=(-2, -1))  # counter-clockwise
    torch.testing.assert_close(apply_shift(images, Shift(rotation=90)), expected, atol=1e-4, rtol=0)


def test_blur_lowers_total_variation():
    images = digits()
    light = total_variation(apply_shift(images, Shift(blur=0.7)))
    heavy = total_variation(apply_shift(images, Shift(blur=2.0)))
    assert heavy < light < total_variation(images)


def test_noise_raises_pixel_std_and_one_pattern_is_scaled():
    grey = torch.full((4, 3, 32, 32), 0.5)
    small = apply_shift(grey, Shift(noise=0.05))
    large = apply_shift(grey, Shift(noise=0.1))
    assert 0.04 < small.std() < 0.06 and large.std() > small.std()
    torch.testing.assert_close(large - 0.5, 2 * (small - 0.5))  # a slider only scales it


def test_colour_paints_the_background_and_dims_the_strokes():
    images = digits()
    strokes = images > 0.5
    coloured = apply_shift(images, Shift(colour=1.0))
    assert coloured[~strokes].mean() > 0.3  # the black background got colour
    assert coloured[strokes].mean() < images[strokes].mean()  # |texture - stroke|
    assert coloured.std(dim=1).mean() > 0.05  # channels differ: colour, not grey
    half = apply_shift(images, Shift(colour=0.5))
    torch.testing.assert_close(half, (images + coloured) / 2)


def test_low_resolution_loses_high_frequencies():
    images = digits()
    shares = [high_frequency_share(apply_shift(images, Shift(resolution=r))) for r in (32, 16, 8)]
    assert shares[2] < shares[1] < shares[0]
    assert torch.equal(apply_shift(images, Shift(resolution=64)), images)


def test_describe_names_what_changes():
    assert Shift().describe() == "no shift"
    assert Shift(rotation=30, blur=1).describe() == "rotation 30°, blur 1.0"
    assert (
        Shift(noise=0.1, colour=0.5, resolution=8).describe()
        == "noise 0.10, colour 0.50, resolution 8"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"blur": -1.0}, "blur .* must be >= 0, got -1.0"),
        ({"noise": -0.1}, "noise .* must be >= 0"),
        ({"colour": 1.5}, r"colour .* must be in \[0, 1\], got 1.5"),
        ({"rotation": float("nan")}, "rotation must be finite"),
        ({"rotation": "30"}, "rotation must be a number, got '30'"),
        ({"resolution": 0}, "resolution must be a whole number of pixels >= 1, got 0"),
        ({"resolution": 8.5}, "resolution must be a whole number"),
    ],
)
def test_invalid_shifts_are_explained(fields, message):
    with pytest.raises(ValueError, match=message):
        Shift(**fields)


def test_bad_images_are_explained():
    with pytest.raises(ValueError, match=r"shape \(N, 3, H, W\), got \(3, 32, 32\)"):
        apply_shift(torch.rand(3, 32, 32), Shift())
    with pytest.raises(ValueError, match="floats in"):
        apply_shift(torch.zeros(1, 3, 8, 8, dtype=torch.uint8), Shift())
    with pytest.raises(ValueError, match="must be a Shift"):
        apply_shift(torch.rand(1, 3, 8, 8), {"blur": 1.0})
