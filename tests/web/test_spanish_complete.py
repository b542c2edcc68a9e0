"""Every page of the demo reads as Spanish in Spanish: no English word of the interface, no
raw ISO date, amount or code.

Each demo role signs in (over HTTP on loopback: no browser, so it is quick), switches to
Spanish and walks the site from the home page by its own links — so a page added later is
walked too — plus a few pages reached by forms (a search, the network's tools). On every
page the words people read (text, and the title, placeholder, aria-label and alt attributes)
are checked against:

- the English-only words: every word of the interface's English msgids that no Spanish
  msgstr uses, less a short list of words both languages share;
- raw values: an ISO date (1980-12-25), an amount with a bare decimal point (204500.00), an
  FtM country code as a word (mx), a code with an underscore (drug_trafficking, sign_in),
  an audit action spelled as its code.

What is data rather than interface — a report's own text in English, a name, an id — is
skipped where the page marks it so: an element with `lang` other than Spanish, with
`translate="no"` or `data-content` (a quote of an item's text, in its author's language), a
link to an item (its name) or a `<code>`. The same walk in English must find English words, so the
checker cannot pass by seeing nothing.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from babel.messages.pofile import read_po
from followthemoney import registry

from conftest import LiveServer

LOCALE_DIR = Path(__file__).resolve().parents[2] / "src" / "vinculo" / "locale"
ROLES = ("us.analyst", "mx.analyst", "us.supervisor", "auditor")
# Pages a person reaches by a form rather than a link.
SEEDS = (
    "/",
    "/search?q=garcia",
    "/search?q=fentanyl&kind=reports",
    "/network",
    "/network/path",
    "/network/disrupt",
    "/resolve",
    "/reports/new",
    "/import",
    "/audit",
    "/audit?action=seen",
    "/audit/disseminations",
    "/exchange",
)
SKIP = re.compile(
    r"^/(static|logout|api/|taxii2/|openapi)|/export|\.json$|/pdf$|[?&](lang|format)=|[?&]cursor="
)
PER_SHAPE = 2  # pages walked of each shape (/entities/<id> …): the rest look the same
MAX_PAGES = 90  # per role

# Words both languages write alike, names and abbreviations that are not English, and the
# words of markings, which stay as the standards write them ("TLP:AMBER // REL TO USA").
_SHARED = """
    no total error tlp rel orcon red amber green clear strict vínculo usa mex dea fbi hsi
    cbp fgr semar sedena gn uif cni id ids ftm json csv gexf graphml gephi stix taxii api
    pdf totp url curp rfc iban ssn rdf pagerank admiralty splink cfr email e-mail online to
    sigma iati utc mexico phoenix tijuana chicago denver
    hermosillo chihuahua monterrey matamoros mazatlan cancun anchorage honolulu puerto rico
    central juarez ciudad sonora sinaloa nogales culiacán eigenvector leiden chip software hardware
    web link ranking
"""
SHARED = frozenset(_SHARED.split())
# A link to an item carries its name (a caption, a title): data, in whatever language it was
# written in.
ITEM_LINK = re.compile(r"^/(entities/(?!import)[^/?]+|reports/(?!new)[^/?]+)$")
# An IANA time zone's name (America/Port_of_Spain) is an identifier, as an item's id is.
ZONE_ID = re.compile(
    r"\b(?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Arctic)/[A-Za-z_/\-]+"
)
# Account names and ids (mx.analyst, per-0001, tf-sonora) are names, not words.
IDENTIFIER = re.compile(r"(?<![\w.\-])[a-z0-9_]+(?:[.\-][a-z0-9_]+)+(?![\w\-]|\.\w)")
# A random item id (a case's 44f0fb87dfe2add8) is a name too: its letters are no words.
HEX_ID = re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b")
# A legal citation or a standard's version keeps its numbers: 28 CFR 23.20(b), TAXII 2.1.
CITATION = re.compile(
    r"\b\d+ CFR [\d.]+(?:\([a-z0-9]+\))*|\b(?:TAXII|STIX|TLP|WCAG|FtM) \d+(?:\.\d+)*"
)
# A browser's product tokens (Mozilla/5.0, AppleWebKit/537.36), as a session list shows them.
PRODUCT = re.compile(r"\b[A-Za-z][\w\-]*/\d[\w.]*")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# A decimal point where Spanish writes a comma: 204500.00, 0.4, 0.0123 (not 6.000, which is
# six thousand in Spanish).
RAW_AMOUNT = re.compile(r"(?<![\d.,])\d+\.(?:\d{1,2}|\d{4,})(?![.,]?\d)")
CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
SPANISH_TWO_LETTERS = {
    "de",
    "la",
    "el",
    "en",
    "un",
    "se",
    "lo",
    "no",
    "es",
    "su",
    "al",
    "ya",
    "kg",
    "km",
    "mg",
}
AUDIT_CODES = {
    "sign_in",
    "sign_out",
    "audit_query",
    "revalidate",
    "disseminate",
    "refused",
    "purge",
}


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def _strings(locale: str) -> Iterator[str]:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    for message in catalog:
        if not message.id:
            continue
        texts = message.id if locale == "en" else message.string
        for text in texts if isinstance(texts, tuple) else (texts,):
            if text:
                # Without placeholders and names such as mx.analyst or per-0001.
                text = re.sub(r"\{[^}]*\}", " ", str(text))
                yield re.sub(r"\S+[.\-/]\S+", " ", text)


@cache
def english_only() -> frozenset[str]:
    """Words of the English interface that Spanish never writes."""
    english: set[str] = set()
    for text in _strings("en"):
        english |= _words(text)
    spanish: set[str] = set()
    for text in _strings("es"):
        spanish |= _words(text)
    return frozenset(w for w in english - spanish - SHARED if len(w) > 1)


@cache
def spanish_words() -> frozenset[str]:
    found: set[str] = set()
    for text in _strings("es"):
        found |= _words(text)
    return frozenset(found)


class ReadableText(HTMLParser):
    """The text a reader reads, without what the page marks as data, and its links."""

    SKIPPED = frozenset({"title", "script", "style", "code", "template", "datalist"})
    VOID = frozenset(
        {
            "area",
            "base",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "source",
            "track",
            "wbr",
        }
    )
    ATTRIBUTES = ("title", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.hints: list[str] = []
        self.stack: list[bool] = []  # per open element: does it skip its content?

    @property
    def skipping(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href") and "download" not in found:
            self.links.append(str(found["href"]))
        lang = found.get("lang")
        href = str(found.get("href") or "")
        skip = (
            tag in self.SKIPPED
            or (tag == "a" and ITEM_LINK.match(href) is not None)
            or found.get("translate") == "no"
            or "data-content" in found
            or (lang is not None and not lang.startswith("es") and tag != "html")
            or (tag == "a" and found.get("hreflang") not in (None, "es"))
        )
        if not (self.skipping or skip):
            for name in self.ATTRIBUTES:
                if found.get(name):
                    self.parts.append(str(found[name]))
            if found.get("placeholder"):
                # An example of what to type (2026-12-31 where a field takes ISO dates).
                self.hints.append(str(found["placeholder"]))
        if tag not in self.VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


@dataclass
class Finding:
    url: str
    problems: list[str] = field(default_factory=list)


def problems_in(text: str, *, words_only: bool = False) -> list[str]:
    """What in `text` is not Spanish: English words, raw dates, amounts and codes."""
    found: list[str] = []
    text = PRODUCT.sub(" ", CITATION.sub(" ", ZONE_ID.sub(" ", text)))
    words = HEX_ID.sub(" ", IDENTIFIER.sub(" ", text))
    english = english_only()
    for word in sorted(_words(words)):
        if word in english:
            found.append(f"English word {word!r}: …{_around(text, word)}…")
    if words_only:
        return found
    checks = ((ISO_DATE, "raw date", text), (RAW_AMOUNT, "raw amount", text), (CODE, "code", words))
    for pattern, what, where in checks:
        for match in sorted(set(pattern.findall(where))):
            found.append(f"{what} {match!r}: …{_around(text, match)}…")
    countries = {c.lower() for c in registry.country.names}
    alone = re.findall(r"(?<![\w.\-@/])[a-z]{2}(?![\w.\-@/])", words)
    for word in sorted(w for w in set(alone) if w in countries):
        if word not in SPANISH_TWO_LETTERS and word not in spanish_words():
            found.append(f"country code {word!r}: …{_around(text, word)}…")
    return found


def _around(text: str, needle: str) -> str:
    found = re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", text, re.IGNORECASE)
    at = found.start() if found else text.lower().find(needle.lower())
    return text[max(at - 40, 0) : at + len(needle) + 40] if at >= 0 else ""


def _shape(path: str) -> str:
    """/entities/per-0001 and /entities/veh-0007 are one shape; so are ?q=… searches."""
    parts = urlsplit(path)
    segments = ["*" if re.search(r"\d", s) or len(s) > 24 else s for s in parts.path.split("/")]
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return "/".join(segments) + "?" + "&".join(keys)


@contextmanager
def signed_in(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        form = client.get("/login").text
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        data = hidden | {"username": username, "password": "demo", "next": "/"}
        answer = client.post("/login", data=data)
        assert answer.status_code == 303, answer.text
        yield client


def walk(server: LiveServer, username: str, locale: str) -> list[Finding]:
    """Every page the account reaches, in `locale`, with what is not in that language."""
    findings: list[Finding] = []
    with signed_in(server, username) as client:
        assert client.get("/", params={"lang": locale}).status_code == 200
        queue = deque(SEEDS)
        seen_paths: set[str] = set()
        shapes: dict[str, int] = {}
        while queue and len(seen_paths) < MAX_PAGES:
            path = queue.popleft()
            shape = _shape(path)
            if path in seen_paths or shapes.get(shape, 0) >= PER_SHAPE or SKIP.search(path):
                continue
            seen_paths.add(path)
            shapes[shape] = shapes.get(shape, 0) + 1
            answer = client.get(path)
            if not answer.headers.get("content-type", "").startswith("text/html"):
                continue
            page = ReadableText()
            page.feed(answer.text)
            assert f'<html lang="{locale}">' in answer.text, path
            problems = []
            if locale == "es":
                problems = problems_in(page.text)
                problems += problems_in(" · ".join(page.hints), words_only=True)
            findings.append(Finding(path, problems))
            if locale == "en":
                findings[-1].problems = [
                    w for w in sorted(_words(page.text)) if w in english_only()
                ]
            for href in page.links:
                target = urljoin(server.url + path, href)
                if urlsplit(target).netloc != urlsplit(server.url).netloc:
                    continue
                local = urlsplit(target)
                queue.append(local.path + (f"?{local.query}" if local.query else ""))
    return findings


@pytest.mark.parametrize("username", ROLES)
def test_every_page_is_spanish(browser_server: LiveServer, username: str) -> None:
    findings = walk(browser_server, username, "es")
    assert len(findings) >= 8, [f.url for f in findings]  # the walk reached the site
    bad = [f for f in findings if f.problems]
    report = "\n".join(f"{f.url}:\n  " + "\n  ".join(f.problems[:12]) for f in bad)
    assert not bad, f"{username} reads English or raw values on Spanish pages:\n{report}"


def test_the_checker_sees_english_and_raw_values(browser_server: LiveServer) -> None:
    """The same walk in English finds English words on every page, and the checker names a
    raw date, amount, code and country code — so the Spanish test can fail."""
    findings = walk(browser_server, "us.analyst", "en")
    assert findings and all(f.problems for f in findings), [
        f.url for f in findings if not f.problems
    ]
    sample = "Nacido 1980-12-25, pagó 204500.00, delito drug_trafficking, país mx; Trip"
    kinds = " ".join(problems_in(sample))
    for expected in ("raw date", "raw amount", "code", "country code 'mx'", "'trip'"):
        assert expected in kinds, (expected, kinds)
    # An item's random id is a name, but the English word it happens to hold is not.
    assert problems_in("caso 44f0fb87dfe2add8", words_only=True) == []
    assert problems_in("caso add 8", words_only=True)
