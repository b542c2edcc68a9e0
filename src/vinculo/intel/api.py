"""REST routes for reports, entities, import and search. Thin: each calls one service."""

from __future__ import annotations

import io
import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile

from vinculo.errors import InvalidInput
from vinculo.i18n import N_
from vinculo.intel import search as search_service
from vinculo.intel import service
from vinculo.intel.schemas import (
    EntityList,
    EntityRead,
    EntitySummary,
    ImportSummary,
    MarkingsIn,
    ReportCreate,
    ReportList,
    ReportRead,
    SearchResults,
    StatementRead,
)
from vinculo.intel.transfer import import_ftm
from vinculo.security.policy import markings_by_id
from vinculo.web.deps import ApiActor, SessionDep, WriteActor

router = APIRouter()
Limit = Annotated[int, Query(ge=1, le=200)]


def upload_name(name: str | None) -> str:
    """An uploaded file's name as messages show it and the audit trail keeps it: its last
    part, printable characters only. Never a path: nothing opens a file by this name."""
    last = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    last = "".join(c for c in last if c.isprintable()).strip()[:200]
    return last if last.strip(".") else "upload"


@router.get("/reports", response_model=ReportList, tags=["reports"])
def list_reports(
    session: SessionDep, actor: ApiActor, cursor: str | None = None, limit: Limit = 25
) -> ReportList:
    return service.list_reports_read(session=session, actor=actor, cursor=cursor, limit=limit)


@router.post("/reports", response_model=ReportRead, status_code=201, tags=["reports"])
def create_report(report_in: ReportCreate, session: SessionDep, actor: WriteActor) -> ReportRead:
    report = service.create_report(session=session, actor=actor, report_in=report_in)
    marks = markings_by_id(session=session, ids={report.marking_id})
    return service.report_read(session=session, report=report, markings=marks[report.marking_id])


@router.get("/reports/{report_id}", response_model=ReportRead, tags=["reports"])
def get_report(report_id: str, session: SessionDep, actor: ApiActor) -> ReportRead:
    report = service.get_report(session=session, actor=actor, report_id=report_id)
    marks = markings_by_id(session=session, ids={report.marking_id})
    return service.report_read(session=session, report=report, markings=marks[report.marking_id])


@router.get("/entities", response_model=EntityList, tags=["entities"])
def list_entities(
    session: SessionDep,
    actor: ApiActor,
    q: str | None = None,
    cursor: str | None = None,
    limit: Limit = 25,
) -> EntityList:
    if q:
        found = search_service.search(
            session=session, actor=actor, q=q, kind="entities", cursor=cursor, limit=limit
        )
        items = [
            EntitySummary(id=h.id, schema_=h.schema_ or "", caption=h.title) for h in found.items
        ]
        return EntityList(items=items, next_cursor=found.next_cursor)
    return service.list_entities(session=session, actor=actor, cursor=cursor, limit=limit)


@router.get("/entities/{entity_id}", response_model=EntityRead, tags=["entities"])
def get_entity(entity_id: str, session: SessionDep, actor: ApiActor) -> EntityRead:
    view = service.get_entity(session=session, actor=actor, entity_id=entity_id)
    statements = [
        StatementRead(
            id=s.row.id,
            prop=s.row.prop,
            value=s.row.value,
            lang=s.row.lang,
            source=s.row.dataset,
            report_id=s.row.report_id,
            markings=service.markings_read(s.markings),
            first_seen=s.row.first_seen,
            last_seen=s.row.last_seen,
        )
        for s in view.statements
    ]
    entity = view.entity
    return EntityRead(
        id=entity_id,
        schema_=entity.schema.name,
        caption=entity.caption,
        properties={p: sorted(v) for p, v in entity.properties.items()},
        statements=statements,
    )


@router.post("/entities/import", response_model=ImportSummary, tags=["entities"])
def import_entities(
    session: SessionDep,
    actor: WriteActor,
    file: Annotated[UploadFile, File(description="FtM JSON lines, one entity per line")],
    source: Annotated[str, Form(description="Name of the source, e.g. the file's origin")],
    markings: Annotated[
        str, Form(description='Markings for the whole file as JSON, e.g. {"tlp": "GREEN"}')
    ],
) -> ImportSummary:
    """Store every entity of the file under one source and one set of markings, or none."""
    try:
        markings_in = MarkingsIn.model_validate(json.loads(markings))
    except ValueError:
        raise InvalidInput(
            N_("markings must be a JSON object with a tlp"), field="markings"
        ) from None
    text = io.TextIOWrapper(file.file, encoding="utf-8", errors="strict")
    try:
        return import_ftm(
            session=session,
            actor=actor,
            lines=text,
            file_name=upload_name(file.filename),
            source=source,
            markings_in=markings_in,
        )
    except UnicodeDecodeError:
        raise InvalidInput(N_("the file is not UTF-8 text"), field="file") from None


@router.get("/search", response_model=SearchResults, tags=["search"])
def search(
    session: SessionDep,
    actor: ApiActor,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    kind: Annotated[str, Query(pattern="^(all|reports|entities)$")] = "all",
    cursor: str | None = None,
    limit: Limit = 20,
) -> SearchResults:
    return search_service.search(
        session=session, actor=actor, q=q, kind=kind, cursor=cursor, limit=limit
    )
