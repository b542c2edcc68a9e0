"""Checking what a partner sends before anything of it is stored: STIX 2.1 (stix2's verdict,
or a fast path for the narrow identities the mapping writes), the Vínculo extension's
statements against the FtM model, and markings this node knows and may hold.

What fails raises `Rejected` with a short reason; the ingest quarantines the object with it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import stix2
from followthemoney import model
from followthemoney.statement import BASE_ID

from vinculo.errors import InvalidInput
from vinculo.exchange.markings import TLP_BY_ID, markings_from_json
from vinculo.exchange.stix import EXTENSION_ID, parse_timestamp
from vinculo.security.markings import TLP, Markings

log = logging.getLogger(__name__)


class Rejected(Exception):
    """An object that fails validation; `reason` is a short code, the message says more."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def check_stix(obj: Any) -> None:
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise Rejected("malformed", "not a STIX object")
    if obj.get("spec_version", "2.1") != "2.1":
        raise Rejected("invalid", f"spec_version {obj.get('spec_version')!r} is not 2.1")
    core = stix_core(obj)
    if plainly_valid(core):
        return
    try:
        stix2.parse(core, allow_custom=True)
    except Exception as error:
        raise Rejected("invalid", f"stix2: {str(error)[:300]}") from None


_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
_IDENTITY_ID = re.compile(f"identity--{_UUID}")
_MARKING_REF = re.compile(f"marking-definition--{_UUID}")
_STAMP = re.compile("([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\\.[0-9]{3}Z")
_IDENTITY_KEYS = frozenset(
    (
        "type",
        "spec_version",
        "id",
        "created",
        "modified",
        "created_by_ref",
        "object_marking_refs",
        "name",
        "identity_class",
        "extensions",
    )
)
_IDENTITY_CLASSES = frozenset(("individual", "group", "system", "organization", "class", "unknown"))
_PLAIN_EXTENSIONS = {EXTENSION_ID: {"extension_type": "property-extension"}}


def _plain_stamp(value: Any) -> bool:
    found = _STAMP.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        return False
    year, month, day, hour, minute, second = (int(x) for x in found.groups())
    try:
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return year >= 1000


def plainly_valid(core: dict[str, Any]) -> bool:
    """Whether the object is an identity in exactly the narrow form the mapping writes, every
    value of a kind stix2 accepts: such an object passes stix2 (tests/exchange/test_stix_check.py
    proves it over the mapping's objects and mutations of them), at a twentieth of the cost.

    Anything else, a malformed object included, is left to stix2, so what is rejected and why
    is stix2's verdict alone.
    """
    if core.get("type") != "identity" or not core.keys() <= _IDENTITY_KEYS:
        return False
    refs = core.get("object_marking_refs")
    name = core.get("name")
    kind = core.get("identity_class", "individual")
    created, modified = core.get("created"), core.get("modified")
    return (
        core.get("spec_version") == "2.1"
        and isinstance(core.get("id"), str)
        and _IDENTITY_ID.fullmatch(core["id"]) is not None
        and isinstance(name, str)
        and name != ""
        and isinstance(kind, str)
        and kind in _IDENTITY_CLASSES
        and core.get("extensions", _PLAIN_EXTENSIONS) == _PLAIN_EXTENSIONS
        and (
            "created_by_ref" not in core
            or (
                isinstance(core["created_by_ref"], str)
                and _IDENTITY_ID.fullmatch(core["created_by_ref"]) is not None
            )
        )
        and (
            refs is None
            or (
                isinstance(refs, list)
                and all(isinstance(r, str) and _MARKING_REF.fullmatch(r) for r in refs)
            )
        )
        and (created is None or _plain_stamp(created))
        and (modified is None or _plain_stamp(modified))
        and (created is None or modified is None or modified >= created)
    )


def stix_core(obj: dict[str, Any]) -> dict[str, Any]:
    """The object for stix2 to check, the bulk of the Vínculo extension left out.

    stix2 copies every value it is given, and a Vínculo object's statements are most of it;
    they are checked here instead (the FtM model, the markings), as are the granular markings
    that point into them (each must name a statement that exists).
    """
    ext = (obj.get("extensions") or {}).get(EXTENSION_ID)
    if not isinstance(ext, dict):
        return obj
    count = len(ext.get("statements") or []) if isinstance(ext.get("statements"), list) else 0
    inner = f"extensions.{EXTENSION_ID}."
    granular = []
    for item in obj.get("granular_markings") or []:
        selectors = item.get("selectors") if isinstance(item, dict) else None
        if isinstance(selectors, list) and all(
            isinstance(x, str) and x.startswith(inner) for x in selectors
        ):
            for selector in selectors:
                index = selector.removeprefix(inner + "statements.[").removesuffix("]")
                if not (index.isdigit() and int(index) < count):
                    raise Rejected("invalid", f"granular marking selector {selector} names nothing")
            continue
        granular.append(item)
    core = {k: v for k, v in obj.items() if k not in ("extensions", "granular_markings")}
    if granular:
        core["granular_markings"] = granular
    core["extensions"] = {
        **obj["extensions"],
        EXTENSION_ID: {"extension_type": ext.get("extension_type")},
    }
    return core


def refs_of(obj: dict[str, Any]) -> set[str]:
    refs = set(obj.get("object_marking_refs") or [])
    for granular in obj.get("granular_markings") or []:
        if isinstance(granular, dict) and granular.get("marking_ref"):
            refs.add(granular["marking_ref"])
    return refs


@dataclass
class ReceivedStatement:
    prop: str
    prop_type: str
    value: str
    lang: str | None
    original_value: str | None
    dataset: str
    report_id: str | None
    first_seen: Any
    last_seen: Any
    markings: Markings
    markings_key: str


class MarkingsCache:
    """Markings as received (their text) → the markings they are, checked: a page's statements
    nearly all carry the same few. Held by whoever receives (the sync worker, one sync, one
    POST), for as long as it does."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self.found: dict[str, Markings] = {}

    def markings(self, data: Any, nation: str, key: str | None = None) -> Markings:
        key = markings_key(data) if key is None else key
        cached = self.found.get(key) if key else None
        if cached is None:
            cached = _check_markings_json(data, nation)
            if key and len(self.found) < self.size:
                self.found[key] = cached
        if nation not in cached.rel_to:
            raise Rejected("not releasable", f"{cached.banner()} is not releasable to {nation}")
        return cached


def markings_key(data: Any) -> str:
    """A cheap key for a markings object as received: its text as Python writes it (the same
    markings written in another key order only miss the cache)."""
    return repr(data) if isinstance(data, dict) and len(data) <= 8 else ""


def _check_markings_json(data: Any, nation: str) -> Markings:
    try:
        markings = markings_from_json(data)
    except (InvalidInput, ValueError) as error:
        text = error.render("en") if isinstance(error, InvalidInput) else str(error)
        raise Rejected("unknown marking", text) from None
    # The sender should never have sent it: refused here too, whatever the sender thought.
    if nation not in markings.rel_to or markings.tlp is TLP.RED:
        raise Rejected("not releasable", f"{markings.banner()} is not releasable to {nation}")
    return markings


def parse_statements(
    ext: dict[str, Any], nation: str, cache: MarkingsCache
) -> tuple[str, str, list[ReceivedStatement]]:
    entity_id = ext.get("entity_id")
    schema_name = ext.get("schema")
    schema = model.get(schema_name) if isinstance(schema_name, str) else None
    if not isinstance(entity_id, str) or not entity_id or len(entity_id) > 128 or schema is None:
        raise Rejected("invalid", "the Vínculo extension names no valid entity or schema")
    found = []
    raw = ext.get("statements")
    if not isinstance(raw, list) or not raw:
        raise Rejected("invalid", "the Vínculo extension holds no statements")
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise Rejected("invalid", f"statement {index} is not an object")
        prop_name, value = item.get("prop"), item.get("value")
        if not isinstance(prop_name, str) or not isinstance(value, str):
            raise Rejected("invalid", f"statement {index} has no property or value")
        if prop_name == BASE_ID:
            prop_type = "id"
        else:
            prop = schema.get(prop_name)
            if prop is None:
                raise Rejected("invalid", f"{schema.name} has no property {prop_name!r}")
            prop_type = prop.type.name
            if len(value) > prop.type.max_length:
                raise Rejected("invalid", f"statement {index} is too long")
        dataset = item.get("dataset")
        if not isinstance(dataset, str) or not dataset:
            raise Rejected("invalid", f"statement {index} names no source")
        try:
            first = parse_timestamp(str(item.get("first_seen")))
            last = parse_timestamp(str(item.get("last_seen")))
        except ValueError:
            raise Rejected(
                "invalid", f"statement {index} has no valid first or last seen"
            ) from None
        report_id = item.get("report_id")
        key = markings_key(item.get("markings"))
        found.append(
            ReceivedStatement(
                prop=prop_name,
                prop_type=prop_type,
                value=value,
                lang=item.get("lang") if isinstance(item.get("lang"), str) else None,
                original_value=item.get("original_value")
                if isinstance(item.get("original_value"), str)
                else None,
                dataset=dataset,
                report_id=report_id if isinstance(report_id, str) else None,
                first_seen=first,
                last_seen=last,
                markings=cache.markings(item.get("markings"), nation, key),
                markings_key=key,
            )
        )
    return entity_id, schema.name, found


def check_marking_refs(
    obj: dict[str, Any], explained: set[str], knows: Callable[[str], bool]
) -> None:
    for ref in refs_of(obj):
        if ref not in TLP_BY_ID and ref not in explained and not knows(ref):
            raise Rejected("unknown marking", f"marking {ref} is not known to this node")


def check_objects(objects: list[Any]) -> list[str | None]:
    """stix2's verdict on each object ("reason\tmessage", or None): run in another process."""
    verdicts: list[str | None] = []
    for obj in objects:
        try:
            check_stix(obj)
            verdicts.append(None)
        except Rejected as rejected:
            verdicts.append(f"{rejected.reason}\t{rejected}")
    return verdicts


def is_plain(obj: Any) -> bool:
    """Whether the object takes the fast path (a plain identity): checked in microseconds."""
    if not isinstance(obj, dict):
        return False
    try:
        return plainly_valid(stix_core(obj))
    except Rejected:
        return False  # stix2 is asked, and the object quarantined with its verdict
    except Exception:
        log.exception("object %s: the fast check failed; left to stix2", str(obj.get("id"))[:100])
        return False
