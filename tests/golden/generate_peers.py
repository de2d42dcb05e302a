#!/usr/bin/env python3
"""Expected values of the ported peer tests (``tests/compat/peers/``) that upstream
takes from the library itself.

Writes ``peers.npz`` and ``peers.json`` next to this file. Each record names
the upstream file and test, the exact call and the library version. Run from
the repository root with the reference libraries installed::

    python tests/golden/generate_peers.py

Deterministic: same versions, same bytes.
"""

from __future__ import annotations

import json
import os
import sys
from collections import OrderedDict

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

#: ``remarkable_factors`` of Pillow's Tests/test_image_reduce.py.
REDUCE_FACTORS = [1, 2, 3, 4, 5, 6, (1, 2), (1, 3), (1, 4), (1, 7), (2, 1), (3, 1), (4, 1), (7, 1),
                  (4, 6), (5, 6), (4, 7), (5, 7), (19, 17)]
REDUCE_MODES = ["L", "LA", "La", "RGB", "RGBA", "RGBa", "I", "F"]


def radial_gradients() -> np.ndarray:
    """A stand-in for Pillow's Tests/images/radial_gradients.png (not vendored): two radial ramps, 8-bit."""
    y, x = np.mgrid[0:64, 0:64].astype(np.float64)
    ramp = 3.1 * np.hypot(x - 17, y - 23) + 1.7 * np.hypot(x - 49, y - 40)
    return (ramp % 256).astype(np.uint8)


def get_image(gradients, mode, opaque=False):
    """Pillow's ``get_image`` of test_image_reduce.py (rotated copies per band, lifted alpha, 5 rows cropped)."""
    from PIL import Image, ImageMode

    mode_info = ImageMode.getmode(mode)
    if mode_info.basetype == "L":
        bands = [gradients]
        for _ in mode_info.bands[1:]:
            bands.append(bands[-1].transpose(Image.Transpose.ROTATE_90))
        if mode.endswith("A"):
            bands[-1] = bands[-1].point(lambda x: int(85 + x / 1.5))
        im = Image.merge(mode, bands)
    else:
        im = gradients.convert(mode)
    im = im.crop((0, 0, im.width, im.height - 5))
    if opaque:
        im.putalpha(Image.new("L", im.size, 255))
    return im


def gen_reduce(arrays, records):
    import PIL
    from PIL import Image

    image = Image.fromarray(radial_gradients())
    for mode in REDUCE_MODES:
        for opaque in ([False, True] if mode in ("LA", "RGBA") else [False]):
            im = get_image(image, mode, opaque)
            arrays["reduce_input_%s%s" % (mode, "_opaque" if opaque else "")] = np.asarray(im)
            for factor in REDUCE_FACTORS:
                key = "reduce_%s%s_%s" % (mode, "_opaque" if opaque else "", "x".join(map(str, np.atleast_1d(factor))))
                arrays[key] = np.asarray(im.reduce(factor))
                records.append(OrderedDict(
                    key=key, upstream="python-pillow/Pillow Tests/test_image_reduce.py",
                    test="test_mode_%s" % mode, call="get_image(%r)%s.reduce(%r)" % (
                        mode, ".putalpha(255)" if opaque else "", factor),
                    library="pillow %s" % PIL.__version__))


def main():
    arrays, records = OrderedDict(), []
    gen_reduce(arrays, records)
    np.savez_compressed(os.path.join(HERE, "peers.npz"), **arrays)
    with open(os.path.join(HERE, "peers.json"), "w") as fh:
        json.dump({"records": records}, fh, indent=1)
        fh.write("\n")
    print("%d arrays -> peers.npz, %d records -> peers.json" % (len(arrays), len(records)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
