"""Standard output: an image written whole, or an error saying it was cut short.

A reader that goes away early (``upscale in.png -o - | head -c 10``) shows in
one of three ways: the write fails with a broken pipe, the write is cut
short, or (an image small enough for the pipe's buffer) every byte is taken
by the pipe and the reader closes it with bytes still unread. So after
writing to a pipe, :func:`write_stdout` waits until the reader has taken
every byte, or has closed the pipe first. It waits as a pipeline's reader
must read anyway: an image larger than the pipe's buffer could not be
written at all until the reader took it. It waits :data:`LONGEST_WAIT` at
most: a program that reads only after upscale has exited (``wait()``, then
``read()``) is not kept waiting for ever.
"""

from __future__ import annotations

import os
import stat
import struct
import sys
import time

from ..core.errors import InputError

CLOSED = "standard output closed before the image was written"
#: Longest pause, in seconds, between two looks at a pipe whose reader has not taken everything yet.
LONGEST_PAUSE = 0.05
#: Longest wait, in seconds, for a pipe's reader to take what was written (then it counts as read).
LONGEST_WAIT = 2.0


def write_stdout(data: bytes) -> None:
    """Write ``data`` to standard output and flush it; make sure a pipe's reader took all of it.

    Raises :class:`~upscale_cli.core.errors.InputError` (:data:`CLOSED`)
    when the reader closed the pipe before taking every byte; standard
    output then points at the null device, so that Python's flush at exit
    has nowhere to fail (it would print "Exception ignored ... BrokenPipeError").
    """
    try:
        written = sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        _closed()
    except OSError as error:
        raise InputError(f"standard output: cannot write: {error.strerror or error}") from None
    descriptor = _descriptor()
    if written is not None and written < len(data):
        if descriptor is not None and _reader_left(descriptor):
            _closed()
        raise InputError(f"standard output: cannot write: only {written} of {len(data)} bytes were taken")
    if descriptor is not None and not read_whole(descriptor):
        _closed()


def read_whole(descriptor: int) -> bool:
    """Wait until the reader of the pipe ``descriptor`` has taken every byte in it: ``False`` if it closed it first.

    Anything but a pipe, or a system that cannot say how many bytes a pipe
    holds (``FIONREAD``), counts as read at once; a pipe whose reader is
    still there after :data:`LONGEST_WAIT` counts as read.
    """
    try:
        import fcntl
        import termios
    except ImportError:  # not POSIX
        return True
    if not stat.S_ISFIFO(os.fstat(descriptor).st_mode):
        return True
    pause, deadline = 0.001, time.monotonic() + LONGEST_WAIT
    while time.monotonic() < deadline:
        try:
            unread = struct.unpack("i", fcntl.ioctl(descriptor, termios.FIONREAD, b"\0\0\0\0"))[0]
        except OSError:
            return True
        if unread == 0:
            return True
        if _reader_left(descriptor):
            return False
        time.sleep(pause)
        pause = min(2 * pause, LONGEST_PAUSE)
    return not _reader_left(descriptor)


def _reader_left(descriptor: int) -> bool:
    """Whether ``descriptor`` is a pipe that no reader holds open any more (``POLLERR`` on its writing end)."""
    import select

    if not hasattr(select, "poll"):
        return False
    poller = select.poll()
    poller.register(descriptor, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poller.poll(0))


def _descriptor() -> int | None:
    """Standard output's file descriptor, or ``None`` when it has none (replaced by a buffer in tests)."""
    try:
        return sys.stdout.fileno()
    except (OSError, ValueError):
        return None


def _closed():
    """Point standard output at the null device and raise :data:`CLOSED` (as the ``signal`` module's
    documentation advises for a broken pipe)."""
    descriptor = _descriptor()
    if descriptor is not None:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, descriptor)
        os.close(null)
    raise InputError(CLOSED)
