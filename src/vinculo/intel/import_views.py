"""The import page: an FtM JSON-lines file, the markings every line of it gets, and what
became of each line, in the reader's language.

The upload is streamed to a temporary file (Starlette spools it: a big file never sits in
memory) and read twice, a line at a time. The first pass checks every line as the import
does and lists each refused one with its line, field and reason; the second stores the file
through `transfer.import_ftm`, in the request's one transaction. So a file is stored whole
or not at all, as the API's import: with a refused line nothing is stored, unless the
analyst asked to store the good lines and leave the bad ones out — and even then a failure
while storing rolls all of it back. The page shows the upload's progress in the browser
(frontend/import.js), then the server's own (web/progress.py): the form carries a random key,
both passes report their lines under it, and the page polls `/import/progress/{key}` until
the answer comes, with the counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from followthemoney import model, registry

from vinculo import vocab
from vinculo.errors import Forbidden, InvalidInput, VinculoError
from vinculo.i18n import N_, gettext
from vinculo.intel.api import upload_name
from vinculo.intel.ftm import Where
from vinculo.intel.schemas import ImportSummary, MarkingsIn
from vinculo.intel.transfer import check_line, import_ftm
from vinculo.security.audit import record
from vinculo.security.markings import TLP, Actor, Markings
from vinculo.security.models import Group
from vinculo.security.roles import Permission, allowed
from vinculo.web.deps import SESSION_KEY, PageActor, SessionDep, sign_in_first
from vinculo.web.progress import board_of, new_key
from vinculo.web.templating import ftm_label, prop_label, render

router = APIRouter(include_in_schema=False)

SHOWN_REJECTS = 200  # refused lines listed on the page; the count says how many in all
EXCERPT = 120  # characters of a refused line shown beside it
PROGRESS_EVERY = 200  # lines between two reports of progress (each takes a lock)

Counter = Callable[[int, int], None]  # (lines read, bytes read) so far


@dataclass
class ImportForm:
    """The form as sent, so it comes back filled in."""

    source: str = ""
    tlp: str = TLP.AMBER.value
    rel_to: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    orcon: bool = False
    skip_bad: bool = False
    # Names this upload's progress (web/progress.py); a new one for every form drawn.
    progress_key: str = field(default_factory=new_key)


@dataclass(frozen=True)
class Reject:
    """One refused line: where, which field, why — in the reader's language."""

    line: int | None
    field: str
    reason: str
    excerpt: str


@dataclass
class Outcome:
    file_name: str
    lines: int = 0
    checked: int = 0
    rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    summary: ImportSummary | None = None
    stored: bool = False


def _field_label(error: VinculoError, schema_name: str | None, locale: str) -> str:
    """The field of a refusal as a reader names it: a property's label, not its code."""
    name = error.field or ""
    if name.startswith("properties.") and schema_name:
        prop = name.removeprefix("properties.")
        return f"{prop_label(prop, schema_name, locale)} ({prop})"
    labels = {
        "schema": N_("schema"),
        "id": N_("entity id"),
        "properties": N_("properties"),
        "entity": N_("entity"),
        "line": N_("the whole line"),
        "file": N_("file"),
        "source": N_("source"),
    }
    label = labels.get(name)
    return gettext(locale, label) if label else name


def _reason(error: VinculoError, locale: str) -> str:
    """The refusal's message in the reader's language, with an FtM type named in it too."""
    params = dict(error.params)
    kind = params.get("type")
    prop_type = registry.get(kind) if isinstance(kind, str) else None
    if prop_type is not None:
        params["type"] = ftm_label(prop_type.label, locale).lower()
    schema_name = params.get("schema")
    schema = model.get(schema_name) if isinstance(schema_name, str) else None
    if schema is not None:
        params["schema"] = ftm_label(schema._label, locale)
    return gettext(locale, error.message, **params)


def _schema_of(raw: str) -> str | None:
    try:
        data: Any = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    schema = data.get("schema") if isinstance(data, dict) else None
    return schema if isinstance(schema, str) else None


def _reject(error: VinculoError, raw: str, locale: str, line: int | None) -> Reject:
    excerpt = raw.strip()
    if len(excerpt) > EXCERPT:
        excerpt = excerpt[:EXCERPT] + "…"
    return Reject(
        line=error.line if error.line is not None else line,
        field=_field_label(error, _schema_of(raw), locale),
        reason=_reason(error, locale),
        excerpt=excerpt,
    )


def _lines(handle: BinaryIO, counter: Counter | None = None) -> Iterator[str]:
    """The file's lines as text, from the start (UnicodeDecodeError at a line not UTF-8),
    telling `counter` how far the reading has got every PROGRESS_EVERY lines and at the end."""
    handle.seek(0)
    number = read = 0
    for chunk in handle:
        number += 1
        read += len(chunk)
        if counter is not None and number % PROGRESS_EVERY == 0:
            counter(number, read)
        yield chunk.decode("utf-8")
    if counter is not None:
        counter(number, read)


def check_file(
    handle: BinaryIO, file_name: str, locale: str, counter: Counter | None = None
) -> Outcome:
    """Every line checked as the import checks it; nothing stored."""
    outcome = Outcome(file_name=file_name)
    number = 0
    try:
        for number, raw in enumerate(_lines(handle, counter), start=1):
            outcome.lines = number
            if not raw.strip():
                continue
            try:
                check_line(raw, Where(file=file_name, line=number))
            except InvalidInput as error:
                outcome.rejected += 1
                if len(outcome.rejects) < SHOWN_REJECTS:
                    outcome.rejects.append(_reject(error, raw, locale, number))
                continue
            outcome.checked += 1
    except UnicodeDecodeError:
        refusal = InvalidInput(N_("the file is not UTF-8 text"), field="file", line=number + 1)
        outcome.rejected += 1
        outcome.rejects.append(_reject(refusal, "", locale, number + 1))
    return outcome


def _markings_in(form: ImportForm, actor: Actor) -> MarkingsIn:
    rel_to = sorted(set(form.rel_to) | ({actor.nation} if actor.nation else set()))
    return MarkingsIn(tlp=form.tlp, rel_to=rel_to, orcon=form.orcon, groups=form.groups)


def _preview(form: ImportForm, actor: Actor) -> Markings | None:
    """The markings the file would get, for the banner shown before importing."""
    if not actor.agency:
        return None
    try:
        markings_in = _markings_in(form, actor)
        return Markings.create(
            tlp=markings_in.tlp,
            originator=actor.agency,
            rel_to=markings_in.rel_to,
            orcon=markings_in.orcon,
            groups=markings_in.groups,
            author=actor.username,
        )
    except VinculoError:
        return None


def _page(
    request: Request,
    *,
    session: SessionDep,
    actor: Actor,
    form: ImportForm,
    outcome: Outcome | None = None,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    groups = []
    if actor.groups:
        found = {
            g.code: g.name(actor.locale)
            for g in session.query(Group).filter(Group.code.in_(sorted(actor.groups)))
        }
        groups = [(code, found.get(code, code)) for code in sorted(actor.groups)]
    return render(
        request,
        "intel/import.html",
        actor=actor,
        status_code=status_code,
        form=form,
        outcome=outcome,
        errors=errors or [],
        my_groups=groups,
        tlp_terms=[(t.code, t.label(actor.locale)) for t in vocab.load("tlp")],
        nations=[(t.code, t.label(actor.locale)) for t in vocab.nations()],
        preview=_preview(form, actor),
        may_import=bool(actor.agency) and allowed(actor, Permission.IMPORT),
    )


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _page(request, session=session, actor=actor, form=ImportForm())


@router.post("/import", response_class=HTMLResponse)
def import_file(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    file: Annotated[UploadFile | None, File()] = None,
    source: Annotated[str, Form()] = "",
    tlp: Annotated[str, Form()] = TLP.AMBER.value,
    rel_to: Annotated[list[str] | None, Form()] = None,
    groups: Annotated[list[str] | None, Form()] = None,
    orcon: Annotated[str, Form()] = "",
    skip_bad: Annotated[str, Form()] = "",
    progress_key: Annotated[str, Form()] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    locale = actor.locale
    form = ImportForm(
        source=source.strip(),
        tlp=tlp,
        rel_to=list(rel_to or []),
        groups=list(groups or []),
        orcon=bool(orcon),
        skip_bad=bool(skip_bad),
    )
    if file is None or not file.filename:
        problem = gettext(locale, N_("choose a file of FtM JSON lines to import"))
        return _page(
            request,
            session=session,
            actor=actor,
            form=form,
            errors=[("file", problem)],
            status_code=422,
        )
    board = board_of(request.app.state)
    key = progress_key.strip()
    tracked = board.start(
        key, str(request.session.get(SESSION_KEY) or ""), total_bytes=_size_of(file.file)
    )

    def counter(phase: str) -> Counter | None:
        if not tracked:
            return None
        if phase == "checking":  # the first pass counts every line: the second's total
            return lambda lines, read: board.update(
                key, phase=phase, lines=lines, bytes=read, total_lines=lines
            )
        return lambda lines, read: board.update(key, phase=phase, lines=lines, bytes=read)

    try:
        outcome, status, refused = _check_and_store(
            session=session, actor=actor, form=form, file=file, counter=counter
        )
    finally:
        if tracked:
            board.update(key, phase="done")
    if refused is not None:
        return _page(
            request,
            session=session,
            actor=actor,
            form=form,
            errors=[refused],
            status_code=status,
        )
    return _page(
        request,
        session=session,
        actor=actor,
        form=form,
        outcome=outcome,
        status_code=status,
    )


def _check_and_store(
    *,
    session: SessionDep,
    actor: Actor,
    form: ImportForm,
    file: UploadFile,
    counter: Callable[[str], Counter | None],
) -> tuple[Outcome, int, tuple[str, str] | None]:
    """Both passes over the file: the outcome, the answer's status, and the form field a
    refusal of the whole file belongs to (with its message), if it was refused so."""
    locale = actor.locale
    file_name = upload_name(file.filename or "")
    source_name = form.source or file_name
    outcome = check_file(file.file, file_name, locale, counter("checking"))
    status = 200
    if outcome.rejected and not form.skip_bad:
        return outcome, 422, None  # nothing stored: the page lists every refused line
    try:
        outcome.summary = import_ftm(
            session=session,
            actor=actor,
            lines=_lines(file.file, counter("storing")),
            file_name=file_name,
            source=source_name,
            markings_in=_markings_in(form, actor),
            skip_bad=True,
        )
        outcome.stored = True
    except (InvalidInput, Forbidden) as error:
        # Refused while storing (the markings, or a line the store refuses): nothing of
        # the file is kept; only the attempt goes on the audit chain.
        session.rollback()
        status = 403 if isinstance(error, Forbidden) else 422
        record(
            session=session,
            actor=actor,
            action="refused",
            kind="import",
            target=source_name[:200],
            outcome=str(status),
            detail={"file": file_name, "field": error.field},
        )
        if error.line is None:
            field_name = (error.field or "").removeprefix("markings.")
            return outcome, status, (field_name, error.detail(locale))
        outcome.rejected += 1
        outcome.rejects.insert(0, _reject(error, "", locale, error.line))
    except UnicodeDecodeError:
        session.rollback()
        status = 422
    return outcome, status, None


def _size_of(handle: BinaryIO) -> int:
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(0)
    return size


@router.get("/import/progress/{key}")
async def import_progress(request: Request, key: str) -> Response:
    """How far this session's import under `key` has got: its phase, lines and bytes. It
    reads no database (an import on SQLite holds the write lock this would wait for); a key
    of another session answers as a missing one."""
    owner = str(request.session.get(SESSION_KEY) or "")
    if not owner:
        # Not signed in: refused as every page refuses a visitor (it has nothing to ask of).
        return JSONResponse({"phase": "unknown"}, status_code=403)
    found = board_of(request.app.state).read(key, owner)
    if found is None:
        return JSONResponse({"phase": "unknown"}, status_code=404)
    return JSONResponse(found, headers={"Cache-Control": "no-store"})
