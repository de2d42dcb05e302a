"""Reading inputs and writing outputs: images through Pillow, arrays as ``.npy``.

Outputs are never half-written and never clobbered by accident: data goes to
a temporary file in the target folder, is flushed to disk, and only then
takes the final name (``os.replace`` with ``overwrite``, otherwise a hard
link, which fails if the name exists, so even a file created meanwhile is
safe).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from dataclasses import dataclass
from typing import Any, Callable

from .errors import InputError, UsageError

STDIO = "-"
NPY_MAGIC = b"\x93NUMPY"


@dataclass
class Loaded:
    """One input: either a Pillow image or a NumPy array, and its format."""

    name: str
    data: Any
    format: str

    @property
    def is_array(self) -> bool:
        return self.format == "npy"


def _read_bytes(path: str) -> bytes:
    if path == STDIO:
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None


def read_input(path: str) -> Loaded:
    """Load an image or a ``.npy`` array; the content decides, not the name."""
    raw = _read_bytes(path)
    name = "<stdin>" if path == STDIO else path
    if raw.startswith(NPY_MAGIC):
        import numpy as np

        try:
            return Loaded(name, np.load(io.BytesIO(raw), allow_pickle=False), "npy")
        except (ValueError, OSError, EOFError) as error:
            raise InputError(f"{name}: corrupt .npy file: {error}") from None
    if not raw:
        raise InputError(f"{name}: empty file")
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(raw))
        image.load()
    except UnidentifiedImageError:
        raise InputError(f"{name}: not an image or .npy array Pillow can read") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise InputError(f"{name}: corrupt or truncated image: {error}") from None
    return Loaded(name, image, image.format or "PNG")


def format_for(path: str, requested: str | None, fallback: str) -> str:
    """Output format: ``requested``, else from the extension, else ``fallback``.

    Returns ``"npy"`` or a Pillow format name such as ``"PNG"``.
    """
    if requested:
        requested = requested.lower()
        return "npy" if requested == "npy" else requested.upper().replace("JPG", "JPEG")
    if path == STDIO:
        return fallback
    extension = os.path.splitext(path)[1].lower()
    if extension == ".npy":
        return "npy"
    from PIL import Image

    known = Image.registered_extensions()
    if extension not in known:
        raise UsageError(f"{path}: unknown output format {extension or '(no extension)'!r}; give --format")
    return known[extension]


def encode(data: Any, fmt: str, name: str) -> Callable[[Any], None]:
    """A function that writes ``data`` (image or array) as ``fmt`` to a binary file."""
    if fmt == "npy":
        import numpy as np

        array = np.asarray(data)
        return lambda handle: np.save(handle, array, allow_pickle=False)
    image = data
    if not hasattr(image, "save"):
        image = array_to_image(data, name)
    return lambda handle: image.save(handle, format=fmt)


def array_to_image(array, name: str):
    """A Pillow image from an ``hw``/``hwc`` array, or a clear error."""
    from PIL import Image

    try:
        return Image.fromarray(array)
    except (TypeError, ValueError) as error:
        raise InputError(f"{name}: cannot store an array of shape {array.shape} and dtype {array.dtype} as an image: {error}") from None


def write_output(data: Any, path: str, fmt: str, *, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` atomically; ``-`` writes to standard output."""
    writer = encode(data, fmt, path)
    if path == STDIO:
        buffer = io.BytesIO()
        _run_writer(writer, buffer, path)
        sys.stdout.buffer.write(buffer.getvalue())
        sys.stdout.buffer.flush()
        return
    atomic_write(path, writer, overwrite=overwrite)


def _run_writer(writer: Callable[[Any], None], handle, path: str) -> None:
    try:
        writer(handle)
    except (OSError, ValueError, KeyError) as error:
        raise InputError(f"{path}: cannot write: {error}") from None


def atomic_write(path: str, writer: Callable[[Any], None], *, overwrite: bool = False) -> None:
    """Write through a temporary file in the same folder, then give it its name."""
    if not overwrite and os.path.lexists(path):
        raise InputError(f"{path}: already exists (use --overwrite to replace it)")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".upscale-", suffix=".part")
    except OSError as error:
        raise InputError(f"{path}: cannot write in {folder}: {error.strerror or error}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            _run_writer(writer, handle, path)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        if overwrite:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise InputError(f"{path}: already exists (use --overwrite to replace it)") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
