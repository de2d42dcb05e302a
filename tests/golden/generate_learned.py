"""Record the bytes the shipped learned upscalers make of the sample images (tests/golden/learned.json).

    python tests/golden/generate_learned.py

Run it after retraining (training/train_sr.py) and check that only the models
retrained changed. Each record is the SHA-256 of the output samples (C order,
native byte order) of :func:`upscale_cli.nn.learned.learned_samples`, with
their shape and dtype, and the SHA-256 of the weights file it was made with.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image

from upscale_cli.core.choices import LEARNED_MODES, LEARNED_SCALES
from upscale_cli.nn.learned import learned_samples
from upscale_cli.nn.models import load_model, model_path

ROOT = Path(__file__).resolve().parents[2]
#: An RGB photograph-like picture, grey line art, RGBA with transparency, 16-bit grey.
INPUTS = ("gradient.png", "lineart.png", "sticker.png", "depth16.png")


def record(family: str, scale: int, name: str) -> dict:
    samples = np.asarray(Image.open(ROOT / "sample_images" / name))
    out = np.ascontiguousarray(learned_samples(samples, load_model(family, scale)))
    return {"model": f"{family}_x{scale}", "input": name, "shape": list(out.shape), "dtype": str(out.dtype),
            "sha256": hashlib.sha256(out.tobytes()).hexdigest(),
            "weights_sha256": hashlib.sha256(model_path(family, scale).read_bytes()).hexdigest()}


def main():
    records = [record(family, scale, name) for family in LEARNED_MODES for scale in LEARNED_SCALES for name in INPUTS]
    path = Path(__file__).resolve().parent / "learned.json"
    path.write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(records)} records to {path}")


if __name__ == "__main__":
    main()
