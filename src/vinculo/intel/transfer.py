"""FtM JSON-lines import (one source and one set of markings per file) and export."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput
from vinculo.i18n import N_
from vinculo.intel.backends import backend_for
from vinculo.intel.ftm import Where, check_entity
from vinculo.intel.models import StatementRow
from vinculo.intel.schemas import ImportSummary, MarkingsIn
from vinculo.intel.service import (
    assemble_rows,
    first_visible,
    markings_from_input,
    store_entities,
    visible_statements,
)
from vinculo.security.audit import record
from vinculo.security.markings import Actor, MarkingError
from vinculo.security.policy import marking_id_for, visible_marking_ids
from vinculo.security.roles import Permission, require

Checked = tuple[str, str, list[tuple[str, str, str, str | None]]]
# The source is kept with every statement (statements.dataset holds 128 characters).
MAX_SOURCE = 128


def _parse_line(raw: str, where: Where) -> Checked:
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            N_("malformed JSON: {reason}"),
            field="line",
            line=where.line,
            file=where.file,
            reason=error.msg,
        ) from None
    except RecursionError:
        # "[[[[…" a few thousand deep exhausts the parser's stack (it was a 500).
        raise InvalidInput(
            N_("malformed JSON: {reason}"),
            field="line",
            line=where.line,
            file=where.file,
            reason="nested too deeply",
        ) from None
    return check_entity(data, where)


def check_line(raw: str, where: Where) -> Checked:
    """One line of an FtM JSON-lines file checked as the import checks it (InvalidInput
    naming the line and field when it would be refused), without storing anything."""
    return _parse_line(raw, where)


def import_ftm(
    *,
    session: Session,
    actor: Actor,
    lines: Iterable[str],
    file_name: str,
    source: str,
    markings_in: MarkingsIn,
    skip_bad: bool = False,
    rejects: TextIO | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 2000,
) -> ImportSummary:
    """Store every entity of an FtM JSON-lines file, or raise on the first bad line.

    Nothing is committed here: the caller owns the transaction, so a failure leaves nothing
    of the file behind. With `skip_bad`, bad lines go to `rejects` with their error instead.
    """
    require(actor, Permission.IMPORT)
    try:
        markings = markings_from_input(session=session, actor=actor, markings_in=markings_in)
    except MarkingError as error:
        error.field = f"markings.{error.field}"
        error.file = file_name
        raise
    if not source.strip():
        raise InvalidInput(N_("name the source of the file"), field="source", file=file_name)
    if len(source) > MAX_SOURCE:
        raise InvalidInput(
            N_("the source name may be at most {n} characters long"),
            field="source",
            file=file_name,
            n=MAX_SOURCE,
        )
    marking_id = marking_id_for(session=session, markings=markings)
    summary = ImportSummary(source=source, lines=0, entities=0, statements=0, rejected=0)
    batch: list[Checked] = []
    spots: dict[str, Where] = {}

    def flush() -> None:
        summary.statements += store_entities(
            session=session,
            actor=actor,
            entities=batch,
            source=source,
            marking_id=marking_id,
            report_id=None,
            where=spots,
        )
        summary.entities += len(batch)
        batch.clear()
        spots.clear()

    read = 0
    with backend_for(session).bulk_statements(session):
        for number, raw in enumerate(lines, start=1):
            summary.lines = number
            read += len(raw.encode("utf-8"))
            if not raw.strip():
                continue
            where = Where(file=file_name, line=number)
            try:
                checked = _parse_line(raw, where)
            except InvalidInput as error:
                if not skip_bad:
                    raise
                summary.rejected += 1
                if rejects is not None:
                    reject = {"line": number, "field": error.field, "error": error.render("en")}
                    rejects.write(json.dumps({**reject, "raw": raw.rstrip("\n")}) + "\n")
                continue
            batch.append(checked)
            spots[checked[0]] = where
            if len(batch) >= batch_size:
                flush()
                # Once a batch, not once a line: drawing the bar is not free.
                if progress is not None:
                    progress(read)
                    read = 0
        flush()
    if progress is not None:
        progress(read)
    record(
        session=session,
        actor=actor,
        action="write",
        kind="import",
        target=source,
        detail={"file": file_name, **summary.model_dump(exclude={"reject_file"})},
    )
    return summary


def export_ftm(
    *, session: Session, actor: Actor, batch_size: int = 500
) -> Iterator[dict[str, Any]]:
    """Every entity the actor may see, as FtM JSON made of its visible statements only.

    The caller records where the entities went (`security.dissemination.disseminate`).
    """
    visible = visible_marking_ids(session=session, actor=actor)
    if not visible:
        return
    last = 0
    while True:
        # In the order the actor could first see each entity (service.first_visible).
        ids = list(
            session.execute(
                select(StatementRow.seq, StatementRow.entity_id.label("id"))
                .where(first_visible(visible), StatementRow.seq > last)
                .order_by(StatementRow.seq)
                .limit(batch_size)
            )
        )
        if not ids:
            return
        last = ids[-1].seq
        found = visible_statements(session=session, entity_ids=[r.id for r in ids], visible=visible)
        for row in ids:
            rows = found.get(row.id)
            if rows:
                yield assemble_rows(rows).to_dict()
