"""Random seeded calls of the live libraries against their presets: the differential suite's generator and runners.

Each library gets a stream of jobs drawn from one seed: the call in the
library's own vocabulary (the parameters of ``tests/golden/manifest.json``,
translated to ``upscale_cli`` keywords by the same functions as the golden
cases), an input shape and dtype, and the random samples. :func:`run_job`
calls the library and the preset and compares them: integers must be
identical, floats within :data:`FLOAT_TOLERANCE` (Pillow's ``F`` images
identical too). A call that the library refuses is noted with whether the
preset refuses it too (``test_differential.py`` decides which are allowed);
the differences ``docs/compat.md`` documents are noted, not compared
(:func:`documented_difference`).

Run as a script to measure: ``python tests/compat/differential.py torch``
runs the suite's own jobs for one library (``torch 3000 7``: 3,000 jobs of
seed 7) and prints the jobs, samples and mismatches, the numbers
``docs/compat.md`` quotes.
"""

from __future__ import annotations

import functools
import math
import sys
from dataclasses import dataclass, field

import numpy as np
from test_golden import onnx_call, opencv_call, pillow_call, torch_call  # tests/compat is on sys.path

import upscale_cli
from upscale_cli.core.errors import UsageError

#: Tolerance for float results as docs/compat.md states it: absolute up to 1, relative beyond (samples are
#: drawn from [-1, 2), Pillow's F from [-1000, 2000)). PyTorch float64 computes in float64; OpenCV's float64
#: code keeps float32 factors (INTER_AREA's ``1.f/n``, its weights); the ONNX reference computes its cubic
#: coefficients in float32 under NumPy 2 (see upscale_cli.compat.onnx), which ``exclude_outside`` amplifies
#: beyond the last pixel (1.4e-5 seen). Pillow's F is identical.
FLOAT_TOLERANCE = {
    "torch": {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-10},
    "opencv": {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-5},
    "pillow": {np.dtype(np.float32): 0.0},
    "onnx": {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-4},
    "onnxruntime": {np.dtype(np.float32): 1e-5},
}
LIBRARIES = ("torch", "opencv", "pillow", "onnx", "onnxruntime")


@dataclass
class Job:
    """One random call: ``params`` in the library's vocabulary, the input ``x``, and how the preset reads it."""

    library: str
    params: dict
    x: np.ndarray
    layout: str | None = None
    extra: dict = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.library} {self.x.dtype}{list(self.x.shape)} layout={self.layout} {self.params} {self.extra}"


@dataclass
class Outcome:
    """What one job gave: the samples compared and those that differ, or a ``note`` saying why none were."""

    job: Job
    samples: int = 0
    mismatches: int = 0
    worst: float = 0.0
    note: str = ""


def _samples(rng: np.random.Generator, shape: tuple[int, ...], dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return rng.uniform(-1.0, 2.0, shape).astype(dtype)
    info = np.iinfo(dtype)
    kind = rng.integers(4)
    if kind == 0:  # one value everywhere
        return np.full(shape, rng.integers(info.min, info.max, endpoint=True), dtype)
    if kind == 1:  # only the extremes: overshoot and clipping
        return rng.choice(np.array([info.min, info.max], dtype), shape)
    low, high = (info.min, info.max) if dtype.itemsize <= 2 else (-(2**20), 2**20)
    return rng.integers(low, high, shape, endpoint=True).astype(dtype)


def _length(rng: np.random.Generator, largest: int) -> int:
    """A length, 1 often enough to test 1-pixel inputs and outputs."""
    return 1 if rng.random() < 0.08 else int(rng.integers(2, largest + 1))


def _factor(rng: np.random.Generator, n_in: int) -> float:
    """A scale factor: whole numbers, halves, exactly ``2·n + ε`` (PyTorch's shortcut), or any ratio."""
    kind = rng.integers(6)
    if kind == 0:
        return float(rng.choice([0.5, 1.0, 2.0, 3.0, 0.25]))
    if kind == 1:
        return (2 * n_in + float(rng.uniform(0, 0.99))) / n_in
    if kind == 2:
        return (n_in + float(rng.uniform(0, 0.99))) / n_in
    return round(float(rng.uniform(0.15, 3.5)), int(rng.integers(1, 4)))


# -- PyTorch -------------------------------------------------------------------

TORCH_MODES = {1: ("nearest", "nearest-exact", "linear", "area"),
               2: ("nearest", "nearest-exact", "bilinear", "bicubic", "area"),
               3: ("nearest", "nearest-exact", "trilinear", "area")}
TORCH_LAYOUTS = {1: "ncl", 2: "nchw", 3: "ncdhw"}
TORCH_LARGEST = {1: 60, 2: 40, 3: 9}


def torch_job(rng: np.random.Generator) -> Job:
    rank = int(rng.choice([1, 2, 2, 2, 3]))
    mode = str(rng.choice(TORCH_MODES[rank]))
    integer = rank == 2 and mode != "area" and rng.random() < 0.4 or mode.startswith("nearest") and rng.random() < 0.3
    dtype = np.uint8 if integer else rng.choice([np.float32, np.float64])
    spatial = [_length(rng, TORCH_LARGEST[rank]) for _ in range(rank)]
    if rank == 2 and rng.random() < 0.2:  # around the small 2-D nearest kernel's limit
        spatial = [int(rng.integers(20, 70)) for _ in range(2)]
    shape = (int(rng.integers(1, 3)), int(rng.integers(1, 6)), *spatial)
    params = {"function": "interpolate", "mode": mode, "size": None, "scale_factor": None,
              "align_corners": None, "antialias": False, "recompute_scale_factor": None}
    if mode in ("linear", "bilinear", "bicubic", "trilinear"):
        params["align_corners"] = bool(rng.random() < 0.3)
    if mode in ("bilinear", "bicubic") and rng.random() < 0.4:
        params["antialias"] = True
    if rng.random() < 0.5:
        params["size"] = [_length(rng, 2 * TORCH_LARGEST[rank]) for _ in range(rank)]
    else:
        params["scale_factor"] = [max(_factor(rng, n), 1.0 / n) for n in spatial]
    channels_last = rank > 1 and bool(rng.random() < 0.3)
    return Job("torch", params, _samples(rng, shape, dtype), TORCH_LAYOUTS[rank], {"channels_last": channels_last})


def torch_result(job: Job) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    tensor = torch.from_numpy(job.x)
    if job.extra["channels_last"]:
        tensor = tensor.contiguous(memory_format=torch.channels_last if tensor.ndim == 4 else torch.channels_last_3d)
    p = job.params
    keywords = {"mode": p["mode"], "antialias": p["antialias"]}
    if p["align_corners"] is not None:
        keywords["align_corners"] = p["align_corners"]
    if p["size"] is not None:
        keywords["size"] = p["size"]
    else:
        keywords["scale_factor"] = p["scale_factor"]
    return F.interpolate(tensor, **keywords).contiguous().numpy()


def torch_preset(job: Job) -> np.ndarray:
    """A channels-last tensor is an NHWC array to the preset (PyTorch picks its kernels by memory format)."""
    if job.extra["channels_last"] and job.x.ndim == 4:
        nhwc = np.ascontiguousarray(job.x.transpose(0, 2, 3, 1))
        result = upscale_cli.resize(nhwc, layout="nhwc", **torch_call(job.params, job.x))
        return result.transpose(0, 3, 1, 2)
    return upscale_cli.resize(job.x, layout=job.layout, **torch_call(job.params, job.x))


# -- OpenCV --------------------------------------------------------------------

OPENCV_INTERPOLATIONS = ("INTER_NEAREST", "INTER_NEAREST_EXACT", "INTER_LINEAR", "INTER_LINEAR_EXACT",
                         "INTER_CUBIC", "INTER_AREA", "INTER_LANCZOS4")
OPENCV_DTYPES = (np.uint8, np.uint16, np.int16, np.float32, np.float64)


def opencv_job(rng: np.random.Generator) -> Job:
    dtype = rng.choice(OPENCV_DTYPES)
    interpolation = str(rng.choice(OPENCV_INTERPOLATIONS))
    height, width = _length(rng, 48), _length(rng, 48)
    channels = int(rng.integers(0, 5))  # 0: a 2-D array
    shape = (height, width) if channels == 0 else (height, width, channels)
    params = {"interpolation": interpolation, "dsize": None, "fx": None, "fy": None}
    if rng.random() < 0.5:
        params["dsize"] = [_length(rng, 80), _length(rng, 80)]
    else:
        fx, fy = _factor(rng, width), _factor(rng, height)
        if rng.random() < 0.2:  # whole-number reductions: resizeAreaFast, and INTER_LINEAR halving as INTER_AREA
            fx = fy = 1 / int(rng.choice([2, 2, 3, 4]))
        if round(width * fx) < 1 or round(height * fy) < 1:
            fx, fy = max(fx, 1.0), max(fy, 1.0)
        params["fx"], params["fy"] = fx, fy
    return Job("opencv", params, _samples(rng, shape, dtype), None)


def opencv_result(job: Job) -> np.ndarray:
    import cv2

    cv2.ipp.setUseIPP(False)  # IPP's own arithmetic: see docs/compat.md
    p = job.params
    dsize = (0, 0) if p["dsize"] is None else tuple(p["dsize"])
    out = cv2.resize(job.x, dsize, fx=p["fx"] or 0, fy=p["fy"] or 0, interpolation=getattr(cv2, p["interpolation"]))
    return out.reshape(out.shape[:2] + job.x.shape[2:])


def opencv_preset(job: Job) -> np.ndarray:
    return upscale_cli.resize(job.x, **opencv_call(job.params, job.x))


# -- Pillow --------------------------------------------------------------------

PILLOW_MODES = {"L": (np.uint8, 0), "LA": (np.uint8, 2), "RGB": (np.uint8, 3), "RGBA": (np.uint8, 4),
                "I;16": (np.uint16, 0), "I": (np.int32, 0), "F": (np.float32, 0)}
PILLOW_FILTERS = ("NEAREST", "BOX", "BILINEAR", "HAMMING", "BICUBIC", "LANCZOS")


def pillow_job(rng: np.random.Generator) -> Job:
    mode = str(rng.choice(list(PILLOW_MODES)))
    dtype, channels = PILLOW_MODES[mode]
    height, width = _length(rng, 48), _length(rng, 48)
    shape = (height, width) if channels == 0 else (height, width, channels)
    params = {"size": [_length(rng, 80), _length(rng, 80)], "resample": str(rng.choice(PILLOW_FILTERS)),
              "box": None, "reducing_gap": None}
    if rng.random() < 0.25 and mode != "I;16":  # Image.reduce refuses I;16 (tested once, not at random)
        params["reducing_gap"] = round(float(rng.uniform(1.0, 3.5)), 2)
    x = _samples(rng, shape, dtype)
    if mode == "F":
        x = (x * 1000).astype(np.float32)
    return Job("pillow", params, x, None, {"mode": mode})


def _pillow_image(job: Job):
    from PIL import Image

    if job.extra["mode"] == "I;16":
        return Image.frombytes("I;16", job.x.shape[::-1], job.x.astype("<u2").tobytes())
    return Image.fromarray(job.x, job.extra["mode"]) if job.x.ndim == 3 else Image.fromarray(job.x)


def pillow_result(job: Job) -> np.ndarray:
    from PIL import Image

    p = job.params
    image = _pillow_image(job).resize(tuple(p["size"]), getattr(Image.Resampling, p["resample"]),
                                      reducing_gap=p["reducing_gap"])
    return np.asarray(image)


def pillow_preset(job: Job) -> np.ndarray:
    image = upscale_cli.resize_image(_pillow_image(job), **pillow_call(job.params, job.x))
    assert image.mode == job.extra["mode"], image.mode
    return np.asarray(image)


# -- ONNX: the reference and onnxruntime ---------------------------------------

ONNX_TRANSFORMS = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
                   "tf_crop_and_resize")
ONNX_NEAREST = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")
ONNX_LAYOUTS = {3: "ncl", 4: "nchw", 5: "ncdhw"}


def onnx_job(rng: np.random.Generator, runtime: str) -> Job:
    rank = int(rng.choice([3, 4, 4, 4, 5]))
    mode = str(rng.choice(["nearest", "linear", "cubic"]))
    if runtime == "onnxruntime":
        dtype = rng.choice([np.float32, np.float32, np.uint8, np.int8, np.int32])
    else:
        dtype = rng.choice([np.float32, np.float64])
    largest = {3: 14, 4: 9, 5: 5}[rank] if runtime == "onnx" else {3: 40, 4: 24, 5: 8}[rank]
    spatial = [_length(rng, largest) for _ in range(rank - 2)]
    shape = (int(rng.integers(1, 3)), int(rng.integers(1, 4)), *spatial)
    transform = str(rng.choice(ONNX_TRANSFORMS))
    params = {
        "runtime": "onnx.reference" if runtime == "onnx" else "onnxruntime", "mode": mode,
        "coordinate_transformation_mode": transform, "cubic_coeff_a": float(rng.choice([-0.75, -0.5, -0.6])),
        # exclude_outside means nothing to nearest, which the preset refuses (the reference ignores it)
        "exclude_outside": int(mode != "nearest" and rng.random() < 0.3),
        "antialias": int(mode != "nearest" and rng.random() < 0.3),
        "extrapolation_value": float(rng.choice([0.0, 10.0])), "nearest_mode": str(rng.choice(ONNX_NEAREST)),
        "keep_aspect_ratio_policy": "stretch", "axes": None, "roi": None, "scales": None, "sizes": None,
    }
    if transform == "tf_crop_and_resize":
        starts = [round(float(rng.uniform(-0.2, 0.5)), 2) for _ in spatial]
        ends = [round(float(rng.uniform(0.5, 1.2)), 2) for _ in spatial]
        params["roi"] = [0.0, 0.0, *starts, 1.0, 1.0, *ends]
    if rng.random() < 0.5:
        params["sizes"] = [shape[0], shape[1], *(_length(rng, 2 * largest) for _ in spatial)]
        if rng.random() < 0.2:  # the policy over the spatial axes (over every axis it would keep N and C in it)
            params["keep_aspect_ratio_policy"] = str(rng.choice(["not_larger", "not_smaller"]))
            params["axes"] = list(range(2, rank))
            params["sizes"] = params["sizes"][2:]
            if params["roi"] is not None:
                params["roi"] = [*params["roi"][2:rank], *params["roi"][rank + 2:]]
    else:
        factors = [_factor(rng, n) for n in spatial]
        params["scales"] = [1.0, 1.0, *(f if math.floor(n * f) >= 1 else 1.0 for n, f in zip(spatial, factors))]
    return Job(runtime, params, _samples(rng, shape, dtype), ONNX_LAYOUTS[rank])


@functools.lru_cache(maxsize=None)
def _onnx_model(attributes: tuple, input_type: int, roi_type: int, rank: int, by_sizes: bool):
    from onnx import TensorProto, helper

    lengths = len(dict(attributes).get("axes", ())) or rank
    node = helper.make_node("Resize", ["X", "roi", "" if by_sizes else "scales", "sizes" if by_sizes else ""],
                            ["Y"], **{name: list(value) if name == "axes" else value for name, value in attributes})
    inputs = [helper.make_tensor_value_info("X", input_type, [None] * rank),
              helper.make_tensor_value_info("roi", roi_type, [None]),
              helper.make_tensor_value_info("sizes" if by_sizes else "scales",
                                            TensorProto.INT64 if by_sizes else TensorProto.FLOAT, [lengths])]
    graph = helper.make_graph([node], "resize", inputs, [helper.make_tensor_value_info("Y", input_type, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])


#: The ``roi`` tensor's type: double for the reference, whose arithmetic follows it (the preset's is double);
#: onnxruntime reads float32.
ROI_TYPES = {"onnx": np.dtype(np.float64), "onnxruntime": np.dtype(np.float32)}


@functools.lru_cache(maxsize=None)
def _onnx_program(runtime: str, attributes: tuple, input_type: int, rank: int, by_sizes: bool):
    from onnx import helper

    model = _onnx_model(attributes, input_type, helper.np_dtype_to_tensor_dtype(ROI_TYPES[runtime]), rank, by_sizes)
    if runtime == "onnx":
        from onnx.reference import ReferenceEvaluator

        return ReferenceEvaluator(model)
    import onnxruntime

    onnxruntime.set_default_logger_severity(4)  # refusals are counted, not logged
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 4
    return onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


ONNX_ATTRIBUTES = ("mode", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside", "antialias",
                   "extrapolation_value", "nearest_mode", "keep_aspect_ratio_policy", "axes")


def onnx_result(job: Job) -> np.ndarray:
    from onnx import helper

    p = job.params
    attributes = tuple((name, tuple(p[name]) if name == "axes" else p[name])
                       for name in ONNX_ATTRIBUTES if p[name] is not None)
    by_sizes = p["sizes"] is not None
    program = _onnx_program(job.library, attributes, helper.np_dtype_to_tensor_dtype(job.x.dtype), job.x.ndim, by_sizes)
    feeds = {"X": job.x, "roi": np.array(p["roi"] or [], ROI_TYPES[job.library])}
    if by_sizes:
        feeds["sizes"] = np.array(p["sizes"], np.int64)
    else:
        feeds["scales"] = np.array(p["scales"], np.float32)
    return np.asarray(program.run(None, feeds)[0])


def onnx_preset(job: Job) -> np.ndarray:
    params = dict(job.params)
    if params["scales"] is not None:  # the model receives float32 scales
        params["scales"] = [float(np.float32(s)) for s in params["scales"]]
    keywords = onnx_call(params, job.x, compat=job.library, layout=job.layout)
    return upscale_cli.resize(job.x, layout=job.layout, **keywords)


GENERATORS = {"torch": torch_job, "opencv": opencv_job, "pillow": pillow_job,
              "onnx": functools.partial(onnx_job, runtime="onnx"),
              "onnxruntime": functools.partial(onnx_job, runtime="onnxruntime")}
RUNNERS = {"torch": (torch_result, torch_preset), "opencv": (opencv_result, opencv_preset),
           "pillow": (pillow_result, pillow_preset), "onnx": (onnx_result, onnx_preset),
           "onnxruntime": (onnx_result, onnx_preset)}


#: Jobs per library in the suite, in chunks of :data:`CHUNK` (chunk ``k`` is seed ``k``).
COUNTS = {"torch": 2000, "opencv": 3000, "pillow": 2000, "onnx": 2000, "onnxruntime": 2000}
CHUNK = 500
#: The module each library's calls need.
MODULES = {"torch": "torch", "opencv": "cv2", "pillow": "PIL", "onnx": "onnx.reference", "onnxruntime": "onnxruntime"}


def jobs(library: str, count: int = CHUNK, seed: int = 0):
    """``count`` random jobs for ``library``, the same ones for the same seed."""
    rng = np.random.default_rng([LIBRARIES.index(library), seed])
    return [GENERATORS[library](rng) for _ in range(count)]


def documented_difference(job: Job, expected: np.ndarray | None = None) -> str:
    """Why a job is not compared, for the differences that docs/compat.md documents (empty: compared).

    ``expected`` is the library's result, once there is one.
    """
    p = job.params
    if job.library == "torch" and job.extra["channels_last"] and job.x.ndim == 5 and p["mode"].startswith("nearest"):
        return "PyTorch, channels-last 3-D nearest (no NDHWC layout)"
    if expected is not None and 1 in expected.shape[2:]:
        if job.library == "onnx" and p["coordinate_transformation_mode"] == "pytorch_half_pixel":
            return "ONNX reference, pytorch_half_pixel to length 1"
    return ""


def run_job(job: Job) -> Outcome:
    """Call the library and the preset; compare."""
    library_call, preset_call = RUNNERS[job.library]
    skip = documented_difference(job)
    if skip:
        return Outcome(job, note=skip)
    try:
        expected = library_call(job)
    except Exception as error:  # the library refuses the call: the preset must too
        try:
            preset_call(job)
        except UsageError:
            return Outcome(job, note="both refuse")
        return Outcome(job, note=f"library refuses ({type(error).__name__}: {str(error)[:80]}), preset accepts")
    skip = documented_difference(job, expected)
    if skip:
        return Outcome(job, note=skip)
    try:
        result = preset_call(job)
    except UsageError as error:
        if expected.size == 0:
            return Outcome(job, note="library returns an empty result, preset refuses")
        return Outcome(job, expected.size, expected.size, math.inf, f"preset refuses: {error}")
    if result.shape != expected.shape or result.dtype != expected.dtype:
        return Outcome(job, expected.size, expected.size, math.inf,
                       f"shape/dtype {result.shape} {result.dtype}, expected {expected.shape} {expected.dtype}")
    if expected.dtype.kind == "f":
        tolerance = FLOAT_TOLERANCE[job.library][expected.dtype]
        both_nan = np.isnan(result) & np.isnan(expected)
        difference = np.where(both_nan, 0.0, np.abs(result.astype(np.float64) - expected))
        wrong = difference > tolerance * np.maximum(1.0, np.abs(expected))
    else:
        difference = np.abs(result.astype(np.int64) - expected.astype(np.int64))
        wrong = difference != 0
    return Outcome(job, expected.size, int(wrong.sum()), float(difference.max(initial=0)))


def main(argv: list[str]) -> None:
    """``differential.py LIBRARY [COUNT [SEED]]``: measure, print the totals and the first mismatches.

    Without ``COUNT``, the suite's own jobs (``COUNTS``, chunk by chunk).
    """
    library = argv[0]
    if len(argv) > 1:
        outcomes = [run_job(job) for job in jobs(library, int(argv[1]), int(argv[2]) if len(argv) > 2 else 0)]
    else:
        outcomes = [run_job(job) for seed in range(COUNTS[library] // CHUNK) for job in jobs(library, CHUNK, seed)]
    compared = [o for o in outcomes if not o.note]
    wrong = [o for o in compared if o.mismatches]
    notes: dict[str, int] = {}
    for o in outcomes:
        if o.note:
            notes[o.note.split(" (")[0]] = notes.get(o.note.split(" (")[0], 0) + 1
    print(f"{library}: {len(compared)} jobs compared, {sum(o.samples for o in compared):,} samples, "
          f"{sum(o.mismatches for o in compared):,} differ in {len(wrong)} jobs; not compared: {notes}")
    for o in wrong[:10]:
        print(f"  {o.mismatches}/{o.samples} (worst {o.worst:g}) {o.note} {o.job.describe()}")
    for o in outcomes:
        if "preset accepts" in o.note:
            print(f"  {o.note}: {o.job.describe()}")


if __name__ == "__main__":
    main(sys.argv[1:])
