"""Shared fixtures: the seed examples of docs/definition.md §3 and §7, and a CLI runner."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import settings

from upscale_cli.cli.main import main

settings.register_profile("default", max_examples=60, deadline=None)
settings.load_profile("default")


@pytest.fixture
def seed_3x3() -> np.ndarray:
    """The 3×3 input of the nearest-neighbour worked example."""
    return np.array([[234, 38, 22], [67, 44, 12], [89, 65, 63]], dtype=np.uint8)


@pytest.fixture
def seed_b() -> np.ndarray:
    """B: arange(64) as 8×8, 2×2 max-pooled."""
    return np.array([[9, 11, 13, 15], [25, 27, 29, 31], [41, 43, 45, 47], [57, 59, 61, 63]], dtype=np.float64)


@pytest.fixture
def seed_c() -> np.ndarray:
    """C: B bilinear ×2, half-pixel (PyTorch align_corners=False), all 64 values."""
    return np.array(
        [
            [9.0, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.0],
            [13.0, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.0],
            [21.0, 21.5, 22.5, 23.5, 24.5, 25.5, 26.5, 27.0],
            [29.0, 29.5, 30.5, 31.5, 32.5, 33.5, 34.5, 35.0],
            [37.0, 37.5, 38.5, 39.5, 40.5, 41.5, 42.5, 43.0],
            [45.0, 45.5, 46.5, 47.5, 48.5, 49.5, 50.5, 51.0],
            [53.0, 53.5, 54.5, 55.5, 56.5, 57.5, 58.5, 59.0],
            [57.0, 57.5, 58.5, 59.5, 60.5, 61.5, 62.5, 63.0],
        ]
    )


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Run ``upscale`` with arguments in a temporary folder."""
    monkeypatch.chdir(tmp_path)

    def invoke(*args, stdin=None):
        return CliRunner().invoke(main, [str(a) for a in args], input=stdin)

    return invoke


def pattern(height: int, width: int, channels: int | None = 3, dtype=np.uint8) -> np.ndarray:
    """A deterministic image whose every pixel differs from its neighbours."""
    shape = (height, width) if channels is None else (height, width, channels)
    values = (np.arange(np.prod(shape)) * 37 + 11) % 251
    return values.reshape(shape).astype(dtype)


@pytest.fixture
def make_image(tmp_path):
    """Write ``pattern(h, w)`` as an RGB image file under ``tmp_path``; returns its path."""
    from PIL import Image

    def make(name: str, height: int = 6, width: int = 8, **save_kwargs) -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pattern(height, width)).save(path, **save_kwargs)
        return str(path)

    return make
