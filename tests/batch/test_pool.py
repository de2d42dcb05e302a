"""Worker processes that survive each other's deaths: each item done once, a death costs one item."""

import multiprocessing
import os
import signal

import pytest

from upscale_cli.batch.pool import PoolUnavailable, WorkerTraceback, run_pool


def square_or_die(n):
    """n², except that 3 kills its worker as the out-of-memory killer would, and 4 raises."""
    if n == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    if n == 4:
        raise ValueError("four")
    return n * n


def _run(items, workers=2):
    done, died = {}, []
    run_pool(items, square_or_die, workers, done=done.__setitem__, died=lambda item, reason: died.append((item, reason)))
    return done, died


def test_every_item_is_done_once_whatever_the_number_of_workers():
    for workers in (1, 2, 5):
        assert _run([0, 1, 2, 5, 6, 7, 8], workers) == ({n: n * n for n in (0, 1, 2, 5, 6, 7, 8)}, [])


def test_a_dead_worker_costs_only_its_item_and_is_replaced():
    # two workers die, at different times; each had an item queued behind the 3, done by another
    done, died = _run([3, 1, 2, 3, 5, 6], workers=2)
    assert done == {1: 1, 2: 4, 5: 25, 6: 36}
    assert died == [(3, "killed by SIGKILL")] * 2
    assert multiprocessing.active_children() == []


def test_an_error_a_worker_raises_is_raised_here_with_its_traceback():
    with pytest.raises(ValueError, match="four") as raised:
        _run([1, 4, 2])
    assert isinstance(raised.value.__cause__, WorkerTraceback)
    assert 'raise ValueError("four")' in str(raised.value.__cause__)
    assert multiprocessing.active_children() == []


def test_an_interruption_stops_every_worker():
    seen = []

    def interrupt(item, result):
        seen.append(item)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_pool(range(20), square_or_die, 2, done=interrupt, died=None)
    assert 1 <= len(seen) <= 2  # the first answer, and one the other worker had sent meanwhile
    assert multiprocessing.active_children() == []


def test_workers_that_never_start_make_the_pool_unavailable(monkeypatch, tmp_path):
    import multiprocessing.resource_tracker
    import multiprocessing.spawn

    multiprocessing.resource_tracker.ensure_running()  # with the real interpreter: only the workers fail
    monkeypatch.setattr(multiprocessing.spawn, "_python_exe", os.fsencode(tmp_path / "no-python-here"))
    with pytest.raises(PoolUnavailable, match=r"^ChildProcessError: the worker processes exited with status \d+ before they started$"):
        _run([1, 2])


def engine_threads(_):
    """The number of threads this worker's engine would use."""
    from upscale_cli.engine.workers import cpu_count

    return cpu_count()


def test_workers_share_the_cpus(monkeypatch):
    """Two workers on two CPUs get one engine thread each (two each would compete for the same cores);
    a budget the user set is kept."""
    monkeypatch.delenv("UPSCALE_THREADS", raising=False)
    monkeypatch.setattr("upscale_cli.batch.pool.cpu_count", lambda: 2)
    def threads(workers: int, items: int) -> set:
        done = {}
        run_pool(range(items), engine_threads, workers, done=done.__setitem__, died=lambda *_: None)
        return set(done.values())

    assert threads(2, 3) == {1}
    assert threads(1, 1) == {2}
    monkeypatch.setenv("UPSCALE_THREADS", "3")
    assert threads(2, 2) == {3}
