"""What each role may do: one permission map, one check. docs/roles.md is its table.

Roles grant actions, never visibility. What any signed-in account may *read* is decided by
`can_see` alone (security/markings.py), whatever its roles: an auditor or an administrator
reads no item the policy denies them, and the audit trail shows ids, times, actors and
actions, not content. So there is no "read" permission here to grant or withhold.

Roles add up: an account with `supervisor` and `analyst` may do what either may.
"""

from __future__ import annotations

from enum import StrEnum

from vinculo.errors import Forbidden
from vinculo.i18n import N_
from vinculo.security.markings import Actor


class Permission(StrEnum):
    FILE_REPORT = "file_report"  # file a report with the statements it asserts
    IMPORT = "import"  # import an FtM file
    DISSEMINATE = "disseminate"  # export or send items to someone outside (recorded)
    RETENTION = "retention"  # list what is due for review, re-validate it or purge it
    AUDIT = "audit"  # query and export the audit trail and the dissemination record
    ACCOUNTS = "accounts"  # create accounts, change their rights, unlock them
    RESOLVE = "resolve"  # run identity resolution, accept, reject or split merges
    RELEASE = "release"  # approve or refuse the release of ORCON items to a partner node
    FILE_ALLEGATION = "file_allegation"  # file an allegation of a human-rights violation
    VET = "vet"  # decide Leahy vetting requests: approve, suspend or deny, with validity
    RECORD_ASSISTANCE = "record_assistance"  # record disbursements and other ledger rows
    PUBLISH_AGGREGATES = "publish_aggregates"  # flag items to count in the public tables
    TRIAGE = "triage"  # act on civic submissions: spam, reply, status, refer, link


class Role(StrEnum):
    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"
    # An organisation's account (a human-rights monitor, an NGO): it files allegations and
    # reads only what the markings give its organisation and its need-to-know groups.
    MONITOR = "monitor"
    # Staff of the receiving agency who work the civic channel's queue. What they read is
    # still the markings' (the civic-triage group); the role grants the acts.
    TRIAGER = "triager"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ANALYST: frozenset({P.FILE_REPORT, P.IMPORT, P.DISSEMINATE, P.RESOLVE, P.FILE_ALLEGATION}),
    Role.SUPERVISOR: frozenset(
        {
            P.FILE_REPORT,
            P.IMPORT,
            P.DISSEMINATE,
            P.RETENTION,
            P.RESOLVE,
            P.RELEASE,
            P.VET,
            P.FILE_ALLEGATION,
            P.RECORD_ASSISTANCE,
            P.PUBLISH_AGGREGATES,
        }
    ),
    Role.AUDITOR: frozenset({P.AUDIT}),
    Role.ADMIN: frozenset({P.ACCOUNTS}),
    Role.MONITOR: frozenset({P.FILE_ALLEGATION}),
    Role.TRIAGER: frozenset({P.TRIAGE}),
}

# The message each refusal gives: it names what the account lacks, never anything of an item.
_REFUSAL = {
    P.FILE_REPORT: N_("your role may not file reports"),
    P.IMPORT: N_("your role may not import data"),
    P.DISSEMINATE: N_("your role may not export or disseminate items"),
    P.RETENTION: N_("only a supervisor may review, re-validate or purge reports"),
    P.AUDIT: N_("only an auditor may read the audit trail"),
    P.ACCOUNTS: N_("only an administrator may manage accounts"),
    P.RELEASE: N_("only a supervisor of the originating agency may release its ORCON items"),
    P.RESOLVE: N_("your role may not resolve identities"),
    P.FILE_ALLEGATION: N_("your role may not file or triage allegations"),
    P.VET: N_("only a supervisor may decide vetting requests"),
    P.RECORD_ASSISTANCE: N_("only a supervisor may record assistance in the ledger"),
    P.PUBLISH_AGGREGATES: N_("only a supervisor may flag items for the public tables"),
    P.TRIAGE: N_("only a triager may act on civic submissions"),
}


def permissions(actor: Actor) -> frozenset[Permission]:
    """Everything the actor's roles allow; unknown role names allow nothing."""
    found: set[Permission] = set()
    for name in actor.roles:
        try:
            found |= ROLE_PERMISSIONS[Role(name)]
        except ValueError:
            continue
    return frozenset(found)


def allowed(actor: Actor, permission: Permission | str) -> bool:
    return actor.signed_in and Permission(permission) in permissions(actor)


def require(actor: Actor, permission: Permission) -> None:
    """Raise Forbidden (403) unless one of the actor's roles grants `permission`."""
    if not allowed(actor, permission):
        # `username` is not shown; the refusal's audit row records who was refused.
        raise Forbidden(_REFUSAL[permission], field="role", username=actor.username)
