"""Exit statuses and the exceptions that carry them to the command line.

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
