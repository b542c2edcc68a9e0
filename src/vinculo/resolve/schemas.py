"""Pydantic shapes for resolution: pairs, decisions, runs and screening."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from vinculo.intel.schemas import EntityIn


class Feature(BaseModel):
    """One comparison of the engine and what it contributed to a score."""

    feature: str
    level: str = ""
    outcome: str = ""
    weight: float | None = None
    bayes_factor: float | None = None

    model_config = {"extra": "allow"}


class PairSummaryRead(BaseModel):
    id: int
    left_id: str
    right_id: str
    left_caption: str
    right_caption: str
    schema_: str = Field(alias="schema")
    score: float
    judgement: str

    model_config = {"populate_by_name": True}


class PairList(BaseModel):
    items: list[PairSummaryRead]
    next_cursor: str | None = None


class ProfileRead(BaseModel):
    id: str
    schema_: str = Field(alias="schema")
    caption: str
    properties: dict[str, list[str]]

    model_config = {"populate_by_name": True}


class DecisionRead(BaseModel):
    previous: str
    judgement: str
    username: str | None
    reason: str
    decided_at: datetime


class PairRead(BaseModel):
    id: int
    score: float
    judgement: str
    decided_by: str | None
    reason: str
    left: ProfileRead
    right: ProfileRead
    features: list[dict[str, Any]]
    decisions: list[DecisionRead]


class DecisionIn(BaseModel):
    judgement: Literal["match", "no_match", "unsure"]
    reason: str = Field(min_length=1, max_length=2000)


class SplitIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class DecidedRead(BaseModel):
    id: int
    judgement: str
    decided_by: str | None
    reason: str


class RunRead(BaseModel):
    entities: int
    merged: int
    queued: int
    kept: int
    dropped: int


class MatchIn(BaseModel):
    """An FtM entity to screen, in the spirit of the yente match API."""

    entity: EntityIn
    limit: int = Field(default=10, ge=1, le=100)
    # None: the deployment's `screening_threshold`.
    threshold: float | None = Field(default=None, ge=0, le=1)


class MatchResult(BaseModel):
    id: str
    schema_: str = Field(alias="schema")
    caption: str
    score: float
    match: bool
    features: list[dict[str, Any]]

    model_config = {"populate_by_name": True}


class MatchRead(BaseModel):
    results: list[MatchResult]
    total: int
    threshold: float
