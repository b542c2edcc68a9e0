"""Tables for resolved identities: scored pairs, the markings of their evidence, decisions.

A pair is derived data: a judgement on two entities as someone saw them. MARKINGS.md asks
derived data to be computed per actor, so a stored pair belongs to one account (`owner`):
the engine's judgement made by that account's run, and that account's own decisions. It is
keyed by the two ids, the owner *and* its scope — the set of markings of the statements it
was judged on (`resolution_evidence`, digested into `scope`).

Rows shared by readers who saw the same statements were the flaw this replaces: whether
another account's run had judged exactly a reader's view depended on what that account saw,
so a statement the reader may not see decided whether the reader saw the merge. Now nothing
another account runs or decides reaches a reader's lists or merges; a colleague who wants a
reader to look at a pair assigns it, and the pair is scored anew on the reader's own view
(`resolve.notices.assign_pair`).

A pair is shown to its owner, and its merge applied, only while its scope is exactly the
markings of the statements of both entities the owner may see
(`resolve.store.visible_pairs_clause`): a judgement made on evidence the owner may no longer
see (a group left, a statement purged) is, for them, no merge at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow

# Schemata whose entities are people or organisations: what resolution compares.
RESOLVABLE = ("Person", "Organization", "Company", "LegalEntity", "PublicBody")

# What a pair's judgement may be. "auto" is the engine's merge (score at or above the merge
# threshold), "pending" the engine's uncertain band waiting for an analyst; the other three
# are an analyst's, and the engine never overwrites them on a later run.
AUTO = "auto"
PENDING = "pending"
MATCH = "match"
NO_MATCH = "no_match"
UNSURE = "unsure"
JUDGEMENTS = (AUTO, PENDING, MATCH, NO_MATCH, UNSURE)
MERGED = (AUTO, MATCH)
ANALYST = (MATCH, NO_MATCH, UNSURE)
# The reason of a pending pair an earlier run merged and the latest run no longer does: it
# stays in the owner's queue, whatever later runs score, until an analyst decides it.
NO_LONGER_MERGED = "no_longer_merged"


def scope_key(marking_ids: Iterable[int]) -> str:
    """The digest of a set of marking ids: which view of two entities a pair was judged on."""
    text = ",".join(str(m) for m in sorted(set(marking_ids)))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class ResolutionPair(Base):
    """Two entities scored as possibly one, by and for one account, on its view of them;
    `left_id` sorts first."""

    __tablename__ = "resolution_pairs"
    __table_args__ = (
        UniqueConstraint(
            "left_id", "right_id", "owner", "scope", name="uq_resolution_pair_owner_scope"
        ),
        Index("ix_resolution_pairs_owner", "owner"),
        Index("ix_resolution_pairs_right", "right_id"),
        Index("ix_resolution_pairs_judgement", "judgement"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    left_id: Mapped[str] = mapped_column(String(128))
    right_id: Mapped[str] = mapped_column(String(128))
    # The account whose run or assignment made the row, the only one who sees it.
    owner: Mapped[str] = mapped_column(String(64))
    # scope_key of the pair's evidence markings.
    scope: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    # JSON list of the engine's per-feature contributions (resolve.engine explanation).
    explanation: Mapped[str] = mapped_column(Text, default="[]")
    judgement: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Who asked the owner to review it: a run keeps an assigned pair whatever its score.
    assigned_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResolutionEvidence(Base):
    """A marking of a statement the pair was judged on."""

    __tablename__ = "resolution_evidence"

    pair_id: Mapped[int] = mapped_column(
        ForeignKey("resolution_pairs.id", ondelete="CASCADE"), primary_key=True
    )
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), primary_key=True)


class ResolutionDecision(Base):
    """One analyst decision on a pair, kept so that every decision can be read back and undone."""

    __tablename__ = "resolution_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(
        ForeignKey("resolution_pairs.id", ondelete="CASCADE"), index=True
    )
    previous: Mapped[str] = mapped_column(String(16))
    judgement: Mapped[str] = mapped_column(String(16))
    username: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
