"""The purge hooks (and the notifications' item kinds), wired in one place where the app is
assembled.

Deleting statements (a purge, a partner's withdrawal) goes through intel.deletion, which
runs these hooks so that what other domains derived from the statements goes with them.
intel cannot import those domains (they sit above it), so the web app (web.app.create_app)
calls `wire_hooks()` when it starts, and the command line (cli.py) `wire_hooks_lazily()`:
the hooks are wired the first time a registry is read (vinculo.wiring), so a command that
deletes nothing (the public site, `db upgrade`, `audit verify`) never imports the domains. A
deletion in a process that did neither is refused rather than done without them.
"""

from __future__ import annotations

from vinculo import wiring


def wire_hooks_lazily() -> None:
    """Wire everything `wire_hooks` does the first time one of its registries is read (a
    deletion, a notification …), not now: importing the domains costs about 0.9 s of CPU."""
    wiring.defer(wire_hooks)


def wire_hooks() -> None:
    """Hand intel.deletion the hooks, in the order they run: resolution's pairs judged on a
    deleted statement first, then the exchange's published versions that carried it, then
    the notifications' places, kept within what is left, and the cases' links to what went;
    intel.reseen the exchange's
    note of entities asserted again; and the exchange's received deconfliction pointers the
    cases domain's checks (registered targets, planned operations)."""
    # Imported here: the command line defers this to first use (wire_hooks_lazily), and
    # loading the exchange and resolution on every start would slow all of its commands.
    from vinculo.cases.operation_pointers import check_received as check_operations
    from vinculo.cases.pointers import check_received
    from vinculo.cases.purge import forget_purged_links
    from vinculo.exchange.changes import note_reseen
    from vinculo.exchange.pointers import POINTER_HOOKS
    from vinculo.exchange.purge import take_back_purged
    from vinculo.intel.deletion import PURGE_HOOKS
    from vinculo.intel.reseen import RESEEN_HOOKS
    from vinculo.notify.service import keep_places_within_store
    from vinculo.resolve.store import forget_purged

    PURGE_HOOKS.wire(
        [forget_purged, take_back_purged, keep_places_within_store, forget_purged_links]
    )
    RESEEN_HOOKS.wire([note_reseen])
    POINTER_HOOKS.wire([check_received, check_operations])
    wire_item_kinds()
    wire_public_kinds()
    wiring.settled()  # wired: whatever was deferred is done


def wire_item_kinds() -> None:
    """Hand the notifications the kinds of item domains above them own (notify/items.py):
    resolution's pairs, the exchange's release requests and cases (deconfliction hits)."""
    from vinculo.cases.alerts import ALERT, ALERT_ITEM, ALERT_SENTENCE
    from vinculo.cases.hit_notices import HIT, HIT_SENTENCE
    from vinculo.cases.operation_pointers import PARTNER_ALERT, PARTNER_ALERT_SENTENCE
    from vinculo.cases.targets import CASE
    from vinculo.exchange.notices import RELEASE
    from vinculo.notify.items import KINDS
    from vinculo.notify.service import register_kind
    from vinculo.resolve.notices import PAIR

    KINDS.register(PAIR)
    KINDS.register(RELEASE)
    KINDS.register(CASE)
    register_kind(HIT, HIT_SENTENCE)
    KINDS.register(ALERT_ITEM)
    register_kind(ALERT, ALERT_SENTENCE)
    register_kind(PARTNER_ALERT, PARTNER_ALERT_SENTENCE)


def wire_public_kinds() -> None:
    """Hand assistance's public flags the kinds domains above it own: civic submissions."""
    from vinculo.civic.public_flags import register_submissions

    register_submissions()
