"""Make an output in strips of rows on the process's thread pool.

A strip is a run of rows of the first resized axis, small enough that its
temporaries stay near the cache and many enough that every core has work.
Every output sample is computed from its own taps whatever strip it falls
in, so strips, their length and the threads that fill them change no
result: only the time and the memory.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from .workers import cpu_count, shared_pool

#: Target size of one strip's output in the working dtype (measured best:
#: big enough for efficient matrix products, small enough to stay near cache).
STRIP_BYTES = 1 << 22
#: Below this many output samples the work is done on the calling thread
#: (handing strips to the pool's threads and waiting for them costs about 0.1 ms).
THREAD_THRESHOLD = 1 << 18


def in_strips(
    array: np.ndarray, lead: int, out_shape: tuple[int, ...], compute, rows: int = 1, itemsize: int = 8, *,
    min_rows: int | None = None, strip_bytes: int | None = None, thread_threshold: int | None = None,
) -> np.ndarray:
    """A new array of ``out_shape`` and ``array``'s dtype, filled in strips of axis ``lead`` on the thread pool.

    The axes before ``lead`` are flattened into items; ``compute(item,
    start, stop, out)`` fills rows ``start:stop`` of axis ``lead`` of one
    item's output ``out``. Strips are whole multiples of ``rows``, at least
    ``min_rows`` long (default ``rows``), and hold about ``strip_bytes``
    (default :data:`STRIP_BYTES`) of samples of ``itemsize`` bytes; threads
    start from ``thread_threshold`` output samples (default
    :data:`THREAD_THRESHOLD`).
    """
    batch = math.prod(array.shape[:lead])
    # a view where NumPy can make one: a decoded image's samples are read where they lie (io/pixels.py)
    items = array.reshape((batch,) + array.shape[lead:])
    out = np.empty((batch,) + tuple(out_shape[lead:]), array.dtype)
    row_bytes = itemsize * max(math.prod(items.shape[2:]), math.prod(out.shape[2:]))
    n_rows = out.shape[1]
    threshold = THREAD_THRESHOLD if thread_threshold is None else thread_threshold
    workers = cpu_count() if out.size >= threshold else 1
    strip = (STRIP_BYTES if strip_bytes is None else strip_bytes) // max(row_bytes, 1)
    if workers > 1:  # at least two strips per worker, so that none waits long for the last one
        strip = min(strip, -(-batch * n_rows // (2 * workers)))
    strip = -(-max(strip, rows if min_rows is None else min_rows) // rows) * rows
    jobs = [(b, start, min(start + strip, n_rows)) for b in range(batch) for start in range(0, n_rows, strip)]

    def run(job):
        b, start, stop = job
        compute(items[b], start, stop, out[b, start:stop])

    run_jobs(run, jobs, min(workers, len(jobs)))
    return out.reshape(out_shape)


def run_jobs(run, jobs: list, workers: int) -> None:
    """``run(job)`` for every job: on the calling thread and ``workers - 1`` pool threads, each taking the next job.

    When the calling thread stops (Ctrl-C reaches it between two NumPy
    calls), the pool threads take no further job: the interruption is felt
    within one strip, not after the whole image. The pool threads follow the
    calling thread's floating-point error handling (``np.errstate`` is per
    thread).
    """
    pending, lock, stopped = iter(jobs), threading.Lock(), threading.Event()
    errors = np.geterr()

    def work():
        while not stopped.is_set():
            with lock:
                job = next(pending, None)
            if job is None:
                return
            run(job)

    def helper_work():
        with np.errstate(**errors):
            work()

    helpers = [shared_pool().submit(helper_work) for _ in range(workers - 1)]
    try:
        work()
    except BaseException:
        stopped.set()
        raise
    finally:
        for helper in helpers:  # wait for all (the output is theirs to fill); the first error is raised
            helper.result()
