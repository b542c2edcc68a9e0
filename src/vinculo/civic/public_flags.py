"""Civic submissions as a kind of item flagged for the transparency portal's public tables.

Assistance keeps the flags and builds the tables (assistance/public.py) but sits below the
civic channel, so the channel hands it this kind; vinculo.hooks wires it when the app is
assembled. A submission counts by its category, state and the month it was received, never
by a word of it; spam never counts.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.assistance.public import UNKNOWN, Facets, FlagKind, register_kind
from vinculo.assistance.public_models import PublicFlag
from vinculo.civic.models import CivicSubmission
from vinculo.errors import InvalidInput
from vinculo.i18n import N_
from vinculo.security.roles import Permission

SUBMISSION = "submission"


def submission_facets(session: Session, visible: list[int], ids: Sequence[str]) -> Facets:
    found = session.execute(
        select(CivicSubmission).where(
            CivicSubmission.id.in_(ids), CivicSubmission.marking_id.in_(visible)
        )
    ).scalars()
    return {
        s.id: (
            {
                "category": s.category,
                "state": s.state.upper() or UNKNOWN,
                # The month it reached the channel: always known, unlike when it happened.
                "month": (s.received_on or s.pulled_at.date().isoformat())[:7],
            },
            None,
        )
        for s in found
    }


def spam_refused(session: Session, ids: Sequence[str]) -> InvalidInput | None:
    """The first of these submissions marked as spam, as the refusal to flag it."""
    spam = set(
        session.execute(
            select(CivicSubmission.id).where(
                CivicSubmission.id.in_(list(ids)), CivicSubmission.spam.is_(True)
            )
        ).scalars()
    )
    first = next((i for i in ids if i in spam), None)
    if first is None:
        return None
    # Visible to the one asking (the facets were read first), so naming it reveals nothing.
    return InvalidInput(
        N_("submission {value} is marked as spam: it cannot count in the public tables"),
        field="item_ids",
        value=first,
    )


def flagged_spam(session: Session) -> set[str]:
    """Submissions flagged before they were marked as spam: they no longer count."""
    return set(
        session.execute(
            select(CivicSubmission.id).where(
                CivicSubmission.spam.is_(True),
                CivicSubmission.id.in_(
                    select(PublicFlag.item_id).where(PublicFlag.kind == SUBMISSION)
                ),
            )
        ).scalars()
    )


def register_submissions() -> None:
    """Hand assistance's public flags the civic submissions: a triager may flag those they
    work, as a publisher may."""
    register_kind(
        SUBMISSION,
        FlagKind(
            submission_facets,
            may_flag=frozenset({Permission.PUBLISH_AGGREGATES, Permission.TRIAGE}),
            refused=spam_refused,
            not_counted=flagged_spam,
        ),
    )
