"""Files written whole or not at all: temporary files, renames, interruptions, full disks."""

import os
import stat

import pytest
from PIL import Image

from upscale_cli.core.errors import InputError
from upscale_cli.io import atomic
from upscale_cli.io.atomic import atomic_write
from upscale_cli.io.encode import write_output


def test_a_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.png"

    def crash_midway(handle):
        handle.write(b"\x89PNG half of a file")
        raise OSError("disk on fire")

    with pytest.raises(InputError, match="out.png: cannot write: disk on fire"):
        atomic_write(str(target), crash_midway)
    assert os.listdir(tmp_path) == []


def test_an_interrupted_write_leaves_nothing_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"previous output")

    def interrupted(handle):
        handle.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(str(target), interrupted, overwrite=True)
    assert os.listdir(tmp_path) == ["out.png"]
    assert target.read_bytes() == b"previous output"


def test_remove_temporaries_deletes_unfinished_writes(tmp_path):
    seen = []

    def stop_in_the_middle(handle):
        seen.extend(p for p in atomic._TEMPORARIES)
        atomic.remove_temporaries()  # what a worker's SIGTERM handler does
        assert not os.path.exists(seen[0])
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(str(tmp_path / "out.png"), stop_in_the_middle)
    assert seen and seen[0].endswith(".part") and os.listdir(tmp_path) == []


def test_write_never_replaces_without_overwrite(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"keep me")
    with pytest.raises(InputError, match="already exists"):
        write_output(Image.new("L", (2, 2)), str(target), "PNG")
    assert target.read_bytes() == b"keep me"
    assert write_output(Image.new("L", (2, 2)), str(target), "PNG", overwrite=True) == target.stat().st_size


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_overwrite_never_replaces_a_device_or_a_pipe(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(InputError, match="pipe: not a regular file"):
        write_output(Image.new("L", (2, 2)), str(pipe), "PNG", overwrite=True)
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode) and os.listdir(tmp_path) == ["pipe"]


def test_a_failed_rename_is_one_error_and_leaves_nothing(tmp_path, monkeypatch):
    def no_hard_links(source, target):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_hard_links)
    with pytest.raises(InputError, match="out.png: cannot write: Operation not permitted"):
        write_output(Image.new("L", (2, 2)), str(tmp_path / "out.png"), "PNG")
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(InputError, match="folder.png: cannot write: Is a directory"):
        write_output(Image.new("L", (2, 2)), str(tmp_path / "folder.png"), "PNG", overwrite=True)
    assert os.listdir(tmp_path) == ["folder.png"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a file size limit (setrlimit)")
@pytest.mark.parametrize("name", ["big.jpg", "big.gif", "big.bmp", "big.tif"])
def test_a_write_cut_short_by_the_disk_fails_the_file(tmp_path, make_image, name):
    # Past a file size limit, as on a full disk, write() first stores what fits and says so,
    # then fails. Pillow's encoders writing to a descriptor took the short write for success.
    import resource
    import signal
    import subprocess
    import sys

    source = make_image("photo.png", 64, 64)

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (5000, 5000))

    result = subprocess.run([sys.executable, "-m", "upscale_cli", source, "--scale", "2", "--mode", "nearest",
                             "-o", str(tmp_path / name)], capture_output=True, text=True, preexec_fn=limit)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"upscale: {tmp_path / name}: cannot write: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png"]


@pytest.mark.parametrize("from_another_thread", [False, True])
def test_a_signal_inside_the_held_block_is_raised_after_it(from_another_thread):
    """Between creating a temporary file and recording it no handler may run: not when the signal
    comes to this thread, nor when the system hands it to another thread (Python still runs the
    handler on the main thread; masking the main thread alone let it through)."""
    import signal
    import threading
    import time

    def send():
        if not from_another_thread:
            os.kill(os.getpid(), signal.SIGINT)
            return
        # a thread that blocks nothing: the signal is delivered to it, the handler runs on the main thread
        ready, done = threading.Event(), threading.Event()
        helper = threading.Thread(target=lambda: (ready.set(), done.wait(5)))
        helper.start()
        ready.wait()
        signal.pthread_kill(helper.ident, signal.SIGINT)
        time.sleep(0.05)  # the main thread runs bytecodes meanwhile: a pending handler would run now
        done.set()
        helper.join()

    steps = []
    with pytest.raises(KeyboardInterrupt):
        with atomic._interrupts_held():
            send()
            steps.append("block finished")
    assert steps == ["block finished"]


def test_a_ctrl_c_while_the_temporary_file_is_made_leaves_nothing(tmp_path, monkeypatch):
    """The interruption noted while the file is made and recorded is raised after, and the file goes."""
    import signal

    made = atomic.new_temporary

    def interrupted(folder):
        made_now = made(folder)
        os.kill(os.getpid(), signal.SIGINT)
        return made_now

    monkeypatch.setattr(atomic, "new_temporary", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(str(tmp_path / "x.png"), lambda handle: handle.write(b"data"))
    assert os.listdir(tmp_path) == []
