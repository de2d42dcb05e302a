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
