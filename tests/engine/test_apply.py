"""The engine against a plain reference: every fast path, every dtype, strip edges.

The reference below is the definition written out with loops: for each
output index, the taps' samples times their weights, added in order, in
float64; integers rounded half up and clipped. The engine must give exactly
the same numbers, whatever strips, threads, band blocks and float32 tricks
it uses inside.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from upscale_cli.api import plan_for
from upscale_cli.core.plan import AxisPlan, ResizeOptions, ResizePlan
from upscale_cli.core.sizes import AxisSize
from upscale_cli.core.weights import AxisWeights, nearest_weights
from upscale_cli.engine import select
from upscale_cli.engine import strips as engine_strips
from upscale_cli.engine.apply import apply_plan
from upscale_cli.engine.reference import Definition, apply_axis, to_dtype
from upscale_cli.engine.select import Selection

#: the strips fixture only sets constants: nothing to reset between examples
strip_settings = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

DTYPES = [np.uint8, np.int8, np.uint16, np.int16, np.int32, np.uint32, np.int64, np.uint64, np.float32, np.float64]


def reference(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """The definition, one output index at a time."""
    passes = [p for p in plan.axes if not p.weights.is_identity]
    if all(p.weights.is_selection for p in passes):
        for p in passes:
            array = np.take(array, p.weights.taps[:, 0], axis=p.axis)
        return array.copy()
    values = array.astype(np.float64)
    for p in passes:
        moved = np.moveaxis(values, p.axis, 0)
        out = np.empty((p.weights.n_out,) + moved.shape[1:])
        for d in range(p.weights.n_out):
            total = moved[p.weights.taps[d, 0]] * p.weights.weights[d, 0]
            for k in range(1, p.weights.taps.shape[1]):
                total = total + moved[p.weights.taps[d, k]] * p.weights.weights[d, k]
            out[d] = total
        values = np.moveaxis(out, 0, p.axis)
    if array.dtype.kind == "f":
        return values.astype(array.dtype)
    info = np.iinfo(array.dtype)
    # through Python integers: exact at 64 bits too, whose limits float64 cannot hold
    rounded = [min(max(int(v), info.min), info.max) for v in np.floor(values + 0.5).ravel()]
    return np.array(rounded, array.dtype).reshape(values.shape)


def random_array(rng: np.random.Generator, shape, dtype, full_range: bool = False) -> np.ndarray:
    """Random samples; integers up to 2**40 in magnitude unless ``full_range``."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (rng.standard_normal(shape) * 1000).astype(dtype)
    info = np.iinfo(dtype)
    low, high = (info.min, info.max) if full_range else (max(info.min, -(2**40)), min(info.max, 2**40))
    return rng.integers(low, high, size=shape, endpoint=True, dtype=dtype)


def make_plan(shape, tables: dict[int, AxisWeights]) -> ResizePlan:
    """A plan applying ``tables`` (array axis → table) in the given order."""
    out_shape = list(shape)
    axes = []
    for axis, table in tables.items():
        out_shape[axis] = table.n_out
        axes.append(AxisPlan(axis, "xyz"[len(axes)], AxisSize(table.n_in, table.n_out, "test"), table))
    return ResizePlan(tuple(shape), tuple(out_shape), ResizeOptions(), tuple(axes))


def table(taps, weights) -> AxisWeights:
    taps, weights = np.asarray(taps, dtype=np.int64), np.asarray(weights, dtype=np.float64)
    n_in = int(taps.max()) + 1
    return AxisWeights(n_in, len(taps), taps, weights, np.zeros(len(taps)), "test")


@st.composite
def weight_tables(draw, n_in: int | None = None):
    """Any taps, and weights of three kinds: normalised, short dyadic fractions, or anything."""
    n_in = n_in or draw(st.integers(1, 13))
    n_out = draw(st.integers(1, 13))
    k = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["window", "random taps"]))
    if kind == "window":  # consecutive taps clamped at the borders, as the builders make them
        first = np.sort(rng.integers(-2, n_in, size=n_out))
        taps = np.clip(first[:, None] + np.arange(k), 0, n_in - 1)
    else:
        taps = rng.integers(0, n_in, size=(n_out, k))
    style = draw(st.sampled_from(["normalised", "dyadic", "any"]))
    if style == "dyadic":
        weights = rng.integers(-4, 12, size=(n_out, k)) / 8.0
    else:
        weights = rng.standard_normal((n_out, k))
        if style == "normalised":
            weights[np.abs(weights.sum(axis=1)) < 0.1, 0] += 1.0
            weights /= weights.sum(axis=1, keepdims=True)
    if k == 1:  # a one-tap table is a selection: it copies, whatever the weight says
        weights[:] = 1.0
    return AxisWeights(n_in, n_out, taps, weights, np.zeros(n_out), "test")


@pytest.fixture(params=["default strips", "one block per strip, threads"])
def strips(request, monkeypatch):
    """Run a test as shipped, and again with the smallest strips and threads on tiny arrays."""
    if request.param != "default strips":
        monkeypatch.setattr(engine_strips, "STRIP_BYTES", 1)
        monkeypatch.setattr(select, "SELECT_STRIP_BYTES", 1)
        monkeypatch.setattr(engine_strips, "THREAD_THRESHOLD", 0)
        monkeypatch.setattr(select, "SELECT_THREAD_THRESHOLD", 0)
    return request.param


@pytest.fixture
def recomputed(monkeypatch):
    """The calls of :meth:`Definition.points` (outputs recomputed as defined): ``(item, where)`` each."""
    calls = []
    points = Definition.points

    def recording(self, item, start, where):
        calls.append((item, where))
        return points(self, item, start, where)

    monkeypatch.setattr(Definition, "points", recording)
    return calls


def assert_same(array: np.ndarray, plan: ResizePlan) -> None:
    """Every output exactly the reference's, bit for bit, for every dtype."""
    expected = reference(array, plan)
    result = apply_plan(array, plan)
    assert result.dtype == array.dtype and result.shape == plan.out_shape
    assert_identical(result, expected)


def assert_identical(result: np.ndarray, expected: np.ndarray) -> None:
    """The same bits in every sample (the sign of zero included); NaN where the other has NaN, any NaN."""
    np.testing.assert_array_equal(result, expected, strict=True)
    if result.dtype.kind == "f":
        numbers = ~np.isnan(expected)
        np.testing.assert_array_equal(np.signbit(result[numbers]), np.signbit(expected[numbers]))


@pytest.mark.parametrize("dtype", DTYPES)
@strip_settings
@given(data=st.data())
def test_random_tables_on_an_image(strips, dtype, data):
    """Two passes of arbitrary tables on an hwc array: exactly the reference's numbers."""
    rows = data.draw(weight_tables())
    columns = data.draw(weight_tables())
    channels = data.draw(st.sampled_from([1, 3, 4]))
    order = data.draw(st.sampled_from([(1, 0), (0, 1)]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    array = random_array(rng, (rows.n_in, columns.n_in, channels), dtype, data.draw(st.booleans()))
    tables = {0: rows, 1: columns}
    assert_same(array, make_plan(array.shape, {axis: tables[axis] for axis in order}))


@strip_settings
@given(data=st.data())
def test_random_tables_on_other_layouts(strips, data):
    """A batch axis in front (nchw) and three resized axes (a volume): the same as the reference."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    dtype = data.draw(st.sampled_from([np.uint8, np.int16, np.float32]))
    a, b, c = (data.draw(weight_tables()) for _ in range(3))
    batch = random_array(rng, (2, 3, a.n_in, b.n_in), dtype)
    assert_same(batch, make_plan(batch.shape, {3: b, 2: a}))
    volume = random_array(rng, (a.n_in, b.n_in, c.n_in), dtype)
    assert_same(volume, make_plan(volume.shape, {2: c, 1: b, 0: a}))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16, np.float32, np.float64])
@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic", "lanczos", "area", "box", "hamming"])
@pytest.mark.parametrize(
    ("shape", "size"),
    [
        ((37, 53, 3), (106, 74)),  # ×2
        ((37, 53, 3), (26, 18)),  # about ×½, odd sizes
        ((40, 64, 3), (32, 20)),  # exactly ×½
        ((29, 31, 4), (47, 13)),  # unrelated ratios, one axis up, one down
        ((1, 7, 3), (9, 1)),  # one-pixel axes
        ((7, 1), (1, 5)),
        ((5, 9), (9, 5)),
    ],
)
def test_real_plans(strips, dtype, mode, shape, size):
    """The plans the library makes, every mode, both directions, odd and one-pixel sizes."""
    array = random_array(np.random.default_rng(7), shape, dtype)
    assert_same(array, plan_for(shape, size=size, mode=mode))


def test_photo_sized_lanczos_is_exact():
    """Full-range uint8 at a size where strips, blocks, threads and certification all take part."""
    rng = np.random.default_rng(3)
    array = rng.integers(0, 256, size=(120, 200, 3)).astype(np.uint8)
    for size in [(400, 240), (100, 60), (151, 97)]:
        assert_same(array, plan_for(array.shape, size=size, mode="lanczos"))


@pytest.mark.parametrize("channels", [None, 3])
def test_ties_at_one_and_a_half_are_recomputed_as_defined(strips, recomputed, channels):
    """Bilinear ×1.5 (weights 1/6, 5/6, 1/2): a few % of outputs lie on a tie and are recomputed; all as defined."""
    array = random_array(np.random.default_rng(5), (40, 66) + ((channels,) if channels else ()), np.uint8)
    plan = plan_for(array.shape, size=(99, 60), mode="bilinear")
    assert_same(array, plan)
    assert 0.01 < sum(len(where[0]) for _, where in recomputed) / math.prod(plan.out_shape) < 0.1


def test_clipping_only_where_values_can_leave_the_range():
    """Positive weights summing to 1 cannot overshoot; more than 1 can, and is clipped."""
    samples = np.array([250, 255, 255], dtype=np.uint8)
    assert apply_plan(samples, make_plan((3,), {0: table([[0, 1], [1, 2]], [[0.5, 0.5], [0.75, 0.75]])})).tolist() == [253, 255]
    signed = np.array([-128, 127], dtype=np.int8)
    assert apply_plan(signed, make_plan((2,), {0: table([[0, 1], [1, 0]], [[1.5, -0.5], [1.25, 0.25]])})).tolist() == [-128, 127]


@pytest.mark.parametrize("dtype", DTYPES)
@strip_settings
@given(data=st.data())
def test_nearest_is_a_gather_in_the_input_dtype(strips, dtype, data):
    """Slices, repeats and arbitrary index lists along both axes."""
    n_in = data.draw(st.integers(1, 9))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    pattern = data.draw(st.sampled_from(["repeat", "repeat of the first rows", "slice", "any"]))
    n_out = data.draw(st.integers(1, 12))
    if pattern == "repeat":
        index = np.arange(n_in * 3) // 3
    elif pattern == "repeat of the first rows":
        index = np.arange(n_out - n_out % 2) // 2 % n_in if n_out > 1 else np.zeros(2, np.int64)
    elif pattern == "slice":
        index = np.arange(min(1, n_in - 1), n_in, 2)
    else:
        index = rng.integers(0, n_in, size=n_out)
    array = random_array(rng, (n_in, 5, 3), dtype)
    selection = AxisWeights(n_in, len(index), index[:, None], np.ones((len(index), 1)), np.zeros(len(index)), "test")
    columns = AxisWeights(5, 4, np.array([[4], [0], [0], [2]]), np.ones((4, 1)), np.zeros(4), "test")
    result = apply_plan(array, make_plan(array.shape, {0: selection, 1: columns}))
    np.testing.assert_array_equal(result, array[index][:, [4, 0, 0, 2]], strict=True)
    assert not np.shares_memory(result, array)


def test_selection_shapes_are_read_off_the_index():
    """Arithmetic progressions are slices, in-order runs of one length are repeats, the rest gathers."""
    def shape(index):
        selection = Selection(np.array(index))
        return selection.first, selection.step, selection.factor

    assert shape([1, 3, 5, 7]) == (1, 2, 0)
    assert shape([4]) == (4, 1, 0)
    assert shape([0, 0, 1, 1, 2, 2]) == (0, 0, 2)
    assert shape([0, 0, 0]) == (0, 0, 3)
    assert shape([0, 0, 1, 1, 1]) == (0, 0, 0)  # runs of different lengths
    assert shape([1, 1, 2, 2]) == (1, 0, 0)  # not from 0: a gather
    assert shape([2, 1, 0]) == (2, 0, 0)  # a negative step: a gather
    assert shape([0, 2, 3]) == (0, 0, 0)


def test_periodic_selections_are_copied_phase_by_phase():
    """×1.5 (0, 1, 1, 2, 3, 3, ...) advances 2 every 3 outputs, ×⅔ 3 every 2; 1920 → 1366 has no short period."""
    def period(n_in, n_out):
        selection = Selection(nearest_weights(n_in, n_out, "half-pixel", "round").taps[:, 0])
        return selection.period, selection.shift

    assert period(20, 30) == (3, 2)
    assert period(30, 20) == (2, 3)
    assert period(1920, 1366) == (0, 0)
    assert period(10, 20) == (0, 0)  # a repeat
    array = random_array(np.random.default_rng(6), (6, 20, 3), np.uint8)
    index = nearest_weights(20, 30, "half-pixel", "round").taps[:, 0]
    np.testing.assert_array_equal(Selection(index).apply(array, 1), np.take(array, index, axis=1), strict=True)


@pytest.mark.parametrize("factor", [2, 3, 4, 5, 8])
def test_integer_ratios_take_the_fast_paths(factor):
    """Reductions by k are slices (half-pixel rounding picks ``k//2 + k·d``), enlargements by k repeats."""
    def selection(n_in, n_out, align, rounding):
        return Selection(nearest_weights(n_in, n_out, align, rounding).taps[:, 0])

    half = selection(factor * 7, 7, "half-pixel", "round")
    assert (half.first, half.step) == (factor // 2, factor)
    corner = selection(factor * 7, 7, "asymmetric", "floor")
    assert (corner.first, corner.step) == (0, factor)
    assert selection(7, factor * 7, "half-pixel", "round").factor == factor
    assert selection(7, factor * 7, "asymmetric", "floor").factor == factor


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.float64])
@given(data=st.data())
def test_selection_apply_is_take(dtype, data):
    """Along any axis of an hwc array, whatever the shape of the index: exactly ``np.take``."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    shape = (data.draw(st.integers(1, 7)), data.draw(st.integers(1, 7)), data.draw(st.sampled_from([1, 3, 4])))
    axis = data.draw(st.integers(0, 2))
    n_in, n_out = shape[axis], data.draw(st.integers(1, 12))
    kind = data.draw(st.sampled_from(["slice", "repeat", "half-pixel", "any"]))
    if kind == "half-pixel":  # a rational ratio: periodic when its numerator is small
        index = nearest_weights(n_in, n_out, "half-pixel", "round").taps[:, 0]
    elif kind == "slice":
        step = data.draw(st.integers(1, 3))
        index = np.arange(data.draw(st.integers(0, n_in - 1)), n_in, step)
    elif kind == "repeat":
        factor = data.draw(st.integers(2, 4))
        index = np.arange(factor * data.draw(st.integers(1, n_in))) // factor
    else:
        index = rng.integers(0, n_in, size=n_out)
    array = random_array(rng, shape, dtype)
    np.testing.assert_array_equal(Selection(index).apply(array, axis), np.take(array, index, axis=axis), strict=True)


def test_non_contiguous_and_empty_inputs(strips):
    array = random_array(np.random.default_rng(1), (30, 20, 3), np.uint8)
    view = array.transpose(1, 0, 2)[::2]
    assert_same(view, plan_for(view.shape, size=(45, 25), mode="bicubic"))
    empty = np.zeros((0, 3, 8, 8), np.float32)
    assert apply_plan(empty, plan_for(empty.shape, size=(4, 4), mode="bilinear")).shape == (0, 3, 4, 4)
    for dtype in (np.uint8, np.float32):
        no_channels = np.zeros((8, 8, 0), dtype)
        for mode in ("bilinear", "nearest"):
            assert apply_plan(no_channels, plan_for(no_channels.shape, size=(4, 5), mode=mode)).shape == (5, 4, 0)


def test_views_are_read_where_they_lie(strips, recomputed):
    """A decoded image's samples (RGB or LA in 4 bytes a pixel, a view), flipped views: as defined,
    the outputs recomputed at ties read from the view itself."""
    wide = random_array(np.random.default_rng(11), (40, 66, 4), np.uint8)
    for view in (wide[..., :3], wide[..., ::3], wide[::-1, :, :3], wide[:, ::-2]):
        for size, mode in (((99, 60), "bilinear"), ((20, 13), "lanczos")):
            assert_same(view, plan_for(view.shape, size=size, mode=mode))
    assert recomputed and not all(item.flags.c_contiguous for item, _ in recomputed)


def test_non_finite_floats_and_huge_integers_follow_the_definition(strips):
    array = random_array(np.random.default_rng(2), (12, 10), np.float64)
    array[3, 4], array[7, 1] = np.inf, np.nan
    assert_same(array, plan_for(array.shape, size=(7, 19), mode="lanczos"))
    huge = np.array([[2**62, -(2**62), 5, 2**53 + 1]], dtype=np.int64)
    assert_same(huge, plan_for(huge.shape, size=(7, 1), mode="bicubic"))


def test_apply_axis_is_the_definition():
    values = np.array([[0.0, 10.0, 20.0]])
    weights = table([[0, 1], [1, 2], [2, 2]], [[0.25, 0.75], [0.5, 0.5], [1.0, 0.0]])
    np.testing.assert_array_equal(apply_axis(values, 1, weights), [[7.5, 15.0, 20.0]])


def test_to_dtype_rounds_half_up_and_clips():
    values = np.array([-129.5, -2.5, -0.5, 0.5, 1.49999, 2.5, 254.5, 300.0])
    assert to_dtype(values, np.dtype(np.int8)).tolist() == [-128, -2, 0, 1, 1, 3, 127, 127]
    assert to_dtype(values, np.dtype(np.uint8)).tolist() == [0, 0, 0, 1, 1, 3, 255, 255]
    assert values[0] == -129.5  # the input is left alone
    assert to_dtype(values, np.dtype(np.float32)).dtype == np.float32


@pytest.mark.filterwarnings("error")  # an overflowing cast only warns
def test_to_dtype_saturates_at_64_bit_limits():
    """float64 cannot hold 2**63 - 1 or 2**64 - 1: what reaches them saturates, nothing wraps."""
    int64 = np.array([-(2.0**64), -(2.0**63), -(2.0**63) + 1024, 2.0**63 - 1024, 2.0**63 - 512, 2.0**63, 1e30])
    assert to_dtype(int64, np.dtype(np.int64)).tolist() == [
        -(2**63), -(2**63), -(2**63) + 1024, 2**63 - 1024, 2**63 - 1, 2**63 - 1, 2**63 - 1
    ]  # 2**63 - 512 + 0.5 rounds to 2**63 in float64
    uint64 = np.array([-1e30, -0.5, 2.0**64 - 2048, 2.0**64, 1e30])
    assert to_dtype(uint64, np.dtype(np.uint64)).tolist() == [0, 0, 2**64 - 2048, 2**64 - 1, 2**64 - 1]
    int32 = np.array([-(2.0**31) - 0.6, -(2.0**31) - 0.5, 2.0**31 - 1.5, 2.0**31 - 1.2, 2.0**31 - 0.5, 1e30])
    assert to_dtype(int32, np.dtype(np.int32)).tolist() == [-(2**31), -(2**31), 2**31 - 1, 2**31 - 1, 2**31 - 1, 2**31 - 1]
    uint32 = np.array([-0.6, 2.0**32 - 1.6, 2.0**32 - 1.5, 2.0**32 - 0.5])
    assert to_dtype(uint32, np.dtype(np.uint32)).tolist() == [0, 2**32 - 2, 2**32 - 1, 2**32 - 1]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.int64, np.uint64, np.int32, np.uint32])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_filters_at_the_limits_of_wide_integers(dtype, mode):
    """Constant images at (and for 32 bits, one inside) the limits stay there.

    At 64 bits the limits are 2**63 or 2**64 as floats, and weights that sum
    to 1 only give or take a rounding leave the sum a few float64 steps
    (2048 at 2**64) on either side: those saturate or stay that close.
    """
    info = np.iinfo(dtype)
    wide = np.dtype(dtype).itemsize == 8
    near = float(info.max) * 2.0**-50 if wide else 0
    values = (info.min, info.max) if wide else (info.min, info.max, info.min + 1, info.max - 1)
    for value in values:
        array = np.full((3, 4), value, dtype)
        result = apply_plan(array, plan_for(array.shape, size=(7, 5), mode=mode)).astype(object)
        assert max(abs(result - value).ravel()) <= near
@pytest.mark.filterwarnings("error")
def test_lanczos_overshoot_saturates():
    """Lanczos on [min, max, min, max] to 5 samples overshoots both ends by 14 % of the range: clipped."""
    def resized(dtype):
        info = np.iinfo(dtype)
        array = np.array([[info.min, info.max, info.min, info.max]], dtype)
        return apply_plan(array, plan_for(array.shape, size=(5, 1), mode="lanczos"))[0].tolist()

    # exact sums of the weights times the samples: ±1.14·range at the ends; the middle is min + max over 2
    # (-0.5 → 0, 2**63, 2**31 - 0.5 → 2**31), which float64 rounds to -32 at int64's scale
    assert resized(np.int64) == [-(2**63), 6988680607634899968, -32, -6988680607634900992, 2**63 - 1]
    assert resized(np.uint64) == [0, 16212052644489674752, 2**63, 2234691429219876096, 2**64 - 1]
    assert resized(np.int32) == [-(2**31), 1627179003, 0, -1627179004, 2**31 - 1]
    assert resized(np.uint32) == [0, 3774662651, 2**31, 520304644, 2**32 - 1]


def test_jobs_run_once_each_and_errors_surface():
    done = []
    engine_strips.run_jobs(done.append, list(range(50)), 2)
    assert sorted(done) == list(range(50))

    def fail_on_7(job):
        if job == 7:
            raise RuntimeError("job 7")

    with pytest.raises(RuntimeError, match="job 7"):
        engine_strips.run_jobs(fail_on_7, list(range(20)), 2)


@st.composite
def float_samples(draw, shape, dtype) -> np.ndarray:
    """Samples of random sign over up to forty orders of magnitude (float16: all of its own), a constant,
    or with subnormals, signed zeros, infinities and NaN mixed in."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["spread", "constant", "special"]))
    if kind == "constant":
        return np.full(shape, draw(st.sampled_from([1.0, 1.175494e-38, 1.192093e-07, -3.5, 0.1, 6e4])), dtype)
    digits = 4 if dtype.itemsize == 2 else 20
    spread = draw(st.integers(0, digits))
    with np.errstate(over="ignore", under="ignore"):
        array = (rng.standard_normal(shape) * 10.0 ** rng.integers(-spread, spread + 1, shape)).astype(dtype)
        if kind == "special":
            specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, np.finfo(dtype).smallest_subnormal,
                                 -np.finfo(dtype).smallest_subnormal * 3, np.finfo(dtype).max], dtype)
            chosen = rng.random(shape) < draw(st.sampled_from([0.01, 0.2]))
            array[chosen] = rng.choice(specials, int(chosen.sum()))
    return array


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@settings(strip_settings, max_examples=60, deadline=None)
@given(data=st.data())
def test_float_results_are_the_definitions(strips, dtype, data):
    """Real plans at random sizes and ratios on floats of every kind: the definition's bits."""
    shape = (data.draw(st.integers(1, 24)), data.draw(st.integers(1, 24)), data.draw(st.sampled_from([1, 3])))
    size = (data.draw(st.integers(1, 60)), data.draw(st.integers(1, 60)))
    mode = data.draw(st.sampled_from(["bilinear", "bicubic", "lanczos", "area", "box", "hamming"]))
    assert_same(data.draw(float_samples(shape, dtype)), plan_for(shape, size=size, mode=mode))


def test_float32_overflow_is_recomputed_as_defined():
    """float32 cannot hold 2·3e38 − 3e38 on the way, float64 can: such outputs are the definition's."""
    samples = np.array([3e38, 3e38, 1.0], dtype=np.float32)
    plan = make_plan((3,), {0: table([[0, 1], [1, 2]], [[2.0, -1.0], [1.0, 0.0]])})
    assert apply_plan(samples, plan).tolist() == [np.float32(3e38), np.float32(3e38)]


def test_exact_float_ties_and_zeros_need_no_recomputation(recomputed):
    """Weights of ½ on float32 samples of few binades: every sum is exact in float64 in any order, so sums
    that land on a float32 midpoint (half of them, averaging neighbours) are the definition's as they are,
    rounded to even, and zeros are +0 as the definition's are."""
    samples = np.linspace(3.0, 7.0, 64, dtype=np.float32)
    samples[:2] = [1.0, 1 + 2.0**-23]  # float32's 1 and its successor: their mean is the midpoint
    samples[2:6] = [0.0, 0.0, 0.5, -0.5]
    plan = make_plan((64,), {0: table([[2 * d, 2 * d + 1] for d in range(32)], [[0.5, 0.5]] * 32)})
    result = apply_plan(samples, plan)
    assert result[:3].tolist() == [1.0, 0.0, 0.0] and not np.signbit(result[1:3]).any()
    assert recomputed == []
    assert_same(samples, plan)


def test_an_interruption_stops_the_strips_still_to_do():
    import threading

    done, main, interrupted = [], threading.current_thread(), threading.Event()

    def run(job):
        if threading.current_thread() is main:
            while len(done) < 2:  # the helpers are at work when Ctrl-C reaches the calling thread
                interrupted.wait(0.001)
            interrupted.set()
            raise KeyboardInterrupt
        done.append(job)
        if len(done) >= 2:
            interrupted.wait()  # however slowly the calling thread wakes up

    with pytest.raises(KeyboardInterrupt):
        engine_strips.run_jobs(run, list(range(200)), 3)
    # at most three strips done before, and one more each helper took as the stop came: not the 197 others
    assert len(done) <= 5


#: Pixel layouts (dtype, channels): 3, 5, 6 and 7 bytes are moved as wider numbers, 9 as bytes, 12 as items.
PIXELS = [
    (np.uint8, 3), (np.uint16, 3), (np.uint8, 5), (np.uint8, 7), (np.uint8, 4), (np.float32, None), (np.float32, 3),
    (np.int8, 2), (np.uint8, 9),
]


@st.composite
def selection_indices(draw, n_in: int) -> np.ndarray:
    """An index of ``n_in`` inputs: a ratio p/q of periods 1 to 8 in both directions, or any other."""
    kind = draw(st.sampled_from(["ratio", "sorted", "any", "one output"]))
    if kind == "ratio":
        p, q = draw(st.integers(1, 8)), draw(st.integers(1, 8))
        n_out = max(1, round(n_in * p / q))
        align = draw(st.sampled_from(["half-pixel", "asymmetric"]))
        return nearest_weights(n_in, n_out, align, "round" if align == "half-pixel" else "floor").taps[:, 0]
    if kind == "one output":
        return np.array([draw(st.integers(0, n_in - 1))])
    index = np.array(draw(st.lists(st.integers(0, n_in - 1), min_size=1, max_size=20)))
    return np.sort(index) if kind == "sorted" else index  # sorted: runs of repeats and skips, as a resize makes


@strip_settings
@given(data=st.data())
def test_selections_are_take_on_every_axis(strips, data):
    """2-D to 4-D arrays, odd pixel sizes, strided and read-only inputs: exactly ``np.take`` axis after axis."""
    dtype, channels = data.draw(st.sampled_from(PIXELS))
    n_spatial = data.draw(st.integers(1 if channels else 2, 3))
    spatial = [data.draw(st.integers(1, 12)) for _ in range(n_spatial)]
    shape = tuple(spatial) + ((channels,) if channels else ())
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    layout = data.draw(st.sampled_from(["contiguous", "every second", "reversed", "transposed", "read-only"]))
    axis = data.draw(st.integers(0, n_spatial - 1))
    if layout == "every second":
        bigger = list(shape)
        bigger[axis] *= 2
        array = random_array(rng, bigger, dtype)[(slice(None),) * axis + (slice(None, None, 2),)]
    elif layout == "reversed":
        array = random_array(rng, shape, dtype)[(slice(None),) * axis + (slice(None, None, -1),)]
    elif layout == "transposed":  # the spatial axes in the other order in memory
        order = list(range(len(shape)))
        order[:n_spatial] = order[:n_spatial][::-1]
        array = random_array(rng, [shape[i] for i in order], dtype).transpose(order)
    else:
        array = random_array(rng, shape, dtype)
        array.flags.writeable = layout != "read-only"
    resized = data.draw(st.lists(st.integers(0, n_spatial - 1), min_size=1, max_size=n_spatial, unique=True))
    tables = {}
    for a in resized:
        index = data.draw(selection_indices(shape[a]))
        ones, zeros = np.ones((len(index), 1)), np.zeros(len(index))
        tables[a] = AxisWeights(shape[a], len(index), index[:, None], ones, zeros, "test")
    expected = array
    for a, t in tables.items():
        expected = np.take(expected, t.taps[:, 0], axis=a)
    result = apply_plan(array, make_plan(array.shape, tables))
    np.testing.assert_array_equal(result, expected, strict=True)
    assert not np.shares_memory(result, array)


def test_each_row_a_strip_reads_is_read_once():
    """Consecutive outputs reading one row share it; the second value says which row each output copies."""
    array = np.arange(6 * 2).reshape(6, 2)
    rows, repeat = Selection(np.array([0, 0, 1, 1, 1, 3, 3, 5])).distinct(array, 1, 7)
    np.testing.assert_array_equal(rows, array[[0, 1, 3]], strict=True)
    assert repeat.tolist() == [0, 1, 1, 1, 2, 2]
    rows, repeat = Selection(np.array([4, 1, 2, 3, 0])).distinct(array, 0, 5)  # one row each: the rows are the outputs
    np.testing.assert_array_equal(rows, array[[4, 1, 2, 3, 0]], strict=True)
    assert repeat is None
    rows, repeat = Selection(np.array([1, 3, 5])).distinct(array, 1, 3)  # a slice: a view
    assert np.shares_memory(rows, array) and rows[:, 0].tolist() == [6, 10] and repeat is None


@pytest.mark.parametrize("dtype, channels", [(np.uint8, 3), (np.uint16, 3), (np.uint8, 7)])
def test_odd_pixels_are_written_inside_the_output(dtype, channels):
    """Pixels moved as wider numbers land exactly in their places, nothing around the output changes.

    The input is a window of a larger array (its neighbours are other
    pixels in memory) and the output a window of a marked buffer.
    """
    rng = np.random.default_rng(3)
    frame = random_array(rng, (6, 12, channels), dtype)
    window = frame[1:5, 2:10]
    margin = 16
    for n_out in (2, 3, 5, 8, 12, 16):
        half = nearest_weights(8, n_out, "half-pixel", "round").taps[:, 0]
        for index in (half, half[::-1].copy(), np.full(n_out, 7)):
            buffer = np.full(4 * n_out * channels + 2 * margin, 77, dtype)
            out = buffer[margin:-margin].reshape(4, n_out, channels)
            Selection(index).apply(window, 1, out)
            np.testing.assert_array_equal(out, np.take(window, index, axis=1), strict=True)
            assert np.all(buffer[:margin] == 77) and np.all(buffer[-margin:] == 77)


@pytest.mark.parametrize("dtype, channels", [(np.uint8, 3), (np.uint16, 3), (np.float32, None)])
def test_every_ratio_of_small_terms_is_take(strips, dtype, channels):
    """Enlargements and reductions p/q for p, q up to 8 (periods 1 to 8), on both axes at once."""
    rng = np.random.default_rng(4)
    for p in range(1, 9):
        for q in range(1, 9):
            if math.gcd(p, q) > 1:
                continue
            rows, columns = (nearest_weights(q * k, p * k, "half-pixel", "round") for k in (3, 5))
            if p > 1 and q > 1:  # neither a slice nor a repeat: one strided copy per phase
                assert Selection(columns.taps[:, 0]).period == p
            array = random_array(rng, (q * 3, q * 5) + ((channels,) if channels else ()), dtype)
            expected = np.take(np.take(array, rows.taps[:, 0], axis=0), columns.taps[:, 0], axis=1)
            result = apply_plan(array, make_plan(array.shape, {0: rows, 1: columns}))
            np.testing.assert_array_equal(result, expected, strict=True)


def test_odd_sized_pixels_without_the_overlapping_copy(monkeypatch):
    """The NumPy in use copies overlapping items in order (checked once); where one would not, RGB pixels
    take the slower copy, with the same result."""
    assert select.overlapping_copies_in_order()
    rng = np.random.default_rng(4)
    rgb = rng.integers(0, 256, (31, 47, 3), dtype=np.uint8)
    plans = [plan_for(rgb.shape, size=size, mode="nearest", layout="hwc") for size in ((70, 46), (23, 15), (47, 62))]
    fast = [apply_plan(rgb, plan) for plan in plans]
    monkeypatch.setattr(select, "overlapping_copies_in_order", lambda: False)
    for plan, expected in zip(plans, fast):
        np.testing.assert_array_equal(apply_plan(rgb, plan), expected)
        np.testing.assert_array_equal(expected, reference(rgb, plan))


def test_pool_threads_follow_the_callers_floating_point_error_handling():
    """``np.errstate`` is per thread: the caller's reaches the strips on the pool (no warnings printed
    from there when the caller silenced them; the old pool threads warned on their own)."""
    import warnings

    x = np.random.default_rng(0).random((700, 700)).astype(np.float32)
    x[::7, ::5] = np.inf
    plan = plan_for(x.shape, size=(1000, 1000), mode="lanczos")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="ignore"):
            apply_plan(x, plan)
        with np.errstate(all="raise"), pytest.raises(FloatingPointError):
            apply_plan(x, plan)


#: Constants Pillow's own resample tests keep through every filter of an ``F`` image, and others of each dtype.
PILLOW_CONSTANTS = [1.0, 1.175494e-38, 1.192093e-07]


@pytest.mark.parametrize("dtype, values", [
    (np.float32, PILLOW_CONSTANTS + [0.1, -3.3, 3e38]), (np.float16, [1.0, 0.1, -3.3, 6e4, 6e-8]),
    (np.uint8, [0, 1, 254, 255]), (np.uint16, [1, 65535]), (np.int16, [-32768, -1, 32767]),
    (np.int32, [-(2**31), 2**31 - 1]), (np.uint32, [2**32 - 1]), (np.int64, [-(2**40) - 1]),
])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos", "area", "box", "hamming"])
def test_constant_images_stay_constant(dtype, values, mode):
    """Weights that sum to 1 bring a constant back within float64 rounding of itself, which the conversion
    to any dtype of up to 32 bits, and to integers far below 2⁵³, removes; 400×300 → 517×389 bicubic kept only two thirds
    of a float32 1.0 when the sums were made in float32."""
    for value in values:
        array = np.full((30, 40), value, dtype)
        for size in ((517, 389), (13, 9), (61, 30)):
            result = apply_plan(array, plan_for(array.shape, size=size, mode=mode))
            assert np.array_equal(result, np.full(result.shape, value, dtype)), (value, size)


def test_float64_constants_are_the_definitions_sums():
    """float64 outputs are the tap-order sums themselves, with nothing to round them to: a constant comes back
    as ``v·Σw`` summed in order, within a few units in the last place of ``v``, not always ``v``."""
    array = np.full((300, 400), 0.1)
    result = apply_plan(array, plan_for(array.shape, size=(517, 389), mode="bicubic"))
    assert_same(array, plan_for(array.shape, size=(517, 389), mode="bicubic"))
    assert np.abs(result - 0.1).max() <= 8 * np.spacing(0.1)


def test_the_thread_budget_comes_from_the_environment(monkeypatch):
    """``UPSCALE_THREADS`` sets the threads one process uses (a ``-j`` worker gets its share of the CPUs);
    anything but a whole number from 1 leaves the CPU count."""
    from upscale_cli.engine import workers

    monkeypatch.setenv("UPSCALE_THREADS", "1")
    assert workers.cpu_count() == 1
    assert workers.shared_pool()._max_workers == 1
    monkeypatch.setenv("UPSCALE_THREADS", "0")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert workers.cpu_count() == cpus
    monkeypatch.setenv("UPSCALE_THREADS", "two")
    assert workers.cpu_count() == cpus
    assert workers.shared_pool()._max_workers == cpus


@pytest.mark.parametrize("zeros", [0.0, -0.0])
@pytest.mark.parametrize("mode, size", [("bilinear", (64, 48)), ("bicubic", (64, 48)), ("area", (16, 12)),
                                        ("bilinear", (16, 12)), ("lanczos", (64, 48))])
def test_exact_strips_with_zero_areas_are_the_definitions(strips, zeros, mode, size):
    """Quantised samples (k/255), a black area (+0 or −0) and a signed one: at ×2 and ×½ most sums are exact
    and many sit on float32 midpoints; the zeros take the definition's sign."""
    rng = np.random.default_rng(11)
    array = (rng.integers(0, 256, (24, 32, 3)) / 255).astype(np.float32)
    array[4:14, 6:20] = zeros
    array[16:, 24:] *= -1
    assert_same(array, plan_for(array.shape, size=size, mode=mode))
