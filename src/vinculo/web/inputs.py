"""JSON a request carries, checked once for every route before any handler parses it again.

JSON may spell a UTF-16 surrogate on its own (`"\\ud800"`); Python's `json` turns it into a
string that no UTF-8 database, hash or file can take, and that failed deep in a handler (a
500). JSON nested a hundred thousand deep exhausts the parser's stack (RecursionError, a 500
too). Both can come in a JSON body, in a form field holding JSON (the import's `markings`)
and in an uploaded JSON-lines file. One application-wide dependency finds them and answers a
422 naming the field, before anything is stored: no route can forget it.
"""

from __future__ import annotations

import json
import re
from typing import IO, Any

from fastapi import Request
from starlette.datastructures import UploadFile

from vinculo.errors import InvalidInput
from vinculo.i18n import N_

# A JSON escape of a surrogate code unit, preceded by an even number of backslashes (an odd
# run ends in the escape's own backslash): only its presence makes the exact check worth it.
_SURROGATE_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_CHUNK = 1024 * 1024
_DEEP_BRACKETS = 500
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

LONE_SURROGATE = N_(
    "the text holds an unpaired surrogate escape (\\ud800 to \\udfff), which is not a "
    "character; send the text as it is, in UTF-8"
)
TOO_DEEP = N_("the JSON is nested too deeply")


def printable_field(part: object) -> str:
    """A path part as it can be shown and stored: a surrogate written as its escape."""
    return str(part).encode("utf-8", "backslashreplace").decode("utf-8")


def _is_lone(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def find_lone_surrogate(data: Any) -> list[str] | None:
    """The path to the first string (or key) holding a lone surrogate, or None.

    Iterative, so that JSON as deep as the parser allows cannot exhaust the stack here.
    """
    stack: list[tuple[Any, list[str]]] = [(data, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if _is_lone(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                if _is_lone(str(key)):
                    return [*path, printable_field(key)]
                stack.append((item, [*path, str(key)]))
        elif isinstance(value, list):
            stack.extend((item, [*path, str(index)]) for index, item in enumerate(value))
    return None


def _joined(prefix: str, path: list[str]) -> str:
    return ".".join(part for part in [prefix, *path] if part)


def check_json_text(text: str | bytes, *, field: str, line: int | None = None) -> None:
    """Refuse JSON text holding a lone surrogate or nested too deeply; text that is not JSON
    passes (whoever parses it names that error)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    # Deeper than the parser goes needs that many brackets: most texts are never parsed here.
    deep_candidate = raw.count(b"[") + raw.count(b"{") >= _DEEP_BRACKETS
    if not (deep_candidate or _SURROGATE_ESCAPE.search(raw)):
        return
    try:
        data = json.loads(raw)
    except RecursionError:
        raise InvalidInput(TOO_DEEP, field=field, line=line) from None
    except ValueError:
        return
    path = find_lone_surrogate(data)
    if path is not None:
        raise InvalidInput(LONE_SURROGATE, field=_joined(field, path), line=line)


def _has_surrogate_escape(handle: IO[bytes]) -> bool:
    """Whether the file spells a surrogate escape anywhere (read in chunks, then rewound)."""
    tail = b""
    try:
        while chunk := handle.read(_CHUNK):
            if _SURROGATE_ESCAPE.search(tail + chunk):
                return True
            tail = chunk[-16:]
        return False
    finally:
        handle.seek(0)


def check_upload(upload: UploadFile, *, field: str) -> None:
    """Refuse an uploaded JSON-lines file whose line holds a lone surrogate, naming the file,
    the line and the property path; most files never get past the quick scan."""
    handle = upload.file
    if not _has_surrogate_escape(handle):
        return
    name = printable_field(upload.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    try:
        for number, raw in enumerate(handle, start=1):
            if not _SURROGATE_ESCAPE.search(raw):
                continue
            try:
                check_json_text(raw, field="", line=number)
            except InvalidInput as error:
                if error.message != LONE_SURROGATE:
                    continue  # nesting in a line: the importer names it
                raise InvalidInput(
                    LONE_SURROGATE, field=error.field or field, line=number, file=name
                ) from None
    finally:
        handle.seek(0)


async def check_input(request: Request) -> None:
    """The application-wide check of every JSON a request carries (see the module doc)."""
    if request.method in _SAFE_METHODS:
        return
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type.endswith(("/json", "+json")):
        # Read once; Starlette caches the body for the handler.
        check_json_text(await request.body(), field="")
    elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        # FastAPI has parsed the form already when the route takes form fields; cached.
        for name, value in (await request.form()).multi_items():
            if isinstance(value, str):
                check_json_text(value, field=printable_field(name))
            else:
                check_upload(value, field=printable_field(name))
