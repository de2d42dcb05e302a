"""The process-wide worker threads shared by the engine and the PNG writer.

NumPy, BLAS and zlib release the GIL, so threads use every core. Starting
threads costs about as much as a small resize, so one pool is made per
process and kept.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_POOL: tuple[tuple[int, int], ThreadPoolExecutor] | None = None
_POOL_LOCK = threading.Lock()


#: The environment variable that sets how many threads one process's work uses (a batch of ``-j`` worker
#: processes sets it in each to its share of the CPUs, so that workers × threads stay within them).
THREADS_VARIABLE = "UPSCALE_THREADS"


def cpu_count() -> int:
    """The number of threads this process's work may use: :data:`THREADS_VARIABLE` when set to a whole number
    from 1, else the number of CPUs the process may run on."""
    setting = os.environ.get(THREADS_VARIABLE, "")
    if setting.isdigit() and int(setting) >= 1:
        return int(setting)
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def shared_pool() -> ThreadPoolExecutor:
    """The pool of :func:`cpu_count` threads, made once per process (again if the budget changes)."""
    global _POOL
    with _POOL_LOCK:
        owner = (os.getpid(), cpu_count())
        if _POOL is None or _POOL[0] != owner:  # a forked child has none of its parent's threads
            if _POOL is not None and _POOL[0][0] == owner[0]:
                _POOL[1].shutdown(wait=False)  # the budget changed: its threads end once idle
            _POOL = (owner, ThreadPoolExecutor(owner[1], thread_name_prefix="upscale"))
        return _POOL[1]
