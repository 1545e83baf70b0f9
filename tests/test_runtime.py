import random

import numpy as np
import pytest
import torch

from tlwidgets.runtime import (
    budget,
    get_device,
    is_smoke,
    release_idle_openmp_workers,
    seed_everything,
)


def test_budget_follows_the_smoke_switch(monkeypatch):
    monkeypatch.setenv("TLW_SMOKE", "1")
    assert is_smoke() and budget(full=10, smoke=1) == 1
    monkeypatch.setenv("TLW_SMOKE", "0")
    assert not is_smoke() and budget(full=10, smoke=1) == 10
    monkeypatch.delenv("TLW_SMOKE")
    assert budget(full=10, smoke=1) == 10


def test_device_is_the_best_available_and_can_be_forced(monkeypatch):
    monkeypatch.delenv("TLW_DEVICE", raising=False)
    expected = (
        "cuda"
        if torch.cuda.is_available()
        else "mps"
        if torch.backends.mps.is_available()
        else "cpu"
    )
    assert get_device().type == expected
    monkeypatch.setenv("TLW_DEVICE", "cpu")
    assert get_device().type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_an_unavailable_device_is_explained():
    with pytest.raises(ValueError, match="'cuda' is not available here; use 'cpu'"):
        get_device("cuda")


def test_seed_everything_makes_every_generator_repeat():
    draws = []
    for _ in range(2):
        generator = seed_everything(7)
        draws.append(
            (
                random.random(),
                np.random.rand(),  # noqa: NPY002 - the legacy global state is what it seeds
                torch.rand(1).item(),
                torch.rand(1, generator=generator).item(),
            )
        )
    assert draws[0] == draws[1]


def test_releasing_idle_openmp_workers_is_safe_to_call_anywhere():
    a = torch.rand(256, 256)
    expected = a @ a  # gives this thread an OpenMP team
    release_idle_openmp_workers()
    release_idle_openmp_workers()
    assert torch.allclose(a @ a, expected)
