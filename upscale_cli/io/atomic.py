"""Files written whole or not at all, and never clobbered by accident.

Outputs are never half-written and never clobbered by accident: data goes to
a temporary file in the target folder, is flushed to disk, and only then
takes the final name (``os.replace`` with ``overwrite``, otherwise a hard
link, which fails if the name exists, so even a file created meanwhile is
safe).
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import stat
import tempfile
import threading
from typing import Any, Callable

from ..core.errors import InputError


class _WritesOnly:
    """A file object without its descriptor, so that writers go through its ``write``.

    Given a descriptor, Pillow's encoders (JPEG, GIF, BMP, raw TIFF) write to it
    themselves and take a short write (the last bytes that fit on a full disk)
    for success; a file object's ``write`` writes everything or raises.
    """

    def __init__(self, handle):
        self._handle = handle

    def fileno(self):
        raise io.UnsupportedOperation("fileno")

    def __getattr__(self, name):
        return getattr(self._handle, name)


def run_writer(writer: Callable[[Any], None], handle, path: str) -> None:
    try:
        writer(_WritesOnly(handle))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"{path}: cannot write: {error}") from None


#: Temporary files being written by this process, for :func:`remove_temporaries`.
_TEMPORARIES: set = set()
#: Names of temporary files: the prefix, the writing process's id, ``-``, random letters, the suffix.
TEMPORARY_PREFIX = ".upscale-"
TEMPORARY_SUFFIX = ".part"
_TEMPORARY_NAME = re.compile(re.escape(TEMPORARY_PREFIX) + r"(\d+)-[^/]*" + re.escape(TEMPORARY_SUFFIX))


def atomic_write(path: str, writer: Callable[[Any], None], *, overwrite: bool = False) -> int:
    """Write through a temporary file in the same folder, then give it its name.

    Returns the size of the file written.
    """
    if not overwrite and os.path.lexists(path):
        raise InputError(f"{path}: already exists (use --overwrite to replace it)")
    if _is_special(path):
        # the rename would replace the device or pipe itself (/dev/null, for one), not write into it
        raise InputError(f"{path}: not a regular file (a device or a pipe): give a file name or -o - for standard output")
    folder = os.path.dirname(os.path.abspath(path))
    made = []
    try:
        # a Ctrl-C between creating the file and recording it would leave it behind; one noted meanwhile
        # is raised at the end of the block, inside this ``try``, whose ``finally`` removes the file
        with _interrupts_held():
            try:
                descriptor, temporary = new_temporary(folder)
            except OSError as error:
                raise InputError(f"{path}: cannot write in {folder}: {error.strerror or error}") from None
            _TEMPORARIES.add(temporary)
            made.append(temporary)
        _lock(descriptor)
        # readable too: Pillow reads back what it wrote to append the pages of a TIFF
        with os.fdopen(descriptor, "w+b") as handle:
            run_writer(writer, handle, path)
            handle.flush()
            os.fsync(handle.fileno())
            size = handle.tell()
        os.chmod(temporary, 0o666 & ~_umask())
        if overwrite:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
        return size
    except FileExistsError:
        raise InputError(f"{path}: already exists (use --overwrite to replace it)") from None
    except OSError as error:  # a full disk, a folder in the way, a file system without hard links
        raise InputError(f"{path}: cannot write: {error.strerror or error}") from None
    finally:
        remove_temporaries(made)


def new_temporary(folder: str) -> tuple[int, str]:
    """A new empty file in ``folder`` (descriptor and path), named as a temporary
    file of this process so that a later run removes it if this process dies first."""
    return tempfile.mkstemp(dir=folder, prefix=f"{TEMPORARY_PREFIX}{os.getpid()}-", suffix=TEMPORARY_SUFFIX)


@contextlib.contextmanager
def _interrupts_held():
    """Delay SIGINT and SIGTERM until the block ends.

    On the main thread the handlers are swapped for ones that only note the
    signal, which is raised again at the end: masking alone is not enough,
    because the system may hand the signal to another thread (the engine's,
    a watcher's), and Python then runs the handler on the main thread all
    the same. Elsewhere (handlers never run there) the signals are masked
    for this thread, where the system allows it.
    """
    held = (signal.SIGINT, signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        noted = []
        previous = {signum: signal.getsignal(signum) for signum in held}
        for signum in held:
            signal.signal(signum, lambda number, frame: noted.append(number))
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, signal.SIG_DFL if handler is None else handler)
            if noted:
                signal.raise_signal(noted[0])
        return
    try:
        masked = signal.pthread_sigmask(signal.SIG_BLOCK, set(held))
    except (AttributeError, OSError, ValueError):  # no signal masks on this platform
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, masked)


def _is_special(path: str) -> bool:
    """Whether ``path`` exists and is neither a regular file, a folder nor a link."""
    try:
        kind = os.lstat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(kind) or stat.S_ISDIR(kind) or stat.S_ISLNK(kind))


def remove_temporaries(paths=None) -> None:
    """Delete temporary files of unfinished writes (default: all of this process's).

    Safe to call from a signal handler: a process told to stop removes its
    ``.part`` files before it exits.
    """
    for temporary in list(_TEMPORARIES if paths is None else paths):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        _TEMPORARIES.discard(temporary)


def _lock(descriptor: int) -> None:
    """Hold a lock on a temporary file while it is written; the system lets
    go of it when the writer dies, however it dies."""
    with contextlib.suppress(ImportError, OSError):  # no locks there: the process id alone tells
        import fcntl

        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlocked(path: str) -> bool:
    try:
        import fcntl
    except ImportError:
        return True
    try:
        with open(path, "rb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # locked (a live writer), or gone
        return False
    return True


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, alive
        return True
    return True


def remove_stale_temporaries(folder: str) -> list[str]:
    """Delete the temporary files that runs killed before they could clean up left in ``folder``.

    A temporary file is stale when the process named in it is not running
    and nobody holds its lock: another live run's files are never touched.
    Returns the paths removed.
    """
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for name in names:
        match = _TEMPORARY_NAME.fullmatch(name)
        path = os.path.join(folder, name)
        if match and not _running(int(match[1])) and _unlocked(path):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
                removed.append(path)
    return removed


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
