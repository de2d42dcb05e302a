"""Worker processes that each convert one file at a time, and survive each other's deaths.

A pool of :class:`concurrent.futures.ProcessPoolExecutor` breaks as a whole
when one of its processes dies: every file queued or running fails with it.
Here every worker has its own pipe and at most :data:`IN_FLIGHT` items,
which it answers in order, so this process always knows which item each
worker is working on: the first it has not answered. A worker that dies
(the out-of-memory killer, ``kill -9``) costs only that item: ``died(item,
reason)`` is called for it, the items queued behind it go back to the
others, a new worker takes its place, and the other workers never notice.

Workers are started with ``spawn``, not ``fork``: this process has threads
(the progress display) that a fork could copy in the middle of a lock. They
start while SIGINT is ignored and inherit that, so Ctrl-C reaches only this
process, which stops them (SIGTERM: each removes its temporary files); they
also stop by themselves when this process is killed outright.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import threading
import time
import traceback
from typing import Any, Callable, Iterable

from ..core.errors import ExitStatus
from ..engine.workers import THREADS_VARIABLE, cpu_count
from ..io.atomic import remove_temporaries

#: How often a worker checks that the process that started it is still there (seconds).
PARENT_CHECK_SECONDS = 0.5
#: Items handed to a worker at once: the one it works on and the next, so that it never waits
#: for this process between two items (small files take a few milliseconds each).
IN_FLIGHT = 2
#: Seconds a stopped worker is given to remove its temporary files before it is killed.
STOP_SECONDS = 5


class PoolUnavailable(Exception):
    """Worker processes could not be started; the message says why."""


class WorkerTraceback(Exception):
    """Where an error raised in a worker came from (its traceback, as text)."""


@contextlib.contextmanager
def signal_handler(signum, handler):
    """Handle ``signum`` with ``handler`` inside the block (only the main thread may)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signum, handler)
    try:
        yield
    finally:
        signal.signal(signum, previous)


# --- in a worker ------------------------------------------------------------------------


def _stop_worker(signum=None, frame=None):
    """A worker told to stop deletes its temporary files and exits at once."""
    remove_temporaries()
    os._exit(ExitStatus.INTERRUPTED)


def _watch_parent(parent: int) -> None:
    """Stop this worker once its parent is gone: a parent killed outright
    (SIGKILL, the out-of-memory killer) cannot stop its workers itself."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    _stop_worker()


def _serve(connection, work: Callable[[Any], Any], parent: int, threads: int) -> None:
    """A worker's life: say it is ready, then answer each item with ``("done", work(item))``
    (or ``("raised", (error, its traceback))``) until it is sent ``None``. Its engine uses ``threads``
    threads (unless ``UPSCALE_THREADS`` says otherwise), its share of the CPUs."""
    os.environ.setdefault(THREADS_VARIABLE, str(threads))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C for everyone
    signal.signal(signal.SIGTERM, _stop_worker)
    threading.Thread(target=_watch_parent, args=(parent,), name="upscale-parent-watch", daemon=True).start()
    connection.send(("ready", None))
    while (item := connection.recv()) is not None:
        try:
            answer = ("done", work(item))
        except Exception as error:  # only with --debug: the parent raises it, with its traceback
            answer = ("raised", (error, traceback.format_exc()))
        connection.send(answer)


# --- in this process --------------------------------------------------------------------


class _Worker:
    """One worker process, its end of the pipe and the items it has, in order (it works on the first)."""

    def __init__(self, context, work: Callable[[Any], Any], threads: int):
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, work, os.getpid(), threads), daemon=True,
                                       name="upscale-worker")
        self.items: collections.deque = collections.deque()
        self.ready = False
        with signal_handler(signal.SIGINT, signal.SIG_IGN):
            try:
                self.process.start()
            finally:
                theirs.close()

    def death(self) -> str:
        """Why the process ended (it has): the signal that killed it or its exit status."""
        self.process.join()
        code = self.process.exitcode
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-code).name}"
        return f"exited with status {code}"

    def stop(self) -> None:
        """Tell it to stop at once (it removes its temporary files), kill it if it does not."""
        with contextlib.suppress(OSError, AttributeError):
            self.process.terminate()
        self.process.join(STOP_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def run_pool(items: Iterable, work: Callable[[Any], Any], workers: int, done: Callable[[Any, Any], None],
             died: Callable[[Any, str], None]) -> None:
    """``done(item, work(item))`` for each of ``items``, in ``workers`` processes, as they finish.

    ``work`` must be picklable (a module's function, or a partial of one).
    When a worker dies, ``died(item, reason)`` is called for the item it was
    working on (``reason``: ``killed by SIGKILL``, ``exited with status 1``),
    the items it had queued go to the others, and another worker is started
    (if none can be, the items left are done in this process). Raises
    :class:`PoolUnavailable` when no worker could start (nothing has been
    done then). On any exception (Ctrl-C) the workers are stopped; what they
    had sent by then is passed to ``done`` first. Each worker's engine gets
    its share of the CPUs, so that the workers' threads do not compete.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("spawn")
    pending = collections.deque(items)
    # one thread budget for the run: workers × threads within the CPUs (each worker's engine would take them all)
    threads = max(1, cpu_count() // max(1, min(workers, len(pending))))
    pool: list[_Worker] = []
    started = False  # a worker has said it is ready: from then on the pool is available

    def add_worker() -> bool:
        try:
            pool.append(_Worker(context, work, threads))
        except Exception as error:  # OSError, no sem_open, an interpreter that will not start...
            if not started and not pool:
                raise PoolUnavailable(f"{type(error).__name__}: {error}") from None
            return False
        return True

    def hand_out(worker: _Worker) -> None:
        """Top ``worker`` up to :data:`IN_FLIGHT` items; ``None`` (stop) when there are no more."""
        try:
            while pending and len(worker.items) < IN_FLIGHT:
                worker.connection.send(pending[0])
                worker.items.append(pending.popleft())
            if not worker.items:
                worker.connection.send(None)
        except OSError:  # it has just died: its death is seen next
            pass

    def receive(worker: _Worker) -> bool:
        """Handle one message of ``worker``; ``False`` if its process is gone instead."""
        nonlocal started
        try:
            kind, value = worker.connection.recv()
        except (EOFError, OSError):
            return False
        if kind == "ready":
            worker.ready = started = True
        elif kind == "raised":
            error, text = value
            raise error from WorkerTraceback(text)
        else:
            done(worker.items.popleft(), value)
        hand_out(worker)
        return True

    def bury(worker: _Worker) -> None:
        reason = worker.death()
        pool.remove(worker)
        worker.connection.close()
        if not started and not pool:
            raise PoolUnavailable(f"ChildProcessError: the worker processes {reason} before they started")
        if worker.items:  # the first was being worked on; the others only waited their turn
            died(worker.items.popleft(), reason)
            pending.extendleft(reversed(worker.items))
        # one that never started is not replaced: its replacement would fail the same way, for ever
        if pending and not (worker.ready and add_worker()) and not pool:
            while pending:  # no worker can be started any more: the rest is done here
                item = pending.popleft()
                done(item, work(item))

    for _ in range(min(workers, len(pending))):
        add_worker()
    try:
        while pool:
            waiting = {worker.connection: worker for worker in pool}
            waiting.update({worker.process.sentinel: worker for worker in pool})
            for ready in wait(list(waiting)):
                worker = waiting[ready]
                if worker not in pool:
                    continue
                if ready is worker.connection or worker.connection.poll():
                    if receive(worker):
                        continue
                bury(worker)
    except BaseException:
        for worker in pool:
            worker.stop()
        for worker in pool:  # answers sent before the stop: those items were done
            with contextlib.suppress(EOFError, OSError):
                while worker.items and worker.connection.poll():
                    kind, value = worker.connection.recv()
                    if kind == "done":
                        done(worker.items.popleft(), value)
        raise
    finally:
        for worker in pool:
            worker.process.join(STOP_SECONDS)
            worker.connection.close()
