"""The one door for deleting what intel holds: statements, the report they came from, and the
entities they leave with no statement at all.

Every deletion passes here — a supervisor's purge (intel.retention), a partner's withdrawal
or a newer version that no longer says something (exchange.ingest) — and each runs the same
purge hooks afterwards, so whatever another domain derived from the deleted statements (a
resolution pair judged on them, a published version that carried them) goes with them in
the same transaction. The hooks are wired once, where the app is assembled
(`vinculo.hooks.wire_hooks`), or on the first deletion where the command line deferred that
(vinculo.wiring); intel imports none of the domains that register them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from vinculo import wiring
from vinculo.intel.models import Entity, Report, ReportReview, StatementRow

# Bound the number of bound parameters per statement (SQLite's limit).
CHUNK = 500


@dataclass(frozen=True)
class Purged:
    """What one deletion took away, handed to each hook so derived data goes with it."""

    # The purged or withdrawn report; "" when statements went without a report (a partner's
    # withdrawn or replaced version of an entity).
    report_id: str
    entity_ids: list[str]  # every entity that lost a statement
    entities_deleted: list[str]  # of those, the ones left with no statement at all
    # The markings of the deleted statements: a judgement made on evidence under these
    # markings was made (in part) on what is deleted.
    marking_ids: list[int] = field(default_factory=list)
    # (entity id, marking id) of every deleted statement: which view of which entity lost a
    # statement, so a hook drops only what was judged on a deleted statement — never on the
    # strength of one a reader of it may not see (another entity's, under another marking).
    statements: list[tuple[str, int]] = field(default_factory=list)


PurgeHook = Callable[[Session, Purged], None]


class PurgeHooks(wiring.Hooks[PurgeHook]):
    """The functions that delete what other domains derived from deleted statements
    (identity resolution's pairs, the exchange's published versions …), in wiring order."""

    def __init__(self) -> None:
        # A deletion with no hooks would leave a merge standing on evidence that is gone:
        # refused outright rather than done half.
        super().__init__(
            unwired="the purge hooks are not wired: call vinculo.hooks.wire_hooks() where the "
            "app is assembled before anything is deleted"
        )

    def run(self, session: Session, purged: Purged) -> None:
        for hook in self.hooks:
            hook(session, purged)


PURGE_HOOKS = PurgeHooks()


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _delete_orphans(session: Session, entity_ids: Sequence[str]) -> list[str]:
    """Delete those of `entity_ids` left with no statement; their ids, sorted."""
    deleted: list[str] = []
    has_statements = exists().where(StatementRow.entity_id == Entity.id)
    for part in _chunks(sorted(set(entity_ids))):
        orphans = list(
            session.execute(select(Entity.id).where(Entity.id.in_(part), ~has_statements)).scalars()
        )
        if orphans:
            session.execute(delete(Entity).where(Entity.id.in_(orphans)))
            deleted.extend(orphans)
    return sorted(deleted)


def delete_report(*, session: Session, report_id: str) -> Purged:
    """Delete a report, its statements (their full-text entries with them), its reviews and
    the entities it leaves with no statement; then run every purge hook."""
    entity_ids = list(
        session.execute(
            select(StatementRow.entity_id)
            .where(StatementRow.report_id == report_id)
            .distinct()
            .order_by(StatementRow.entity_id)
        ).scalars()
    )
    statements = [
        (row.entity_id, row.marking_id)
        for row in session.execute(
            select(StatementRow.entity_id, StatementRow.marking_id)
            .where(StatementRow.report_id == report_id)
            .distinct()
            .order_by(StatementRow.entity_id, StatementRow.marking_id)
        )
    ]
    # Row by row deletes fire the full-text triggers on SQLite; PostgreSQL indexes follow.
    session.execute(delete(StatementRow).where(StatementRow.report_id == report_id))
    session.execute(delete(ReportReview).where(ReportReview.report_id == report_id))
    session.execute(delete(Report).where(Report.id == report_id))
    purged = Purged(
        report_id=report_id,
        entity_ids=entity_ids,
        entities_deleted=_delete_orphans(session, entity_ids),
        marking_ids=sorted({marking_id for _entity_id, marking_id in statements}),
        statements=statements,
    )
    PURGE_HOOKS.run(session, purged)
    return purged


def delete_statements(
    *, session: Session, statement_ids: Sequence[str], entity_ids: Sequence[str] = ()
) -> Purged:
    """Delete these statements and, of `entity_ids`, the entities left with no statement;
    then run every purge hook. Nothing deleted, no hook runs."""
    ids = sorted(set(statement_ids))
    statements: set[tuple[str, int]] = set()
    for part in _chunks(ids):
        statements.update(
            (row.entity_id, row.marking_id)
            for row in session.execute(
                select(StatementRow.entity_id, StatementRow.marking_id).where(
                    StatementRow.id.in_(part)
                )
            )
        )
        session.execute(delete(StatementRow).where(StatementRow.id.in_(part)))
    deleted = _delete_orphans(session, entity_ids)
    purged = Purged(
        report_id="",
        entity_ids=sorted({entity_id for entity_id, _marking_id in statements} | set(deleted)),
        entities_deleted=deleted,
        marking_ids=sorted({marking_id for _entity_id, marking_id in statements}),
        statements=sorted(statements),
    )
    if purged.statements or purged.entities_deleted:
        PURGE_HOOKS.run(session, purged)
    return purged
