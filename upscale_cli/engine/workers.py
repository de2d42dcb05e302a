"""The process-wide worker threads shared by the engine and the PNG writer.

NumPy, BLAS and zlib release the GIL, so threads use every core. Starting
threads costs about as much as a small resize, so one pool is made per
process and kept.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_POOL: tuple[int, ThreadPoolExecutor] | None = None
_POOL_LOCK = threading.Lock()


def cpu_count() -> int:
    """The number of CPUs this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def shared_pool() -> ThreadPoolExecutor:
    """The pool of :func:`cpu_count` threads, made once per process."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL[0] != os.getpid():  # a forked child has none of its parent's threads
            _POOL = (os.getpid(), ThreadPoolExecutor(cpu_count(), thread_name_prefix="upscale"))
        return _POOL[1]
