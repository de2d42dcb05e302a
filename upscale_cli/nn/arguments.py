"""Argument checks shared by the operators: per-axis parameters, ranks, dtypes."""


from __future__ import annotations

from numbers import Integral
from typing import Optional, Sequence, Union

import numpy as np

from ..core.errors import UsageError

IntOrTuple = Union[int, Sequence[int]]


def per_axis(value: IntOrTuple, dims: int, name: str, minimum: int = 0) -> tuple[int, ...]:
    """``value`` (an int or ``dims`` ints) as one int per spatial axis, each at least ``minimum``."""
    values = (value,) * dims if isinstance(value, Integral) else tuple(value)
    if len(values) != dims or not all(isinstance(v, Integral) for v in values):
        raise UsageError(f"{name} must be an integer or {dims} integers, got {value!r}")
    if any(v < minimum for v in values):
        raise UsageError(f"{name} must be at least {minimum}, got {value!r}")
    return tuple(int(v) for v in values)


def spatial_dims(kernel_size: IntOrTuple, dims: Optional[int]) -> int:
    if dims is None:
        return 2 if isinstance(kernel_size, Integral) else len(kernel_size)
    if dims not in (1, 2, 3):
        raise UsageError(f"dims must be 1, 2 or 3, got {dims!r}")
    return dims


def check_rank(array: np.ndarray, dims: int, what: str) -> None:
    if array.ndim not in (dims, dims + 1, dims + 2):
        raise UsageError(
            f"{what} needs {dims} spatial axes, optionally after N and C axes "
            f"({dims}, {dims + 1} or {dims + 2} dimensions), got shape {array.shape}"
        )


def check_numeric(array: np.ndarray, what: str) -> None:
    if array.dtype.kind not in "uif":
        raise UsageError(f"{what} must have an integer or float dtype, got {array.dtype}")


def check_factor(q, name: str) -> int:
    if not isinstance(q, Integral) or q < 1:
        raise UsageError(f"{name} must be a positive integer, got {q!r}")
    return int(q)
