"""Exit statuses, the exceptions that carry them to the command line, and their wording.

Library code raises these; the CLI turns them into one line on stderr and the
matching exit status, in one place.
"""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    """Process exit statuses used by every ``upscale`` command."""

    OK = 0
    SOME_INPUTS_FAILED = 1
    USAGE = 2
    INTERRUPTED = 130


class UpscaleError(Exception):
    """Base class: a problem the user can fix, reported on one line."""

    exit_status = ExitStatus.SOME_INPUTS_FAILED


class UsageError(UpscaleError, ValueError):
    """Bad arguments: unknown mode, malformed size, contradictory options."""

    exit_status = ExitStatus.USAGE


class InputError(UpscaleError):
    """An input could not be read or an output could not be written."""

    exit_status = ExitStatus.SOME_INPUTS_FAILED


def out_of_memory(name: str | None, error: MemoryError | None = None, estimate: int = 0) -> InputError:
    """The one-line error for a picture that does not fit in memory (about ``name`` if given).

    The size given is the allocation NumPy reports in ``error`` when it
    does, otherwise ``estimate`` bytes; without either, none.
    """
    needed = getattr(error, "_total_size", None) or estimate
    head = f"{name}: out of memory" if name else "out of memory"
    return InputError(f"{head}: needs about {in_units(needed, 9, 3)} GB" if needed else head)


def in_units(count: int, power: int, digits: int) -> str:
    """``count / 10**power`` to ``digits`` significant digits, even beyond the range of floats."""
    try:
        return f"{count / 10**power:.{digits}g}"
    except OverflowError:
        from decimal import Decimal

        return f"{Decimal(count).scaleb(-power).normalize():.{digits}g}"
