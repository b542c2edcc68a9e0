"""The sync worker: pulls every partner's collections into this node, page by page.

Each page is stored in one transaction with the collection's cursor, so a node killed
mid-sync resumes where it stopped with nothing duplicated or lost; the next page is fetched
(and, when large, checked by stix2 in another process) while this one is stored. A partner
that is down is retried with exponential back-off; its live stream wakes the pull at once.
What the worker holds — the stix2 process, what receiving has learnt — lives as long as it
does and is let go when it stops.
"""

from __future__ import annotations

import logging
import multiprocessing
import random
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from vinculo.db import transaction
from vinculo.exchange.client import BadPage, Page, PartnerClient, PartnerDown, partner_events
from vinculo.exchange.ingest import Ingest, IngestCache, Outcome
from vinculo.exchange.models import SyncCursor
from vinculo.exchange.pointers import note_pulled
from vinculo.exchange.validate import check_objects, is_plain
from vinculo.security.audit import record
from vinculo.security.models import utcnow
from vinculo.settings import PartnerConfig, Settings

log = logging.getLogger(__name__)

# Pages with fewer objects than this for stix2 itself are checked in the worker: not worth a
# trip.
CHECK_ELSEWHERE = 200

Progress = Callable[[str, int, int], None]  # (collection alias, objects this page, stored)


class Checker:
    """One process that runs stix2 on the next page while this one stores the last (stix2
    is half the work of receiving a page). Started at its first page; `close` stops it."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self._pool is not None

    def check(self, objects: list[Any]) -> list[str | None]:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            pool = self._pool
        try:
            return pool.submit(check_objects, objects).result()
        except BrokenProcessPool:
            # The process died: the next page starts another.
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False)
            raise

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class SyncReport:
    pages: int = 0
    objects: int = 0
    outcome: Outcome = field(default_factory=Outcome)


def _cursor(session: Session, partner: str, collection_id: str) -> SyncCursor:
    row = session.get(SyncCursor, (partner, collection_id))
    if row is None:
        row = SyncCursor(partner=partner, collection_id=collection_id, added_after="")
        session.add(row)
        session.flush()
    return row


@dataclass
class Pull:
    """One collection pulled from its cursor until the partner has no more: what the pull
    needs, in one object."""

    sessions: sessionmaker[Session]
    settings: Settings
    client: PartnerClient
    collection: dict[str, Any]
    checker: Checker
    cache: IngestCache
    limit: int | None = None
    progress: Progress | None = None
    stop: threading.Event | None = None

    @property
    def partner(self) -> str:
        return self.client.config.name

    @property
    def collection_id(self) -> str:
        return str(self.collection["id"])

    @property
    def page_size(self) -> int:
        return self.limit or self.settings.exchange_page_size

    def fetch(self, added_after: str, next_token: str | None, limit: int) -> Page:
        """A page, with stix2's verdicts when it is large enough to check elsewhere."""
        page = self.client.page(self.collection_id, added_after, next_token, limit)
        if sum(not is_plain(obj) for obj in page.objects) >= CHECK_ELSEWHERE:
            try:
                page.checks = self.checker.check(page.objects)
            except Exception:
                log.exception(
                    "stix2 check of a page from partner %s, collection %s failed in its "
                    "process; the page is checked as it is stored",
                    self.partner,
                    self.collection_id,
                )
                page.checks = None
        else:
            # Plain identities are checked in microseconds: here, while the worker stores.
            page.checks = check_objects(page.objects)
        return page

    def run(self) -> SyncReport:
        pool = ThreadPoolExecutor(1, thread_name_prefix="vinculo-prefetch")
        try:
            return self._pages(pool)
        finally:
            pool.shutdown(wait=True)

    def _pages(self, pool: ThreadPoolExecutor) -> SyncReport:
        partner, collection_id = self.partner, self.collection_id
        report = SyncReport()
        page_limit = self.page_size
        next_token: str | None = None
        ahead: Future[Page] | None = None
        # Marking definitions stored by this pull's pages; a failed page ends the pull, and
        # with it what the set says.
        known: set[str] = set()
        added_after = ""
        while self.stop is None or not self.stop.is_set():
            if ahead is None:
                # While a page is fetched ahead, the cursor is what the last page's
                # transaction left it at; a transaction only to read it again cost a commit
                # per page.
                with transaction(self.sessions) as session:
                    added_after = _cursor(session, partner, collection_id).added_after
            try:
                # The next page is fetched while this one is stored (the partner works
                # meanwhile).
                if ahead is None:
                    ahead = pool.submit(self.fetch, added_after, next_token, page_limit)
                page = ahead.result()
                ahead = None
            except BadPage as bad:
                ahead = None
                next_token = None
                if page_limit > 1:
                    # Narrow the page until the one object that spoils it stands alone.
                    page_limit = max(1, page_limit // 10)
                    continue
                self._quarantine_page(bad)
                report.outcome.quarantined += 1
                page_limit = self.page_size
                continue
            if page.more and page.objects:
                following = page.last if page.last and page.last > added_after else added_after
                ahead = pool.submit(self.fetch, following, page.next, page_limit)
            outcome, added_after = self._store(page, known)
            report.pages += 1
            report.objects += len(page.objects)
            report.outcome.add(outcome)
            if self.progress is not None:
                alias = str(self.collection.get("alias") or collection_id)
                self.progress(alias, len(page.objects), outcome.stored)
            if not page.more or not page.objects:
                return report
            next_token = page.next
        return report

    def _quarantine_page(self, bad: BadPage) -> None:
        """A page that spoils even alone: quarantined, and the cursor moved past it when the
        partner said where it ends (else the partner is treated as down)."""
        with transaction(self.sessions) as session:
            ingest = Ingest(
                session=session,
                settings=self.settings,
                partner=self.partner,
                collection_id=self.collection_id,
                cache=self.cache,
            )
            ingest.quarantine("", bad.reason, str(bad), "")
            cursor = _cursor(session, self.partner, self.collection_id)
            cursor.last_error = f"{bad.reason}: {bad}"[:2000]
            if bad.date_added_last and bad.date_added_last > cursor.added_after:
                cursor.added_after = bad.date_added_last
            else:
                raise PartnerDown(str(bad)) from None

    def _store(self, page: Page, known: set[str]) -> tuple[Outcome, str]:
        """Store one page with the cursor in one transaction; its outcome and the cursor."""
        partner, collection_id = self.partner, self.collection_id
        with transaction(self.sessions) as session:
            cursor = _cursor(session, partner, collection_id)
            ingest = Ingest(
                session=session,
                settings=self.settings,
                partner=partner,
                collection_id=collection_id,
                known_markings=known,
                cache=self.cache,
            )
            outcome = ingest.objects(page.objects, page.checks, page.texts)
            if page.last and page.last > cursor.added_after:
                cursor.added_after = page.last
            cursor.pulled += len(page.objects)
            cursor.updated_at = utcnow()
            cursor.last_error = ""
            cursor.failures = 0
            if page.objects:
                record(
                    session=session,
                    actor=None,
                    action="write",
                    kind="exchange",
                    target=f"node:{partner}",
                    ids=outcome.items,
                    detail={
                        "collection": collection_id,
                        "objects": len(page.objects),
                        "stored": outcome.stored,
                        "skipped": outcome.skipped,
                        "withdrawn": outcome.withdrawn,
                        "quarantined": outcome.quarantined,
                    },
                )
            return outcome, cursor.added_after


def pull_collection(
    *,
    sessions: sessionmaker[Session],
    settings: Settings,
    client: PartnerClient,
    collection: dict[str, Any],
    checker: Checker,
    cache: IngestCache,
    limit: int | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> SyncReport:
    """Pull one collection from its cursor until the partner has no more."""
    return Pull(
        sessions=sessions,
        settings=settings,
        client=client,
        collection=collection,
        checker=checker,
        cache=cache,
        limit=limit,
        progress=progress,
        stop=stop,
    ).run()


def sync_partner(
    *,
    sessions: sessionmaker[Session],
    settings: Settings,
    config: PartnerConfig,
    progress: Progress | None = None,
    limit: int | None = None,
    stop: threading.Event | None = None,
    checker: Checker | None = None,
    cache: IngestCache | None = None,
) -> SyncReport:
    """Pull every collection of one partner. Without a `checker` (the worker's), one is
    started for this sync if a page needs it and stopped at its end."""
    client = PartnerClient(config, settings)
    active = Checker() if checker is None else checker
    cache = IngestCache() if cache is None else cache
    total = SyncReport()
    try:
        for collection in client.collections():
            got = pull_collection(
                sessions=sessions,
                settings=settings,
                client=client,
                collection=collection,
                checker=active,
                cache=cache,
                limit=limit,
                progress=progress,
                stop=stop,
            )
            total.pages += got.pages
            total.objects += got.objects
            total.outcome.add(got.outcome)
        if stop is None or not stop.is_set():
            # Every collection pulled: a registration's check may say the partner's pointers
            # are current as of now (cases/pointers.py).
            with transaction(sessions) as session:
                note_pulled(session, config.name)
    finally:
        client.close()
        if checker is None:
            active.close()
    return total


def backoff(failures: int, ceiling: float) -> float:
    """Seconds to wait after `failures` failures in a row: doubling, capped, with jitter."""
    base: float = min(ceiling, 0.5 * 2 ** min(failures, 20))
    return float(base * (0.8 + 0.4 * random.random()))


class Worker:
    """Pulls every partner: at once when its stream says something was published, at least
    every `sync_interval_seconds`, and with back-off while it is down. Holds one stix2
    process and one cache for all its pulls, from `start` to `close`."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.progress = progress
        self.stop = threading.Event()
        self.wake = {p.name: threading.Event() for p in settings.partners}
        self.failures = {p.name: 0 for p in settings.partners}
        self.threads: list[threading.Thread] = []  # the pulls, joined on close
        self.synced = {p.name: 0 for p in settings.partners}
        self.checker = Checker()
        self.cache = IngestCache()

    def start(self) -> None:
        for config in self.settings.partners:
            if not config.url:
                continue
            self.threads.append(self._started(self._pull_loop, config))
            # Not kept to be joined on close: a listener holds no transaction, only a read of
            # its partner's stream that may not end for a while; a daemon, it goes with the
            # process.
            self._started(self._listen_loop, config)

    def _started(
        self, target: Callable[[PartnerConfig], None], config: PartnerConfig
    ) -> threading.Thread:
        thread = threading.Thread(
            target=target, args=(config,), name=f"vinculo-sync-{config.name}", daemon=True
        )
        thread.start()
        return thread

    def close(self) -> None:
        self.stop.set()
        for event in self.wake.values():
            event.set()
        for thread in self.threads:
            thread.join(timeout=2)
        self.checker.close()

    def pull(self, config: PartnerConfig) -> SyncReport:
        report = sync_partner(
            sessions=self.sessions,
            settings=self.settings,
            config=config,
            progress=self.progress,
            stop=self.stop,
            checker=self.checker,
            cache=self.cache,
        )
        self.synced[config.name] += 1
        return report

    def _pull_loop(self, config: PartnerConfig) -> None:
        wake = self.wake[config.name]
        while not self.stop.is_set():
            wake.clear()
            try:
                self.pull(config)
                self.failures[config.name] = 0
                wait = self.settings.sync_interval_seconds
            except Exception as error:
                self.failures[config.name] += 1
                wait = backoff(self.failures[config.name], self.settings.sync_backoff_max_seconds)
                if isinstance(error, PartnerDown):
                    log.warning(
                        "partner %s unreachable (%s); trying again in %.1f s",
                        config.name,
                        error,
                        wait,
                    )
                else:
                    log.exception(
                        "pulling from partner %s failed; trying again in %.1f s", config.name, wait
                    )
                wake.clear()
                self.stop.wait(wait)
                continue
            wake.wait(wait)

    def _listen_loop(self, config: PartnerConfig) -> None:
        failures = 0
        while not self.stop.is_set():
            try:
                for _event in partner_events(config, self.settings):
                    failures = 0
                    self.wake[config.name].set()
                    if self.stop.is_set():
                        return
            except PartnerDown as down:
                failures += 1
                log.info("the live stream of partner %s is down (%s)", config.name, down)
            except Exception:
                failures += 1
                log.exception("listening to the live stream of partner %s failed", config.name)
            if failures:
                self.stop.wait(backoff(failures, self.settings.sync_backoff_max_seconds))


__all__ = ["Checker", "Pull", "SyncReport", "Worker", "backoff", "pull_collection", "sync_partner"]
