"""Assigning a pair to a colleague for review: the API route and the pair page's form."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from vinculo.errors import InvalidInput
from vinculo.resolve.notices import assign_pair
from vinculo.resolve.scoring import screen_scorer
from vinculo.web.deps import PageActor, SessionDep, SettingsDep, WriteActor

router = APIRouter(tags=["resolve"])
pages = APIRouter(include_in_schema=False)


class AssignIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)


class AssignRead(BaseModel):
    pair_id: int
    assigned_to: str


@router.post("/resolve/pairs/{pair_id}/assign", response_model=AssignRead)
def assign(
    pair_id: int,
    assign_in: AssignIn,
    session: SessionDep,
    actor: WriteActor,
    settings: SettingsDep,
) -> AssignRead:
    """Ask a colleague to review the pair's two records, scored on what they may see; they
    are notified if they may see both. A pair the caller may not see answers 404."""
    name = assign_pair(
        session=session,
        actor=actor,
        pair_id=pair_id,
        username=assign_in.username,
        scorer=screen_scorer(data_dir=settings.data_dir),
    )
    return AssignRead(pair_id=pair_id, assigned_to=name)


@pages.post("/resolve/pairs/{pair_id}/assign")
def assign_page(
    request: Request,
    pair_id: int,
    session: SessionDep,
    actor: PageActor,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if not actor.signed_in:
        target = request.url.path
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
    try:
        with session.begin_nested():
            name = assign_pair(
                session=session,
                actor=actor,
                pair_id=pair_id,
                username=username,
                scorer=screen_scorer(data_dir=settings.data_dir),
            )
    except InvalidInput as error:
        query = urlencode({"error": error.detail(actor.locale)})
        return RedirectResponse(f"/resolve/pairs/{pair_id}?{query}#assign", status_code=303)
    query = urlencode({"assigned": name})
    return RedirectResponse(f"/resolve/pairs/{pair_id}?{query}#assign", status_code=303)
