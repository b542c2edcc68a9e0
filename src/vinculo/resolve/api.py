"""REST routes for resolution: the review queue, decisions, splits, runs and screening."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from vinculo.resolve import screening, service
from vinculo.resolve.schemas import (
    DecidedRead,
    DecisionIn,
    DecisionRead,
    MatchIn,
    MatchRead,
    MatchResult,
    PairList,
    PairRead,
    PairSummaryRead,
    ProfileRead,
    RunRead,
    SplitIn,
)
from vinculo.resolve.scoring import run_resolution, screen_scorer
from vinculo.web.deps import ApiActor, SessionDep, SettingsDep, WriteActor

router = APIRouter(tags=["resolve"])


@router.get("/resolve/queue", response_model=PairList)
def queue(
    session: SessionDep,
    actor: ApiActor,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
    show: Annotated[
        Literal["queue", "merged", "rejected"],
        Query(description="queue: waiting for review; merged; rejected"),
    ] = "queue",
) -> PairList:
    """Pairs in the uncertain band or marked unsure (or, with `show`, merged or rejected)."""
    page = service.review_queue(
        session=session, actor=actor, judgements=service.LISTS[show], cursor=cursor, limit=limit
    )
    return PairList(
        items=[
            PairSummaryRead(
                id=i.id,
                left_id=i.left_id,
                right_id=i.right_id,
                left_caption=i.left_caption,
                right_caption=i.right_caption,
                schema_=i.schema,
                score=i.score,
                judgement=i.judgement,
            )
            for i in page.items
        ],
        next_cursor=page.next_cursor,
    )


@router.get("/resolve/pairs/{pair_id}", response_model=PairRead)
def pair(pair_id: int, session: SessionDep, actor: ApiActor) -> PairRead:
    """Both profiles as the actor may see them, and what the engine weighed."""
    view = service.get_pair(session=session, actor=actor, pair_id=pair_id)
    return PairRead(
        id=view.pair.id,
        score=view.pair.score,
        judgement=view.pair.judgement,
        decided_by=view.pair.decided_by,
        reason=view.pair.reason,
        left=ProfileRead(
            id=view.left.id,
            schema_=view.left.schema,
            caption=view.left.caption,
            properties=view.left.properties,
        ),
        right=ProfileRead(
            id=view.right.id,
            schema_=view.right.schema,
            caption=view.right.caption,
            properties=view.right.properties,
        ),
        features=view.features,
        decisions=[
            DecisionRead(
                previous=d.previous,
                judgement=d.judgement,
                username=d.username,
                reason=d.reason,
                decided_at=d.decided_at,
            )
            for d in view.decisions
        ],
    )


@router.post("/resolve/pairs/{pair_id}/decision", response_model=DecidedRead)
def decide(
    pair_id: int, decision_in: DecisionIn, session: SessionDep, actor: WriteActor
) -> DecidedRead:
    """Accept (match), reject (no_match) or mark unsure, with a reason; undo by deciding again."""
    pair = service.decide(
        session=session,
        actor=actor,
        pair_id=pair_id,
        judgement=decision_in.judgement,
        reason=decision_in.reason,
    )
    return DecidedRead(
        id=pair.id, judgement=pair.judgement, decided_by=pair.decided_by, reason=pair.reason
    )


@router.post("/resolve/entities/{entity_id}/split", response_model=list[DecidedRead])
def split(
    entity_id: str, split_in: SplitIn, session: SessionDep, actor: WriteActor
) -> list[DecidedRead]:
    """Take the entity out of the identity it was merged into."""
    pairs = service.split(session=session, actor=actor, entity_id=entity_id, reason=split_in.reason)
    return [
        DecidedRead(id=p.id, judgement=p.judgement, decided_by=p.decided_by, reason=p.reason)
        for p in pairs
    ]


@router.post("/resolve/run", response_model=RunRead)
def run(session: SessionDep, actor: WriteActor, settings: SettingsDep) -> RunRead:
    """Resolve what the account may read; analysts' decisions are kept and used as labels."""
    summary = run_resolution(session=session, actor=actor, settings=settings)
    return RunRead(**summary.__dict__)


@router.post("/match", response_model=MatchRead)
def match(
    match_in: MatchIn, session: SessionDep, actor: ApiActor, settings: SettingsDep
) -> MatchRead:
    """Screen one FtM entity: ranked candidates the account may see, with score and reasons."""
    entity = screening.query_entity(match_in.entity.model_dump(by_alias=True))
    cut = settings.screening_threshold if match_in.threshold is None else match_in.threshold
    found, total = screening.screen(
        session=session,
        actor=actor,
        entity=entity,
        scorer=screen_scorer(data_dir=settings.data_dir),
        limit=match_in.limit,
        threshold=cut,
    )
    return MatchRead(
        results=[
            MatchResult(
                id=str(c.entity.id),
                schema_=c.entity.schema.name,
                caption=c.entity.caption,
                score=c.score,
                match=c.score >= cut,
                features=c.explanation,
            )
            for c in found
        ],
        total=total,
        threshold=cut,
    )
