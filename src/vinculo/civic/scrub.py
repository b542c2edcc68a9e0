"""Attachments stripped of what they say about their author, before they are sealed.

A file is known by its first bytes, never by its name: JPEG, PNG and WebP images are decoded
and re-encoded by Pillow with no EXIF (GPS, camera, times), no ICC profile and no text chunks;
PDFs are rewritten by pikepdf without their document information, their XMP metadata and
embedded files. Anything else, or a file whose name claims another kind than its content,
is refused with a message in the reporter's language.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pikepdf
from PIL import Image, ImageOps, UnidentifiedImageError

from vinculo.errors import InvalidInput
from vinculo.i18n import N_

# The largest image decoded, in pixels (a decompression bomb stops here).
MAX_PIXELS = 40_000_000

_EXTENSIONS = {
    "jpeg": {"jpg", "jpeg"},
    "png": {"png"},
    "webp": {"webp"},
    "pdf": {"pdf"},
}
_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "pdf": "application/pdf"}


@dataclass(frozen=True)
class Clean:
    """An attachment ready to seal: a neutral name, its type, its stripped bytes."""

    name: str
    content_type: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """The kind a file's first bytes show, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    return None


def _refuse(message: str, name: str, limit: int | None = None) -> InvalidInput:
    if limit is None:
        return InvalidInput(message, field="attachments", name=name)
    return InvalidInput(message, field="attachments", name=name, limit=limit)


def _image(data: bytes, kind: str, name: str) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise _refuse(N_("{name}: the image is too large"), name)
            image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise _refuse(N_("{name}: the image could not be read"), name) from None
    # Turned as the camera meant, then drawn afresh: the new file carries pixels only.
    upright = ImageOps.exif_transpose(image) or image
    out = io.BytesIO()
    if kind == "jpeg":
        upright.convert("RGB").save(out, format="JPEG", quality=90, optimize=True)
    else:
        mode = "RGBA" if "A" in upright.getbands() else "RGB"
        fresh = Image.new(mode, upright.size)
        fresh.paste(upright.convert(mode))
        fresh.save(out, format="PNG" if kind == "png" else "WEBP")
    return out.getvalue()


def _pdf(data: bytes, name: str) -> bytes:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            for key in ("/Metadata", "/Names", "/OpenAction", "/AA", "/PieceInfo"):
                if key in pdf.Root:
                    del pdf.Root[key]
            for page in pdf.pages:
                for key in ("/Metadata", "/PieceInfo"):
                    if key in page.obj:
                        del page.obj[key]
            out = io.BytesIO()
            # A new document id, not the one its author's software made.
            pdf.save(out, deterministic_id=False, static_id=False, fix_metadata_version=False)
            return out.getvalue()
    except pikepdf.PdfError:
        raise _refuse(N_("{name}: the PDF could not be read"), name) from None


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def clean(name: str, data: bytes, *, number: int, max_bytes: int) -> Clean:
    """One attachment stripped, or InvalidInput naming it and what is wrong."""
    shown = name or str(number)
    if len(data) > max_bytes:
        raise _refuse(
            N_("{name}: the file is larger than the {limit} MB accepted"),
            shown,
            limit=max(1, max_bytes // (1024 * 1024)),
        )
    kind = sniff(data)
    if kind is None:
        raise _refuse(
            N_("{name}: only photos (JPEG, PNG, WebP) and PDF documents are accepted"), shown
        )
    extension = _extension(name)
    if extension and extension not in _EXTENSIONS[kind]:
        raise _refuse(N_("{name}: the file's content is not what its name says"), shown)
    stripped = _pdf(data, shown) if kind == "pdf" else _image(data, kind, shown)
    suffix = "jpg" if kind == "jpeg" else kind
    return Clean(name=f"attachment-{number}.{suffix}", content_type=_TYPES[kind], data=stripped)
