"""Learned upscalers in NumPy: tiles, certified rounding, the definition, PyTorch, golden bytes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import upscale_cli
from upscale_cli.core.choices import LEARNED_MODES, LEARNED_SCALES
from upscale_cli.core.errors import UsageError
from upscale_cli.nn import learned
from upscale_cli.nn.learned import learned_samples, run_window
from upscale_cli.nn.models import Layer, Model, load_model, model_path, read_model

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "learned.json"
SAMPLES = Path(__file__).resolve().parents[2] / "sample_images"


def espcn_layers(scale: int) -> list[dict]:
    return [{"op": "conv", "in": 1, "out": 4, "kernel": 5}, {"op": "relu"},
            {"op": "conv", "in": 4, "out": 3, "kernel": 3}, {"op": "prelu", "channels": 3},
            {"op": "conv", "in": 3, "out": scale * scale, "kernel": 3}, {"op": "pixel_shuffle", "scale": scale}]


def fsrcnn_layers(scale: int) -> list[dict]:
    return [{"op": "conv", "in": 1, "out": 4, "kernel": 5}, {"op": "prelu", "channels": 4},
            {"op": "conv", "in": 4, "out": 2, "kernel": 1}, {"op": "prelu", "channels": 2},
            {"op": "conv", "in": 2, "out": 2, "kernel": 3}, {"op": "prelu", "channels": 2},
            {"op": "deconv", "in": 2, "out": 1, "kernel": 9, "stride": scale, "padding": 4,
             "output_padding": scale - 1}]


def parameter_shapes(spec: dict) -> list[tuple]:
    if spec["op"] == "conv":
        return [(spec["out"], spec["in"], spec["kernel"], spec["kernel"]), (spec["out"],)]
    if spec["op"] == "deconv":
        return [(spec["in"], spec["out"], spec["kernel"], spec["kernel"]), (spec["out"],)]
    return [(spec["channels"],)] if spec["op"] == "prelu" else []


def random_model(family: str, scale: int, seed: int = 0, size: float = 0.3) -> Model:
    rng = np.random.default_rng(seed)
    specs = (espcn_layers if family == "espcn" else fsrcnn_layers)(scale)
    layers = tuple(Layer(spec["op"], spec, tuple(rng.standard_normal(shape) * size for shape in parameter_shapes(spec)))
                   for spec in specs)
    return Model(family, scale, layers)


def zero_model(scale: int) -> Model:
    model = random_model("espcn", scale)
    return Model("espcn", scale, tuple(Layer(l.op, l.spec, tuple(np.zeros_like(p) for p in l.params))
                                       for l in model.layers))


def photo(height: int, width: int, channels: int, dtype=np.uint8, seed: int = 0) -> np.ndarray:
    """A smooth picture with an edge and noise: outputs of every kind (flat, ramps, overshoot)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = 0.5 + 0.3 * np.sin(x / 3.0) * np.cos(y / 5.0) + 0.2 * (x > width // 2)
    picture = np.stack([np.clip(base + 0.08 * rng.standard_normal(base.shape) + 0.1 * c, 0, 1)
                        for c in range(channels)], axis=-1)
    return np.round(picture * np.iinfo(dtype).max).astype(dtype)


# ----------------------------------------------------------------- the definition


@pytest.mark.parametrize("family", LEARNED_MODES)
@pytest.mark.parametrize("scale", LEARNED_SCALES)
def test_fast_path_is_within_its_bound_of_the_definition(family, scale):
    model = random_model(family, scale, size=0.6)
    window = np.random.default_rng(scale).random((13, 17))
    fast, bound = run_window(model, window, (0, 0, 13, 17))
    definition, _ = run_window(model, window, (0, 0, 13, 17), in_order=True)
    assert fast.shape == (13 * scale, 17 * scale)
    assert 0 < np.max(np.abs(fast - definition)) <= bound or np.array_equal(fast, definition)


@pytest.mark.parametrize("family", LEARNED_MODES)
def test_certified_bytes_are_the_definitions(monkeypatch, family):
    """With a bound so loose that every output is undecided, each is the definition's: the same bytes."""
    samples = photo(11, 14, 3)
    model = random_model(family, 3)
    usual = learned_samples(samples, model, tile=5)
    monkeypatch.setattr(learned, "gamma", lambda n: 1e6)
    stats = {}
    everything_recomputed = learned_samples(samples, model, tile=5, stats=stats)
    assert stats["undecided"] == 11 * 14 * 9
    np.testing.assert_array_equal(everything_recomputed, usual)


@given(st.sampled_from(LEARNED_MODES), st.sampled_from(LEARNED_SCALES), st.integers(1, 12), st.integers(1, 16),
       st.integers(1, 16), st.sampled_from([1, 2, 3, 4]))
def test_the_bytes_do_not_depend_on_the_tile_size_or_threads(family, scale, tile, height, width, channels):
    samples = photo(height, width, channels)
    model = random_model(family, scale)
    whole = learned_samples(samples, model, tile=64, parallel=False)
    np.testing.assert_array_equal(learned_samples(samples, model, tile=tile), whole)


def test_a_residual_of_zero_gives_this_projects_bicubic():
    for channels, dtype in ((3, np.uint8), (1, np.uint16)):
        samples = photo(9, 12, channels, dtype)[..., :channels]
        samples = samples[..., 0] if channels == 1 else samples
        for scale in LEARNED_SCALES:
            np.testing.assert_array_equal(learned_samples(samples, zero_model(scale)),
                                          upscale_cli.resize(samples, scale=scale, mode="bicubic"))


def test_the_residual_is_added_to_every_colour_channel_alike():
    samples = photo(8, 8, 3)
    model = random_model("espcn", 2)
    out = learned_samples(samples, model).astype(np.int64)
    bicubic = upscale_cli.resize(samples, scale=2, mode="bicubic").astype(np.int64)
    shift = out - bicubic
    inside = ((out > 0) & (out < 255) & (bicubic > 0) & (bicubic < 255)).all(-1)  # neither clipped
    assert np.abs(shift).max() > 2  # the network changed something
    assert np.all(np.ptp(shift[inside], axis=-1) <= 1)  # by the same amount in R, G, B, up to rounding


def test_alpha_is_bicubic_and_grey_alpha_keeps_two_channels():
    samples = photo(7, 9, 2)
    out = learned_samples(samples, random_model("fsrcnn", 2))
    assert out.shape == (14, 18, 2) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[..., 1], upscale_cli.resize(samples[..., 1], scale=2, mode="bicubic"))


def test_sixteen_bit_samples_stay_sixteen_bit():
    samples = photo(6, 5, 1, np.uint16)[..., 0]
    out = learned_samples(samples, random_model("espcn", 3))
    assert out.shape == (18, 15) and out.dtype == np.uint16


def test_refused_samples():
    model = random_model("espcn", 2)
    with pytest.raises(UsageError, match="8- or 16-bit samples, not float32"):
        learned_samples(np.zeros((4, 4), np.float32), model)
    with pytest.raises(UsageError, match="1 to 4 channels"):
        learned_samples(np.zeros((4, 4, 5), np.uint8), model)
    with pytest.raises(UsageError, match="tile must be"):
        learned_samples(np.zeros((4, 4), np.uint8), model, tile=0)


# ----------------------------------------------------------------- weights files


def write_weights(path: Path, model: Model, **meta) -> None:
    arrays = {f"p{i}": p for i, p in enumerate(p for layer in model.layers for p in layer.params)}
    text = json.dumps({"family": model.family, "scale": model.scale, "layers": [l.spec for l in model.layers], **meta})
    np.savez(path, meta=np.array(text), **arrays)


def test_weights_file_round_trip(tmp_path):
    model = random_model("fsrcnn", 4)
    write_weights(tmp_path / "m.npz", model, provenance={"seed": 1})
    read = read_model(tmp_path / "m.npz")
    assert read.provenance == {"seed": 1} and read.halo == model.halo == 2 + 1 + 1
    for a, b in zip(read.layers, model.layers):
        assert a.spec == b.spec and all(np.array_equal(p, q) for p, q in zip(a.params, b.params))


def test_damaged_weights_files_are_usage_errors(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(UsageError, match="bad.npz: not a usable weights file"):
        read_model(tmp_path / "bad.npz")
    model = random_model("espcn", 2)
    short = Model("espcn", 2, model.layers[:-2] + model.layers[-1:])  # the last conv's weights given to nothing
    write_weights(tmp_path / "short.npz", short)
    arrays = dict(np.load(tmp_path / "short.npz"))
    arrays["p0"] = arrays["p0"][:, :, :3]
    np.savez(tmp_path / "shapes.npz", **arrays)
    with pytest.raises(UsageError, match="shapes.npz: not a usable weights file .*layer conv"):
        read_model(tmp_path / "shapes.npz")
    wrong_head = random_model("fsrcnn", 3)
    spec = dict(wrong_head.layers[-1].spec, output_padding=0)
    write_weights(tmp_path / "head.npz", Model("fsrcnn", 3, wrong_head.layers[:-1] + (Layer("deconv", spec,
                                                                                        wrong_head.layers[-1].params),)))
    with pytest.raises(UsageError, match="does not make exactly 3×"):
        read_model(tmp_path / "head.npz")


# ----------------------------------------------------------------- the shipped models


def torch_network(model: Model):
    """The model's layer list as PyTorch calls (float64), written independently of the training script."""
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional

    def run(x):
        x = torch.from_numpy(x)[None, None]
        for layer in model.layers:
            params = [torch.from_numpy(p) for p in layer.params]
            spec = layer.spec
            if layer.op == "conv":
                x = functional.conv2d(x, *params, padding=spec["kernel"] // 2)
            elif layer.op == "relu":
                x = functional.relu(x)
            elif layer.op == "prelu":
                x = functional.prelu(x, params[0])
            elif layer.op == "pixel_shuffle":
                x = functional.pixel_shuffle(x, spec["scale"])
            else:
                x = functional.conv_transpose2d(x, *params, stride=spec["stride"], padding=spec["padding"],
                                                output_padding=spec["output_padding"])
        return x[0, 0].numpy()

    return run


@pytest.mark.parametrize("family", LEARNED_MODES)
@pytest.mark.parametrize("scale", LEARNED_SCALES)
def test_numpy_inference_equals_pytorch(family, scale):
    model = load_model(family, scale)
    network = torch_network(model)
    rng = np.random.default_rng(scale)
    for shape in ((1, 1), (7, 30), (41, 33)):
        luma = rng.random(shape)
        residual, _ = run_window(model, luma, (0, 0, *shape))
        np.testing.assert_allclose(residual, network(luma), rtol=0, atol=1e-5)
        tiled = np.concatenate([run_window(model, luma, (0, 0, shape[0], 1))[0]] +
                               [run_window(model, luma, (0, c, shape[0], 1))[0] for c in range(1, shape[1])], axis=1)
        np.testing.assert_allclose(tiled, network(luma), rtol=0, atol=1e-5)


@pytest.mark.parametrize("record", json.loads(GOLDEN.read_text(encoding="utf-8")),
                         ids=lambda r: f"{r['model']}-{r['input']}")
def test_golden_bytes(record):
    from PIL import Image

    family, scale = record["model"].split("_x")
    path = model_path(family, int(scale))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == record["weights_sha256"], "retrained: regenerate"
    out = learned_samples(np.asarray(Image.open(SAMPLES / record["input"])), load_model(family, int(scale)), tile=17)
    assert [list(out.shape), str(out.dtype)] == [record["shape"], record["dtype"]]
    assert hashlib.sha256(np.ascontiguousarray(out).tobytes()).hexdigest() == record["sha256"]


def test_shipped_models_record_their_provenance():
    for family in LEARNED_MODES:
        for scale in LEARNED_SCALES:
            model = load_model(family, scale)
            provenance = model.provenance
            assert (model.family, model.scale) == (family, scale)
            assert provenance["script"] == "training/train_sr.py" and len(provenance["script_sha256"]) == 64
            assert "coffee" not in provenance["train_images"] + provenance["validation_images"]
            assert provenance["validation_psnr_y"] > provenance["validation_psnr_y_bicubic"]


def test_warm_started_models_name_the_shipped_weights_they_started_from():
    # FSRCNN ×3 starts from the ×2 body and ×4 from the ×3 one (training/train_sr.py): retraining a smaller
    # scale without the larger ones would leave their provenance pointing at weights no longer shipped.
    for family in LEARNED_MODES:
        for scale in LEARNED_SCALES:
            start = load_model(family, scale).provenance.get("initial_body")
            if start is not None:
                path = model_path(family, scale).parent / start["weights"]
                assert start["weights"] == f"{family}_x{scale - 1}.npz"
                assert hashlib.sha256(path.read_bytes()).hexdigest() == start["sha256"]
