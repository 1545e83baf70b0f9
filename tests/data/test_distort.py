"""Batched stroke, affine and elastic variation."""

import numpy as np
import torch

from tlwidgets.data.distort import AffineRanges, elastic_field, sample_affine, vary_stroke, warp


def _square(n=2, size=64):
    x = torch.zeros(n, size, size)
    x[:, 24:40, 28:36] = 1.0
    return x


def test_identity_affine_and_no_displacement_leave_images_unchanged():
    rng = np.random.default_rng(0)
    ranges = AffineRanges(rotation_deg=0, shear=0, scale=(1, 1), aspect=0, translate=0)
    theta = sample_affine(2, rng, ranges)
    assert np.allclose(theta, [[1, 0, 0], [0, 1, 0]])
    images = _square()[:, None]
    assert torch.allclose(warp(images, theta), images, atol=1e-5)


def test_warp_matches_torch_affine_grid():
    rng = np.random.default_rng(1)
    theta = sample_affine(3, rng, AffineRanges())
    images = torch.rand(3, 1, 64, 64)
    grid = torch.nn.functional.affine_grid(torch.from_numpy(theta), [3, 1, 64, 64], False)
    expected = torch.nn.functional.grid_sample(images, grid, align_corners=False)
    assert torch.allclose(warp(images, theta), expected, atol=1e-5)


def test_warp_averages_down_to_the_output_size():
    theta = np.tile(np.array([[1, 0, 0], [0, 1, 0]], np.float32), (2, 1, 1))
    out = warp(_square()[:, None], theta, out_size=32)
    assert out.shape == (2, 1, 32, 32)
    assert torch.isclose(out.sum() * 4, _square().sum())


def test_vary_stroke_thins_keeps_and_thickens():
    images = _square(4)
    out = vary_stroke(images, torch.tensor([-1, 0, 1, 2]))
    ink = out.sum(dim=(1, 2))
    assert ink[0] < ink[1] < ink[2] < ink[3]
    assert torch.equal(out[1], images[1])


def test_vary_stroke_never_erases_a_hairline():
    line = torch.zeros(1, 16, 16)
    line[0, 8, 2:14] = 1.0
    assert torch.equal(vary_stroke(line, torch.tensor([-1])), line)


def test_elastic_field_is_smooth_and_scaled_by_amplitude():
    noise = np.random.default_rng(0).standard_normal((2, 2, 4, 4)).astype(np.float32)
    field = elastic_field(noise, 64, amplitude=np.array([0.05, 0.0], np.float32))
    assert field.shape == (2, 64, 64, 2)
    assert field[1].abs().max() == 0
    steps = (field[0, 1:] - field[0, :-1]).abs().max()
    assert 0 < steps < 0.2 * field[0].abs().max()
