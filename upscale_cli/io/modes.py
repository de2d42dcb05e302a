"""Samples an output format can hold: each image mode converted for each format, or refused.

A format that holds the image's mode gets it unchanged. Otherwise the
image is converted to the nearest mode the format holds, with its values
scaled, never wrapped or clipped as raw numbers:

- ``I;16`` (16-bit) to 8 bits: ``round(v · 255 / 65535)`` = ``round(v / 257)``,
  half up, computed as ``(v + 128) // 257`` (equal for every ``v``; no
  value of ``v / 257`` falls on a half, so it is the nearest 8-bit value);
  16-bit colour (``LA;16``, ``RGB;16``, ``RGBA;16``, which only PNG, TIFF
  and ``.npy`` hold) the same way, to ``LA``, ``RGB`` and ``RGBA``
  (:func:`upscale_cli.io.encode.encode`);
- ``CMYK`` to ``RGB``: through the image's ICC profile into sRGB (its
  default rendering intent) when it has one, else Pillow's conversion
  (``R = (255 − C) · (255 − K) / 255`` rounded, and so on), which is what
  an untagged file means; the output is tagged sRGB, or untagged;
- alpha the format cannot hold: flattened over the background colour,
  ``round((c · a + b · (255 − a)) / 255)`` half up, computed as
  ``(c · a + b · (255 − a) + 127) // 255`` (equal); to GIF only partial
  alpha is flattened, fully transparent pixels stay transparent;
- ``P`` to ``RGB`` (``RGBA`` with a transparent entry), ``1`` to ``L``
  (0 and 255), ``L`` to ``RGB`` and ``LA`` to ``RGBA``: exact;
- ``RGB`` to GIF: Pillow's adaptive palette, exact up to 256 colours.

``I`` (32-bit integers) and ``F`` (32-bit floats) have no range an 8- or
16-bit format could scale them from: only TIFF (and ``.npy``) holds them
(``F`` also PPM, which Pillow writes as a PFM float map), other formats
refuse them. Conversions that lose something (precision,
alpha, colours, a colour space) are reported in one note.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.errors import InputError, UsageError

if TYPE_CHECKING:  # NumPy is imported where it is used: `upscale --help` does not load it
    import numpy as np

WHITE = (255, 255, 255)
#: Output format → the modes it holds (as Pillow writes and reads them back).
HOLDS = {
    "PNG": frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "I;16", "LA;16", "RGB;16", "RGBA;16"}),
    "JPEG": frozenset({"L", "RGB", "CMYK"}),
    "WEBP": frozenset({"RGB", "RGBA"}),
    "GIF": frozenset({"1", "L", "P"}),
    "TIFF": frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "YCbCr", "LAB", "I;16", "I", "F", "LA;16", "RGB;16",
                       "RGBA;16"}),
    "BMP": frozenset({"1", "L", "P", "RGB"}),
    # PBM/PGM/PPM: Pillow would write RGBA as RGB, dropping alpha unsaid, and clip I to 16 bits
    "PPM": frozenset({"1", "L", "RGB", "I;16", "F"}),
}
#: What reducing 16-bit samples for a format loses, said once.
REDUCED_TO_8_BITS = "16-bit samples reduced to 8 bits (round(v/257)) for {fmt}"
#: Formats that keep a palette's transparent entry.
PALETTE_TRANSPARENCY = frozenset({"PNG", "GIF"})
#: Modes with no fixed range, and what they are.
UNRANGED = {"I": "32-bit integer", "F": "32-bit float"}


@dataclass(frozen=True)
class Prepared:
    """An image ready for a format: the image, what was lost (or ``None``), its ICC profile.

    ``icc_profile`` is ``None`` when the input's profile still describes the
    samples; otherwise the profile to write (``b""``: none).
    """

    image: Any
    note: str | None = None
    icc_profile: bytes | None = None


def parse_colour(text: str) -> tuple[int, int, int]:
    """``--background`` as RGB: a CSS colour name, ``#rgb``, ``#rrggbb``, ``rgb(r, g, b)``..."""
    from PIL import ImageColor

    try:
        return ImageColor.getrgb(text)[:3]
    except ValueError:
        raise UsageError(f"bad --background {text!r}: expected a colour such as white, #ffcc00 or rgb(0,0,0)") from None


def holds(fmt: str, image) -> bool:
    """Whether Pillow writes ``image`` as ``fmt`` and reads back the same samples."""
    allowed = HOLDS.get(fmt)
    if allowed is None:
        return True  # formats outside the table are Pillow's business
    if image.mode == "P" and _transparent(image) and fmt not in PALETTE_TRANSPARENCY:
        return False
    if image.mode == "P" and fmt == "GIF" and not isinstance(image.info.get("transparency", 0), int):
        return False  # alpha per entry (a PNG's tRNS): GIF has one fully transparent entry at most
    return image.mode in allowed


def prepare(image, fmt: str, name: str, background: tuple[int, int, int] = WHITE, profile: bytes | None = None) -> Prepared:
    """``image`` converted so that ``fmt`` holds it (see the module's rules).

    ``profile`` is the ICC profile of ``image``'s samples (default: the one in its ``info``).

    Raises :class:`~upscale_cli.core.errors.InputError` naming ``name`` for
    ``I`` and ``F`` images in formats that do not hold them.
    """
    notes, written = [], None
    profile = profile or image.info.get("icc_profile")
    while not holds(fmt, image):
        image, note, icc = _step(image, fmt, name, background, profile)
        notes += [note] if note else []
        written = icc if icc is not None else written
    note = f"{name}: " + "; ".join(notes) if notes else None
    return Prepared(image, note, written)


def _step(image, fmt: str, name: str, background, profile: bytes | None) -> tuple[Any, str | None, bytes | None]:
    """One conversion towards a mode ``fmt`` holds: ``(image, note, ICC profile or None)``."""
    import numpy as np
    from PIL import Image

    mode = image.mode
    if mode in UNRANGED:
        raise InputError(
            f"{name}: cannot write: {fmt} cannot hold mode {mode} ({UNRANGED[mode]} samples, no fixed range to scale "
            f"to {_depth(fmt)}); write .tif or .npy to keep them"
        )
    if mode == "CMYK":
        rgb, srgb, how = _cmyk_to_rgb(image, profile)
        return rgb, f"CMYK converted to RGB {how} for {fmt}", srgb
    if mode in ("YCbCr", "HSV"):
        return image.convert("RGB"), f"{mode} converted to RGB with Pillow's formula for {fmt}", None
    if mode == "LAB":
        converted = _lab_to_srgb(image)
        if converted is not None:
            rgb, srgb = converted
            return rgb, f"CIELAB converted to sRGB through littlecms for {fmt}", srgb
    if mode == "I;16":
        return _image(eight_bit(np.asarray(image))), REDUCED_TO_8_BITS.format(fmt=fmt), None
    if mode == "1":
        return image.convert("L"), None, None
    if mode.startswith("I;16"):  # big- or little-endian 16-bit: the same values in native order
        return Image.fromarray(np.asarray(image).astype(np.uint16)), None, None
    if mode == "PA":
        return image.convert("RGBA"), None, None
    if mode == "P":
        return image.convert("RGBA" if _transparent(image) else "RGB"), None, None
    if mode in ("L", "LA") and mode.replace("L", "RGB") in HOLDS[fmt]:
        return image.convert(mode.replace("L", "RGB")), None, None
    if fmt == "GIF" and mode in ("LA", "RGBA", "RGB"):
        return _gif_palette(image, background)
    if mode in ("LA", "RGBA"):
        flat = _image(flatten(np.asarray(image), _background_in(mode, background)))
        lost = bool((np.asarray(image)[..., -1] < 255).any())
        return flat, f"alpha flattened over the background {_colour(background)} for {fmt}" if lost else None, None
    raise InputError(f"{name}: cannot write: {fmt} cannot hold mode {mode}")


def _depth(fmt: str) -> str:
    return "16 bits" if fmt in ("PNG", "PPM") else "8 bits"


def _colour(rgb: tuple[int, int, int]) -> str:
    return "white" if tuple(rgb) == WHITE else "#{:02x}{:02x}{:02x}".format(*rgb)


def _transparent(image) -> bool:
    return "transparency" in image.info or (image.palette is not None and image.palette.mode == "RGBA")


def eight_bit(samples: np.ndarray) -> np.ndarray:
    """16-bit samples to 8 bits: ``round(v / 257)`` half up, exactly, as ``uint8``."""
    import numpy as np

    return ((samples.astype(np.uint32) + 128) // 257).astype(np.uint8)


def _image(samples: np.ndarray):
    """An ``L``, ``RGB`` or ``RGBA`` image of ``uint8`` samples (``hw``, or ``hwc`` with 1, 3 or 4 channels)."""
    from PIL import Image

    return Image.fromarray(samples[..., 0] if samples.ndim == 3 and samples.shape[-1] == 1 else samples)


def _background_in(mode: str, background) -> list[int]:
    """``background`` as the colour channels of ``mode``: grey by Pillow's ITU-R 601-2 luma for ``LA``."""
    from PIL import Image

    if mode == "LA":
        return [Image.new("RGB", (1, 1), tuple(background)).convert("L").getpixel((0, 0))]
    return list(background)


def flatten(samples: np.ndarray, background) -> np.ndarray:
    """Colour channels of straight-alpha ``samples`` (alpha last, ``uint8``) composited over ``background``.

    ``round((c · a + b · (255 − a)) / 255)`` half up, exactly, in integers;
    ``background`` has one value per colour channel.
    """
    import numpy as np

    colour = samples[..., :-1].astype(np.uint32)
    alpha = samples[..., -1:].astype(np.uint32)
    under = np.asarray(background, np.uint32)
    return ((colour * alpha + under * (255 - alpha) + 127) // 255).astype(np.uint8)


def _gif_palette(image, background) -> tuple[Any, str | None, None]:
    """``image`` as a palette for GIF: partial alpha flattened, alpha 0 kept as the transparent entry."""
    import numpy as np

    notes = []
    if image.mode != "RGB":
        samples = np.asarray(image.convert("RGBA"))
        alpha = samples[..., -1:]
        if ((alpha > 0) & (alpha < 255)).any():
            notes.append(f"alpha flattened over the background {_colour(background)}, fully transparent pixels kept")
        clear = alpha == 0
        colour = np.where(clear, 0, flatten(samples, list(background)))
        image = _image(np.concatenate([colour, np.where(clear, 0, 255)], axis=-1).astype(np.uint8))
    palette, reduced = _palette_of(image)
    if reduced:
        notes.append("colours reduced to a palette of 256")
    return palette, "; ".join(notes) + " for GIF" if notes else None, None


def _palette_of(image) -> tuple[Any, bool]:
    """``RGB``/``RGBA`` as ``P``: every colour exactly when there are at most 256 (alpha 0 the
    transparent entry), else Pillow's adaptive palette; whether colours were merged."""
    import numpy as np
    from PIL import Image

    samples = np.asarray(image)
    colours, indices = np.unique(samples.reshape(-1, samples.shape[-1]), axis=0, return_inverse=True)
    reduced = len(colours) > 256
    if reduced:
        palette = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
        entries = np.asarray(palette.getpalette(palette.palette.mode), np.uint8).reshape(-1, len(palette.palette.mode))
    else:
        palette = Image.fromarray(indices.reshape(samples.shape[:2]).astype(np.uint8)).convert("P")
        palette.putpalette(colours[:, :3].tobytes(), "RGB")
        entries = colours
    clear = np.flatnonzero(entries[:, 3] == 0) if entries.shape[1] == 4 else []
    if len(clear):
        palette.info["transparency"] = int(clear[0])
    return palette, reduced


def _lab_to_srgb(image) -> tuple[Any, bytes] | None:
    """``(rgb, profile to write)``: a CIELAB (D50) image in sRGB; ``None`` when Pillow has no littlecms."""
    try:
        from PIL import ImageCms
    except ImportError:
        return None
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return ImageCms.profileToProfile(image, ImageCms.createProfile("LAB"), srgb, outputMode="RGB"), srgb.tobytes()


def _cmyk_to_rgb(image, embedded: bytes | None) -> tuple[Any, bytes, str]:
    """``(rgb, profile to write, how)``: through the ICC profile ``embedded`` when there is one."""
    try:
        from PIL import ImageCms
    except ImportError:  # Pillow built without littlecms
        embedded = None
    if embedded:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(embedded))
            srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
            rgb = ImageCms.profileToProfile(image, source, srgb, renderingIntent=ImageCms.getDefaultIntent(source),
                                            outputMode="RGB")
            return rgb, srgb.tobytes(), "through its ICC profile"
        except (OSError, ImageCms.PyCMSError):
            pass  # a profile littlecms cannot use: as if untagged
    return image.convert("RGB"), b"", "with Pillow's formula (no usable ICC profile)"
