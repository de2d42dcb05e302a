"""HEIF and HEIC photos (what phones take), read through the optional ``pillow-heif`` plugin.

Pillow does not read HEIF itself. ``pip install 'upscale-cli[heif]'``
installs ``pillow-heif``, which is registered as a Pillow plugin the first
time such a file is met, never before: it loads libheif, which ``--help``
and every other file can do without. Without it each HEIF file fails with
one line saying how to enable it.
"""

from __future__ import annotations

import functools

from ..core.errors import InputError

#: Extensions of HEIF files, taken from folders whether or not the plugin is installed.
HEIF_EXTENSIONS = frozenset({".heic", ".heif"})
INSTALL = "pip install 'upscale-cli[heif]'"
#: Major brands of the ``ftyp`` box that opens a HEIF file (HEVC images and sequences, and generic HEIF).
BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"})
#: Bytes of a file's start that :func:`is_heif` looks at.
PREFIX_BYTES = 12


def is_heif(prefix: bytes) -> bool:
    """Whether a file starting with ``prefix`` is HEIF, by its ``ftyp`` box."""
    return prefix[4:8] == b"ftyp" and prefix[8:12] in BRANDS


def enable(name: str) -> None:
    """Have Pillow read HEIF through ``pillow-heif``, or fail for the file ``name`` saying how to install it."""
    if not _registered():
        raise InputError(f"{name}: reading HEIF/HEIC images needs pillow-heif: {INSTALL}")


@functools.lru_cache(maxsize=None)
def _registered() -> bool:
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True
