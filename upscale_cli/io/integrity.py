"""Whole-file checks Pillow does not make: where a file must end.

Pillow stops reading a GIF at the end of the data as it stops at its
trailer, and a PNG's chunks after the image data as it stops at IEND. So a
GIF cut off between two frames decodes without an error, with the frames
after the cut gone, and a PNG cut off after its image data loses the chunks
that followed (text, EXIF). Both are refused here: a file whose structure
does not reach its end marker is truncated.
"""

from __future__ import annotations

import struct

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GIF_SIGNATURES = (b"GIF87a", b"GIF89a")


def truncation(raw: bytes) -> str | None:
    """Why ``raw`` (a whole PNG or GIF file) is truncated, or ``None``.

    Other formats, and files that are not even PNG or GIF headers, are left
    to the decoder: ``None``.
    """
    if raw.startswith(PNG_SIGNATURE):
        return None if _png_reaches_iend(raw) else "the file ends before its IEND chunk"
    if raw.startswith(GIF_SIGNATURES):
        return None if _gif_reaches_trailer(raw) else "the file ends before its trailer"
    return None


def _png_reaches_iend(raw: bytes) -> bool:
    """Whether PNG chunks, each whole (length, type, data and CRC), lead from the signature to IEND."""
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(raw):
        length, kind = struct.unpack_from(">I4s", raw, position)
        position += 12 + length
        if position > len(raw):
            return False
        if kind == b"IEND":
            return True
    return False


def _gif_reaches_trailer(raw: bytes) -> bool:
    """Whether a GIF's blocks lead from its header to the trailer (``;``), each whole.

    The structure (GIF89a specification, sections 17–27): header and
    logical screen descriptor (13 bytes) and the global colour table; then
    image descriptors (``,``: 9 bytes, a local colour table, the LZW code
    size and data sub-blocks) and extensions (``!``: a label and data
    sub-blocks), until ``;``.
    """
    position = 13 + _colour_table_bytes(raw, 10)
    while position < len(raw):
        introducer = raw[position:position + 1]
        if introducer == b";":
            return True
        if introducer == b",":
            if position + 10 > len(raw):
                return False
            position += 10 + _colour_table_bytes(raw, position + 9) + 1  # + the LZW minimum code size
        elif introducer == b"!":
            position += 2
        else:
            return False  # not a block: the decoder stopped here or before
        position = _after_sub_blocks(raw, position)
    return False


def _colour_table_bytes(raw: bytes, flags_at: int) -> int:
    """Size of the colour table announced by the packed flags byte at ``flags_at``."""
    if flags_at >= len(raw):
        return 0
    flags = raw[flags_at]
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _after_sub_blocks(raw: bytes, position: int) -> int:
    """Position after a chain of data sub-blocks (length byte, data) ended by a zero length.

    Past the end of ``raw`` when the chain is cut off.
    """
    while position < len(raw):
        length = raw[position]
        position += 1 + length
        if length == 0:
            return position
    return len(raw) + 1
