"""Make the README pictures with ``upscale compare`` and ``upscale grid``.

Run from the repository root: ``python docs/pictures/make_pictures.py``.
The inputs are the sample images (``sample_images/make_samples.py``).
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent.parent / "sample_images"

COMMANDS = [
    ["compare", SAMPLES / "lineart.png", "-o", HERE / "compare.png", "--scale", "6",
     "--modes", "nearest,bilinear,bicubic,lanczos", "--crop", "0,0,28,28"],
    ["compare", SAMPLES / "gradient.png", "-o", HERE / "compare-diff.png", "--scale", "6",
     "--modes", "bilinear,bicubic", "--diff", "bicubic,bilinear", "--crop", "40,16,24,24"],
    ["grid", SAMPLES / "tiny3x3.png", "-o", HERE / "grid.png", "--scale", "2", "--zoom", "64"],
    ["grid", SAMPLES / "tiny3x3.png", "-o", HERE / "grid-seed.png", "--size", "4x4", "--zoom", "64",
     "--align", "asymmetric", "--align", "half-pixel", "--align", "align-corners"],
    ["grid", SAMPLES / "lineart.png", "-o", HERE / "grid-x8.png", "--scale", "8", "--crop", "5,5,2,2",
     "--align", "half-pixel", "--align", "asymmetric"],
]


def main() -> None:
    for command in COMMANDS:
        subprocess.run([sys.executable, "-m", "upscale_cli", *map(str, command), "--overwrite"], check=True)


if __name__ == "__main__":
    main()
