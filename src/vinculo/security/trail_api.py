"""REST routes for auditors: the audit trail, its signed export, the dissemination record.

Each route checks the auditor role in the service; every query is itself audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from vinculo.security import trail
from vinculo.security.schemas import AuditList, DisseminationList
from vinculo.web.deps import ApiActor, SessionDep, SettingsDep

router = APIRouter(tags=["audit"])
Limit = Annotated[int, Query(ge=1, le=1000)]
Text = Annotated[str | None, Query(max_length=200)]
When = Annotated[
    str | None,
    Query(max_length=40, description="YYYY-MM-DD or an ISO date-time, UTC unless it says"),
]
Actions = Annotated[
    str | None,
    Query(
        max_length=400,
        description="Actions, comma-separated; `seen` = read, list, search, disseminate",
    ),
]
SIGNATURE_HEADER = "X-Vinculo-Signature"


@router.get("/audit", response_model=AuditList)
def audit(
    session: SessionDep,
    actor: ApiActor,
    actor_name: Annotated[str | None, Query(alias="actor", max_length=64)] = None,
    target: Text = None,
    item: Annotated[
        str | None, Query(max_length=200, description="Rows naming this item id")
    ] = None,
    action: Actions = None,
    since: When = None,
    until: When = None,
    cursor: str | None = None,
    limit: Limit = 100,
) -> AuditList:
    """Audit rows, newest first: ids, times, actors and actions — never content."""
    query = trail.AuditQuery.parse(
        actor=actor_name, target=target, item=item, action=action, since=since, until=until
    )
    return trail.query_audit(session=session, actor=actor, query=query, cursor=cursor, limit=limit)


@router.get("/audit/who-saw/{item_id}", response_model=AuditList)
def who_saw(
    item_id: str,
    session: SessionDep,
    actor: ApiActor,
    cursor: str | None = None,
    limit: Limit = 100,
) -> AuditList:
    """Every read, list, search or dissemination that returned this item id."""
    return trail.query_audit(
        session=session, actor=actor, query=trail.who_saw(item_id), cursor=cursor, limit=limit
    )


@router.get("/audit/seen-by/{username}", response_model=AuditList)
def seen_by(
    username: str,
    session: SessionDep,
    actor: ApiActor,
    since: When = None,
    until: When = None,
    cursor: str | None = None,
    limit: Limit = 100,
) -> AuditList:
    """What an account received (read, list, search, disseminate); by default the last 7 days."""
    query = trail.seen_by(
        username,
        since=trail.parse_when(since, field="since"),
        until=trail.parse_when(until, field="until", end_of_day=True),
    )
    return trail.query_audit(session=session, actor=actor, query=query, cursor=cursor, limit=limit)


@router.get(
    "/audit/export",
    response_class=Response,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def export(
    session: SessionDep,
    settings: SettingsDep,
    actor: ApiActor,
    actor_name: Annotated[str | None, Query(alias="actor", max_length=64)] = None,
    target: Text = None,
    item: Text = None,
    action: Actions = None,
    since: When = None,
    until: When = None,
    limit: Annotated[int, Query(ge=1, le=trail.MAX_EXPORT)] = trail.MAX_EXPORT,
) -> Response:
    """The selected rows as JSON lines, oldest first, signed with HMAC-SHA256: the last line
    and the X-Vinculo-Signature header carry the signature of every byte before that line."""
    query = trail.AuditQuery.parse(
        actor=actor_name, target=target, item=item, action=action, since=since, until=until
    )
    signed = trail.export_audit(
        session=session, actor=actor, secret=settings.secret_key, query=query, limit=limit
    )
    return export_response(signed)


def export_response(signed: trail.SignedExport) -> Response:
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    return Response(
        signed.body,
        media_type="application/x-ndjson",
        headers={
            SIGNATURE_HEADER: f"hmac-sha256={signed.signature}",
            "Content-Disposition": f'attachment; filename="vinculo-audit-{stamp}.jsonl"',
        },
    )


@router.get("/disseminations", response_model=DisseminationList)
def disseminations(
    session: SessionDep,
    actor: ApiActor,
    sender: Annotated[str | None, Query(max_length=64)] = None,
    recipient: Text = None,
    item: Text = None,
    since: When = None,
    until: When = None,
    cursor: str | None = None,
    limit: Limit = 100,
) -> DisseminationList:
    """The dissemination record (28 CFR 23.20(f)): who received which items, why and when."""
    return trail.list_disseminations(
        session=session,
        actor=actor,
        sender=sender,
        recipient=recipient,
        item=item,
        since=trail.parse_when(since, field="since"),
        until=trail.parse_when(until, field="until", end_of_day=True),
        cursor=cursor,
        limit=limit,
    )
