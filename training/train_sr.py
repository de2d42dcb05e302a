"""Train the learned upscalers (ESPCN- and FSRCNN-style, ×2/×3/×4) and export their weights.

    pip install -e '.[train]'
    python training/train_sr.py                 # all six models into upscale_cli/nn/weights/
    python training/train_sr.py --models espcn-x2 espcn-x3 espcn-x4   # one family (two such runs in parallel)
    python training/train_sr.py --models espcn-x3 --steps 200 --out /tmp/w   # a quick try

FSRCNN ×3 starts from the body of the ×2 model and ×4 from that of ×3
(``WARM_START``), read from the ``--out`` folder: train them in that order.

PyTorch is a development extra: the package never imports it. The data are
scikit-image's bundled photographs (training/DATA.md lists each, its source
and licence, and which are held out). High-resolution targets are the Y
(luminance, ITU-R BT.601 full range as in JPEG) of 8-bit images; the
low-resolution inputs are the same images reduced with this project's
antialiased bicubic in 8 bits, then their Y: what a user's small photo is.
Everything is seeded and runs on one thread, so a rerun on the same
PyTorch build repeats the weights.

Each ``.npz`` holds the layers as arrays (PyTorch layouts) and ``meta``, a
JSON text: the layer list the NumPy runner follows, and the provenance
(this script's SHA-256, the images, steps, seed, time, validation PSNR).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from skimage import data

import upscale_cli

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "upscale_cli" / "nn" / "weights"
#: Training images (scikit-image loader names), each stated by scikit-image to be public domain,
#: CC0 or free of known copyright restrictions (training/DATA.md). Held out for the benchmark, never seen here: coffee, chelsea, rocket, camera
#: (benchmarks/learned.py). Validation (the score recorded in the weights): coins.
TRAIN = ("astronaut", "brick", "cell", "grass", "gravel", "hubble_deep_field", "immunohistochemistry", "retina",
         "text")
VALIDATION = ("coins",)
SCALES = (2, 3, 4)
SEED = 2016
#: LR patch side, patches per step.
PATCH, BATCH = 32, 32


def luma(rgb: np.ndarray) -> np.ndarray:
    """Y in [0, 1] of 8-bit samples (grey images are their own Y)."""
    rgb = rgb.astype(np.float64)
    if rgb.ndim == 2:
        return rgb / 255
    return (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]) / 255


def pair(name: str, scale: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(LR Y, HR Y, bicubic of LR Y) of a scikit-image photograph, HR cropped to a multiple of ``scale``."""
    image = getattr(data, name)()
    if image.ndim == 3:
        image = image[..., :3]
    height, width = (n - n % scale for n in image.shape[:2])
    image = np.ascontiguousarray(image[:height, :width])
    small = luma(upscale_cli.resize(image, size=(width // scale, height // scale), mode="bicubic"))
    bicubic = upscale_cli.resize(small, scale=scale, mode="bicubic")
    return small.astype(np.float32), luma(image).astype(np.float32), bicubic.astype(np.float32)


def espcn(scale: int) -> list[dict]:
    """conv 5×5 1→32, ReLU, conv 3×3 32→16, ReLU, conv 3×3 16→r², pixel shuffle."""
    return [
        {"op": "conv", "in": 1, "out": 32, "kernel": 5}, {"op": "relu"},
        {"op": "conv", "in": 32, "out": 16, "kernel": 3}, {"op": "relu"},
        {"op": "conv", "in": 16, "out": scale * scale, "kernel": 3},
        {"op": "pixel_shuffle", "scale": scale},
    ]


def fsrcnn(scale: int, d: int = 32, s: int = 12, m: int = 3) -> list[dict]:
    """FSRCNN(d, s, m): feature 5×5, shrink 1×1, m maps 3×3, expand 1×1 (PReLU after each),
    deconvolution 9×9 of stride r."""
    layers = [{"op": "conv", "in": 1, "out": d, "kernel": 5}, {"op": "prelu", "channels": d},
              {"op": "conv", "in": d, "out": s, "kernel": 1}, {"op": "prelu", "channels": s}]
    for _ in range(m):
        layers += [{"op": "conv", "in": s, "out": s, "kernel": 3}, {"op": "prelu", "channels": s}]
    layers += [{"op": "conv", "in": s, "out": d, "kernel": 1}, {"op": "prelu", "channels": d},
               {"op": "deconv", "in": d, "out": 1, "kernel": 9, "stride": scale, "padding": 4,
                "output_padding": scale - 1}]
    return layers


FAMILIES = {"espcn": espcn, "fsrcnn": fsrcnn}
#: Steps per family: FSRCNN's step costs about 4× ESPCN's (its transposed convolution works at the
#: high resolution), and the six models share a budget of about 15 minutes of one core.
STEPS = {"espcn": 5000, "fsrcnn": 1500}
#: Models trained longer than their family's steps, to reach 1 dB over bicubic (docs/learned.md).
MODEL_STEPS = {"fsrcnn-x3": 6000, "fsrcnn-x4": 4000}
#: Models whose body (every layer but the enlarging head) starts from the trained body of the same
#: family at a smaller scale, as FSRCNN's authors do: the features of the luminance do not depend on
#: the scale, only the head does, so the larger scales start from features already learned.
WARM_START = {"fsrcnn-x3": 2, "fsrcnn-x4": 3}


class Net(torch.nn.Module):
    """A layer list as a PyTorch module (the same list the NumPy runner follows)."""

    def __init__(self, layers: list[dict]):
        super().__init__()
        self.layers = layers
        self.params = torch.nn.ParameterList()
        last_conv = max(i for i, layer in enumerate(layers) if layer["op"] == "conv")
        for index, layer in enumerate(layers):
            if layer["op"] == "conv":
                conv = torch.nn.Conv2d(layer["in"], layer["out"], layer["kernel"])
                if index == last_conv and layers[-1]["op"] == "pixel_shuffle":  # start near "bicubic as it is"
                    torch.nn.init.normal_(conv.weight, std=0.001)
                else:
                    torch.nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
                torch.nn.init.zeros_(conv.bias)
                self.params.extend([conv.weight, conv.bias])
            elif layer["op"] == "deconv":
                deconv = torch.nn.ConvTranspose2d(layer["in"], layer["out"], layer["kernel"])
                torch.nn.init.normal_(deconv.weight, std=0.001)
                torch.nn.init.zeros_(deconv.bias)
                self.params.extend([deconv.weight, deconv.bias])
            elif layer["op"] == "prelu":
                self.params.append(torch.nn.Parameter(torch.full((layer["channels"],), 0.25)))

    def forward(self, x):
        params = iter(self.params)
        for layer in self.layers:
            op = layer["op"]
            if op == "conv":
                x = F.conv2d(x, next(params), next(params), padding=layer["kernel"] // 2)
            elif op == "relu":
                x = F.relu(x)
            elif op == "prelu":
                x = F.prelu(x, next(params))
            elif op == "pixel_shuffle":
                x = F.pixel_shuffle(x, layer["scale"])
            elif op == "deconv":
                x = F.conv_transpose2d(x, next(params), next(params), stride=layer["stride"],
                                       padding=layer["padding"], output_padding=layer["output_padding"])
        return x


def patches(pairs, scale: int, generator: np.random.Generator):
    """A batch of random LR patches and the HR residuals over bicubic, flipped and turned at random."""
    lows, highs = [], []
    for _ in range(BATCH):
        low, high, bicubic = pairs[generator.integers(len(pairs))]
        y = generator.integers(low.shape[0] - PATCH + 1)
        x = generator.integers(low.shape[1] - PATCH + 1)
        lo = low[y:y + PATCH, x:x + PATCH]
        box = (slice(y * scale, (y + PATCH) * scale), slice(x * scale, (x + PATCH) * scale))
        hi = high[box] - bicubic[box]  # the network learns what bicubic misses
        turns, flip = generator.integers(4), generator.integers(2)
        lo, hi = np.rot90(lo, turns), np.rot90(hi, turns)
        if flip:
            lo, hi = lo[:, ::-1], hi[:, ::-1]
        lows.append(lo.copy())
        highs.append(hi.copy())
    return torch.from_numpy(np.stack(lows)[:, None]), torch.from_numpy(np.stack(highs)[:, None])


def psnr(net: Net, pairs, scale: int) -> float:
    """Mean PSNR on Y (borders of ``scale`` cropped) of the network's outputs on whole images."""
    scores = []
    with torch.no_grad():
        for low, high, bicubic in pairs:
            out = (bicubic + net(torch.from_numpy(low)[None, None])[0, 0].numpy()).clip(0, 1)
            error = (out - high)[scale:-scale, scale:-scale]
            scores.append(10 * math.log10(1 / float(np.mean(error.astype(np.float64) ** 2))))
    return float(np.mean(scores))


def bicubic_psnr(pairs, scale: int) -> float:
    """The same score for this project's bicubic enlargement of the LR Y."""
    scores = []
    for _, high, bicubic in pairs:
        out = np.clip(bicubic, 0, 1)
        error = (out - high)[scale:-scale, scale:-scale]
        scores.append(10 * math.log10(1 / float(np.mean(error ** 2))))
    return float(np.mean(scores))


def warm_start(net: Net, path: Path) -> dict:
    """Copy the body's parameters from the weights file ``path`` (same body layers) into ``net``; its record."""
    with np.load(path, allow_pickle=False) as archive:
        meta = json.loads(str(archive["meta"]))
        arrays = [archive[f"p{i}"] for i in range(len(archive.files) - 1)]
    if meta["layers"][:-1] != net.layers[:-1]:
        raise SystemExit(f"{path}: its body {meta['layers'][:-1]} is not this model's")
    head = len(arrays) - 2  # the transposed convolution's weight and bias, left as initialised
    with torch.no_grad():
        for parameter, array in zip(list(net.params)[:head], arrays[:head]):
            parameter.copy_(torch.from_numpy(array))
    return {"weights": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "steps": meta["provenance"]["steps"]}


def train(family: str, scale: int, steps: int, out: Path) -> dict:
    torch.manual_seed(SEED + scale)
    generator = np.random.default_rng(SEED + scale)
    layers = FAMILIES[family](scale)
    net = Net(layers)
    start_scale = WARM_START.get(f"{family}-x{scale}")
    started_from = warm_start(net, out / f"{family}_x{start_scale}.npz") if start_scale else None
    train_pairs = [pair(name, scale) for name in TRAIN]
    validation_pairs = [pair(name, scale) for name in VALIDATION]
    optimiser = torch.optim.Adam(net.parameters(), lr=2e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=2e-3, total_steps=steps, pct_start=0.05)
    start = time.perf_counter()
    for step in range(steps):
        low, high = patches(train_pairs, scale, generator)
        loss = F.mse_loss(net(low), high)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 1000 == 0:  # the validation score along the way is reported, never used to stop or choose
            print(f"{family} x{scale} step {step} loss {loss.item():.6f} "
                  f"validation {psnr(net, validation_pairs, scale):.3f} dB", flush=True)
    seconds = time.perf_counter() - start
    validation = psnr(net, validation_pairs, scale)
    bicubic = bicubic_psnr(validation_pairs, scale)
    meta = {
        "family": family, "scale": scale, "layers": layers, "residual_over": "bicubic",
        "provenance": {
            "script": "training/train_sr.py",
            "script_sha256": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
            "torch": torch.__version__, "data": "scikit-image " + __import__("skimage").__version__ + " sample images",
            "train_images": list(TRAIN), "validation_images": list(VALIDATION),
            "steps": steps, "initial_body": started_from, "batch": BATCH, "patch": PATCH, "seed": SEED + scale,
            "optimiser": "Adam, one-cycle lr 2e-3, MSE on Y",
            "train_seconds_one_thread": round(seconds, 1),
            "validation_psnr_y": round(validation, 3),
            "validation_psnr_y_bicubic": round(bicubic, 3),
        },
    }
    arrays = {f"p{i}": p.detach().numpy().astype(np.float32) for i, p in enumerate(net.params)}
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / f"{family}_x{scale}.npz", meta=np.array(json.dumps(meta)), **arrays)
    print(f"{family} x{scale}: {seconds:.0f} s, validation PSNR {validation:.2f} dB (bicubic {bicubic:.2f})", flush=True)
    return meta


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=[f"{f}-x{s}" for f in FAMILIES for s in SCALES])
    parser.add_argument("--steps", type=int, default=None,
                        help=f"training steps of every model (default per family: {STEPS}, and {MODEL_STEPS})")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    arguments = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    for model in arguments.models:
        family, scale = model.split("-x")
        train(family, int(scale), arguments.steps or MODEL_STEPS.get(model, STEPS[family]), arguments.out)
    print(f"total {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
