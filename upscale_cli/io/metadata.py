"""What an image says about itself, carried from input to output.

Kept: the ICC colour profile, EXIF (orientation reset when the pixels were
turned upright, pixel dimensions updated), the resolution in DPI and PNG
text chunks. The DPI is kept as it was, like ImageMagick's ``-resize`` and
Photoshop's "resample": an upscaled photo prints larger at the same
density. Each format receives what it can store (see :data:`FORMAT_FIELDS`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

ORIENTATION = 0x0112
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
#: EXIF tags holding the picture's size: IFD0 width/length, Exif-IFD pixel x/y.
IFD0_SIZE_TAGS = (0x0100, 0x0101)
EXIF_SIZE_TAGS = (0xA002, 0xA003)
#: TIFF tags describing how a TIFF file stores its strips; a TIFF's IFD0 is
#: its EXIF in Pillow, and these must not travel to another file.
TIFF_STRUCTURE_TAGS = frozenset({
    254, 255, 256, 257, 258, 259, 262, 263, 266, 273, 277, 278, 279, 280, 281, 284,
    292, 293, 317, 320, 322, 323, 324, 325, 338, 339, 340, 341, 34675,
})

#: Pillow orientation → the transpose that turns the stored pixels upright
#: (EXIF 2.32, tag 0x0112; 5–8 swap width and height).
UPRIGHT = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE", 6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}

#: Output format → the metadata Pillow can write in it.
FORMAT_FIELDS = {
    "PNG": ("icc_profile", "exif", "dpi", "text"),
    "JPEG": ("icc_profile", "exif", "dpi"),
    "WEBP": ("icc_profile", "exif"),
    "TIFF": ("icc_profile", "exif", "dpi"),
    "BMP": ("dpi",),
}


def orientation(image) -> int:
    """The EXIF orientation (1–8) of ``image``; 1 when absent or unreadable."""
    try:
        value = image.getexif().get(ORIENTATION, 1)
    except (OSError, ValueError, SyntaxError, KeyError, TypeError):
        return 1
    return value if value in UPRIGHT else 1


def upright(image, orientation_value: int):
    """``image`` with its pixels turned as its EXIF orientation says (a new image, or ``image``)."""
    if orientation_value not in UPRIGHT:
        return image
    from PIL import Image

    return image.transpose(getattr(Image.Transpose, UPRIGHT[orientation_value]))


def upright_size(size: tuple[int, int], orientation_value: int) -> tuple[int, int]:
    """``(width, height)`` after :func:`upright`."""
    return (size[1], size[0]) if orientation_value in (5, 6, 7, 8) else size


@dataclass(frozen=True)
class Metadata:
    """Metadata of one image, as plain bytes and tuples (picklable)."""

    icc_profile: bytes | None = None
    exif: bytes | None = None
    dpi: tuple[float, float] | None = None
    text: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, image) -> "Metadata":
        """Read the metadata of a freshly opened Pillow image."""
        exif = _exif_of(image)
        dpi = image.info.get("dpi")
        text = getattr(image, "text", None) if image.format == "PNG" else None
        return cls(
            icc_profile=image.info.get("icc_profile") or None,
            exif=exif.tobytes() if exif is not None and len(exif) else None,
            dpi=tuple(float(d) for d in dpi) if dpi else None,
            text=tuple((str(k), str(v)) for k, v in (text or {}).items()),
        )

    def edited(self, *, size: tuple[int, int], oriented: bool) -> "Metadata":
        """The metadata of the output: EXIF sizes set to ``size``, orientation 1 if ``oriented``."""
        if self.exif is None:
            return self
        from PIL import Image

        exif = Image.Exif()
        exif.load(self.exif)
        if oriented and ORIENTATION in exif:
            exif[ORIENTATION] = 1
        for tag, length in zip(IFD0_SIZE_TAGS, size):
            if tag in exif:
                exif[tag] = length
        if EXIF_IFD in exif:
            ifd = exif.get_ifd(EXIF_IFD)
            for tag, length in zip(EXIF_SIZE_TAGS, size):
                if tag in ifd:
                    ifd[tag] = length
        return replace(self, exif=exif.tobytes())

    def save_kwargs(self, fmt: str) -> dict:
        """Keyword arguments for ``Image.save`` in Pillow format ``fmt``."""
        kwargs = {}
        for name in FORMAT_FIELDS.get(fmt, ()):
            value = getattr(self, name)
            if not value:
                continue
            if name == "text":
                from PIL.PngImagePlugin import PngInfo

                info = PngInfo()
                for key, chunk in value:
                    info.add_text(key, chunk)
                kwargs["pnginfo"] = info
            else:
                kwargs[name] = value
        return kwargs


def _exif_of(image):
    try:
        exif = image.getexif()
    except (OSError, ValueError, SyntaxError, KeyError, TypeError):
        return None  # unreadable EXIF is dropped, not fatal
    if image.format == "TIFF":
        from PIL import Image

        kept = Image.Exif()
        for tag, value in exif.items():
            if tag not in TIFF_STRUCTURE_TAGS:
                kept[tag] = exif.get_ifd(tag) if tag in (EXIF_IFD, GPS_IFD) else value
        return kept
    return exif
