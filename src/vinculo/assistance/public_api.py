"""REST routes of the public subset: flag items for public aggregation, read the tables."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from vinculo.assistance.public import PublicAggregates, flag_items, public_aggregates
from vinculo.web.deps import ApiActor, SessionDep, WriteActor

router = APIRouter(prefix="/assistance", tags=["assistance"])


class FlagIn(BaseModel):
    kind: str = Field(max_length=16, examples=["allegation"])
    item_ids: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=500)]
    public: bool = True


class FlagResult(BaseModel):
    kind: str
    items: int
    public: bool


@router.post("/public-flags", response_model=FlagResult)
def flag(given: FlagIn, session: SessionDep, actor: WriteActor) -> FlagResult:
    count = flag_items(
        session=session,
        actor=actor,
        kind=given.kind,
        item_ids=given.item_ids,
        public=given.public,
    )
    return FlagResult(kind=given.kind, items=count, public=given.public)


@router.get("/public-aggregates", response_model=PublicAggregates)
def aggregates(session: SessionDep, actor: ApiActor) -> PublicAggregates:
    # Signed in, though the answer is the same for every reader: the public portal gets it
    # pushed by the internal node, never by reaching in.
    del actor
    return public_aggregates(session=session)
