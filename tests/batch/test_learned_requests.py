"""Which requests the learned modes take (before any file is read)."""

from __future__ import annotations

import pytest

from upscale_cli.batch.convert import ResizeRequest
from upscale_cli.batch.learned import learned_scale
from upscale_cli.core.errors import UsageError


@pytest.mark.parametrize("scale, factor", [("2", 2), ("3x3", 3), ("400%", 4)])
def test_trained_scales(scale, factor):
    assert learned_scale(ResizeRequest(scale=scale, mode="fsrcnn")) == factor


@pytest.mark.parametrize("request_options, message", [
    ({"scale": "1"}, "not 1"),
    ({"scale": "3x2"}, "not 3x2"),
    ({"scale": "0.5"}, "not 0.5"),
    ({"size": "10x10"}, "give --scale 2, 3, 4, not a size"),
    ({"scale": "2", "cubic_a": -0.75}, "--cubic-a does not apply to --mode espcn"),
    ({"scale": "2", "antialias": False}, "--antialias does not apply to --mode espcn"),
    ({"scale": "2", "layout": "hwc"}, "--layout does not apply to --mode espcn"),
])
def test_refused_requests(request_options, message):
    with pytest.raises(UsageError, match=message):
        ResizeRequest(mode="espcn", **request_options)


def test_samples_held_as_an_array_with_their_mode():
    """16-bit colour, which Pillow cannot hold, reaches the learned modes as an array and its mode."""
    import numpy as np

    from upscale_cli.batch.learned import learned_image
    from upscale_cli.nn.learned import learned_samples
    from upscale_cli.nn.models import load_model

    class Held:
        array = (np.arange(5 * 6 * 3).reshape(5, 6, 3) * 1000).astype(np.uint16)
        mode = "RGB;16"

    plan, samples, result, mode = learned_image(Held(), "espcn", 2)
    assert mode == "RGB;16" and result.dtype == np.uint16 and result.shape == (10, 12, 3)
    np.testing.assert_array_equal(result, learned_samples(Held.array, load_model("espcn", 2)))
    assert [p.size.n_out for p in sorted(plan.axes, key=lambda p: p.name)] == [12, 10]
    Held.mode = "I;16B"
    with pytest.raises(UsageError, match="not mode I;16B"):
        learned_image(Held(), "espcn", 2)
