"""Apply a resize plan to an array: every output sample the definition's, bit for bit, on every machine.

The definition (:mod:`.reference`) sums each output's taps in float64 in
their order and converts once. This module picks, per plan, the fastest
way to store exactly those bits:

- selections (nearest neighbour) copy samples (:mod:`.select`);
- filters on integers and on floats of up to 32 bits sum in BLAS's banded
  products (:mod:`.banded`), in strips on the thread pool
  (:mod:`.strips`), and store only what :mod:`.certify` proves to be the
  definition's result, recomputing the rest as defined;
- filters on float64 (no wider type to certify in) and on integers beyond
  2**52 (which float64 cannot hold) run the definition itself, in strips,
  phase by phase where the tables repeat (:mod:`.phases`).

A plan with a library's own arithmetic goes to the executor it carries.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..core.errors import UsageError
from ..core.plan import DEFINED, AxisPlan, ResizePlan
from .banded import Step, strip
from .certify import EXACT_INTEGERS, FloatCertificate, IntegerCertificate, integer_bound, largest_magnitude
from .phases import phased_axis
from .reference import Definition, to_dtype
from .select import select
from .strips import in_strips


def check_dtype(array: np.ndarray) -> None:
    """Reject dtypes that have no meaningful resampling (bool, complex, object...)."""
    if array.dtype.kind not in "uif":
        raise UsageError(f"cannot resize an array of dtype {array.dtype}: use an integer or float dtype")


def apply_plan(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Resize ``array`` (of shape ``plan.in_shape``) by ``plan``; a new array.

    Every output is the definition's (halfway integers rounded as
    ``plan.ties`` says). Samples in the other byte order (a big-endian
    ``.npy`` here) are resized in this host's order and returned in theirs.
    """
    check_dtype(array)
    if not array.dtype.isnative:  # the libraries' arithmetic works on the host's float32 and integers
        return apply_plan(array.astype(array.dtype.newbyteorder("=")), plan).astype(array.dtype)
    if array.shape != plan.in_shape:
        raise ValueError(f"plan is for shape {plan.in_shape}, array has shape {array.shape}")
    if array.size == 0:  # no samples to move (a batch or channel axis of length 0), in any arithmetic
        return np.empty(plan.out_shape, array.dtype)
    if plan.arithmetic != DEFINED or plan.fill is not None:
        if plan.executor is None:
            raise ValueError(f"a plan with {plan.arithmetic} arithmetic or a fill value needs an executor")
        return plan.executor(array, plan)
    passes = [p for p in plan.axes if not p.weights.is_identity]
    if not passes:
        return array.copy()
    if all(p.weights.is_selection for p in passes):
        return select(array, passes, plan.out_shape)
    if array.dtype.kind == "f":
        return _filter_floats(array, passes, plan.out_shape)
    return _filter_integers(array, passes, plan.out_shape, plan.ties)


def _fast_order(passes: list[AxisPlan], lead: int) -> list[AxisPlan]:
    """The cheaper order for the banded sums: an axis reduced before the others, an enlarged one after.

    Certification bounds the sums in any order, so the stored results do
    not depend on it.
    """
    return sorted(passes, key=lambda p: (p.axis == lead) == (p.size.n_out >= p.size.n_in))


def _definition(passes: list[AxisPlan], lead: int) -> Definition:
    return Definition([(p.axis - lead, p.weights) for p in passes])


def _defined(array: np.ndarray, passes: list[AxisPlan], out_shape: tuple[int, ...], ties: str = "up") -> np.ndarray:
    """The definition itself, in strips on the pool."""
    lead = min(p.axis for p in passes)
    definition = _definition(passes, lead)

    def compute(item, start, stop, out):
        out[...] = to_dtype(definition.rows(item, start, stop, phased_axis), out.dtype, ties)

    return in_strips(array, lead, out_shape, compute, min_rows=2 * definition.lead.taps.shape[1])


def _filter_floats(array: np.ndarray, passes: list[AxisPlan], out_shape: tuple[int, ...]) -> np.ndarray:
    """Float outputs: certified float64 banded sums up to 32 bits, the definition itself beyond."""
    if array.dtype.itemsize > 4:
        return _defined(array, passes, out_shape)
    lead = min(p.axis for p in passes)
    definition = _definition(passes, lead)
    certificate = FloatCertificate(definition.passes, array.dtype)
    order = _fast_order(passes, lead)
    steps = [Step(p.axis - lead, p.weights, certificate.dtype) for p in order]
    first = next(step for step in steps if step.axis == 0)

    @functools.cache
    def magnitude_steps() -> list[Step]:
        """The certificate's magnitudes ``A``, the same sums of |w|·|x|: built for the few strips that need them
        (two strips on two threads may build them both, which changes nothing)."""
        return [Step(p.axis - lead, p.weights.magnitudes(), certificate.dtype) for p in order]

    def compute(item, start, stop, out):
        low, high = first.matrix.span(start, stop)
        samples = item[low:high]
        largest = largest_magnitude(samples)
        # float blocks multiply their zeros too, so a non-finite sample would reach outputs beyond its taps:
        # such strips, and strips mostly undecided, are computed as defined
        if math.isfinite(largest):
            with np.errstate(over="ignore"):  # an output beyond the dtype's range is ±inf, as defined
                values = strip(samples, low, steps, start, stop)
                if certificate.store(
                    values, out, start, samples, largest,
                    recompute=lambda where: definition.points(item, start, where),
                    magnitudes=lambda: strip(np.abs(samples), low, magnitude_steps(), start, stop),
                ):
                    return
        out[...] = to_dtype(definition.rows(item, start, stop, phased_axis), out.dtype)

    # strips long enough that the taps one shares with the next are few, in whole blocks
    return in_strips(array, lead, out_shape, compute, first.matrix.size, certificate.dtype.itemsize,
                     min_rows=2 * first.table.taps.shape[1])


def _filter_integers(array: np.ndarray, passes: list[AxisPlan], out_shape: tuple[int, ...], ties: str) -> np.ndarray:
    """Integer outputs: banded sums stored where exact or certified, halfway values rounded as ``ties`` says."""
    largest = integer_bound(array)
    if largest > EXACT_INTEGERS:  # samples float64 cannot hold
        return _defined(array, passes, out_shape, ties)
    lead = min(p.axis for p in passes)
    order = _fast_order(passes, lead)
    certificate = IntegerCertificate.choose(array.dtype, largest, [(p.axis - lead, p.weights) for p in order])
    certificate.ties = ties
    dtypes = dict(zip((p.axis for p in order), certificate.pass_dtypes(len(order))))
    steps = [Step(p.axis - lead, p.weights, dtypes[p.axis]) for p in order]
    first = next(step for step in steps if step.axis == 0)
    definition = _definition(passes, lead)

    def compute(item, start, stop, out):
        low, high = first.matrix.span(start, stop)
        values = strip(item[low:high], low, steps, start, stop)
        certificate.store(values, out, start, lambda where: definition.points(item, start, where))

    return in_strips(array, lead, out_shape, compute, first.matrix.size, certificate.dtype.itemsize,
                     min_rows=2 * first.table.taps.shape[1])
