"""The reporting form's proof-of-work (civic/guard.py): a memory-hard puzzle of scrypt rounds.
A right answer passes once; a wrong, missing, forged, replayed or expired one is refused with
a translated message and nothing stored; a form without an answer (no JavaScript) is taken
under the stricter limit."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

import pytest
from public_site import PublicSite, form_fields, solve, start_site

from vinculo.civic import guard
from vinculo.civic.guard import ProofOfWork, Verdict

FIELDS = {"category": "crime", "what": "Vi a un agente cobrar una cuota en la caseta."}
REFUSED = {
    "es": "No se pudo verificar el formulario",
    "en": "The form could not be checked",
}


def small() -> ProofOfWork:
    return ProofOfWork(bits=2, rounds=3, cost=4, ttl_seconds=600)


def wrong_answer(challenge: str, rounds: int, bits: int, cost: int) -> str:
    """Counters of which the first round's does not reach the zero bits."""
    counter = 0
    while guard._leading_zero_bits(guard.puzzle_hash(challenge, 0, counter, cost)) >= bits:
        counter += 1
    return ",".join([str(counter), *solve(challenge).split(",")[1:rounds]])


def test_a_right_answer_passes_once() -> None:
    pow_ = small()
    challenge = pow_.challenge()
    answer = solve(challenge)
    assert len(answer.split(",")) == 3
    assert pow_.check(challenge, answer) is Verdict.SOLVED
    assert pow_.check(challenge, answer) is Verdict.REFUSED


def test_each_round_is_checked_and_the_work_is_what_the_terms_say() -> None:
    pow_ = small()
    challenge = pow_.challenge()
    for round_, counter in enumerate(solve(challenge).split(",")):
        digest = guard.puzzle_hash(challenge, round_, int(counter), 4)
        assert guard._leading_zero_bits(digest) >= 2
    assert pow_.check(challenge, wrong_answer(challenge, 3, 2, 4)) is Verdict.REFUSED
    # A wrong answer spends the challenge: the right one after it is refused too.
    assert pow_.check(challenge, solve(challenge)) is Verdict.REFUSED


@pytest.mark.parametrize(
    "answer", ["", "1,2", "1,2,3,4", "a,b,c", "-1,0,0", "1" * 13 + ",0,0", "0,,0"]
)
def test_answers_of_the_wrong_shape(answer: str) -> None:
    pow_ = small()
    verdict = pow_.check(pow_.challenge(), answer)
    assert verdict is (Verdict.ABSENT if answer == "" else Verdict.REFUSED)


def test_challenges_not_ours_or_changed_are_refused() -> None:
    pow_ = small()
    challenge = pow_.challenge()
    expires, nonce, cost, rounds, bits, signature = challenge.split(":")
    easier = ":".join([expires, nonce, cost, rounds, "0", signature])
    later = ":".join([str(int(expires) + 3600), nonce, cost, rounds, bits, signature])
    other = ProofOfWork(bits=2, rounds=3, cost=4, ttl_seconds=600).challenge()
    for bad in ("", "x", easier, later, other, challenge + ":0"):
        assert pow_.check(bad, "0,0,0") is Verdict.REFUSED, bad
        assert pow_.check(bad, "") is Verdict.REFUSED, bad
    # The terms are signed, and must be the site's own even when signed by it.
    harder = ProofOfWork(bits=3, rounds=3, cost=4, ttl_seconds=600, key=pow_.key)
    assert pow_.check(harder.challenge(), "0,0,0") is Verdict.REFUSED


def test_an_expired_challenge(monkeypatch: pytest.MonkeyPatch) -> None:
    pow_ = small()
    challenge = pow_.challenge()
    answer = solve(challenge)
    now = time.time()
    monkeypatch.setattr(guard.time, "time", lambda: now + 601)
    assert pow_.check(challenge, answer) is Verdict.EXPIRED
    assert pow_.check(challenge, "") is Verdict.EXPIRED


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicSite]:
    yield from start_site(
        tmp_path_factory.mktemp("public-pow"),
        VINCULO_PUBLIC_FORWARDED_FOR="true",
        VINCULO_PUBLIC_LIMIT_WITHOUT_POW="50",
    )


def stored(site: PublicSite) -> int:
    with sqlite3.connect(site.database) as db:
        return int(db.execute("select count(*) from submissions").fetchone()[0])


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_site_refuses_wrong_missing_and_replayed_answers(site: PublicSite, lang: str) -> None:
    with site.client(**{"X-Forwarded-For": f"192.0.2.{60 if lang == 'es' else 61}"}) as http:
        fields = {**form_fields(http.get(f"/?lang={lang}").text), **FIELDS, "lang": lang}
        challenge = fields["pow_challenge"]
        before = stored(site)
        cases = {
            "wrong": {**fields, "pow_counter": wrong_answer(challenge, 2, 2, 4)},
            "missing challenge": {**fields, "pow_challenge": "", "pow_counter": "0,0"},
            "forged": {**fields, "pow_challenge": challenge[:-1] + "0", "pow_counter": "0,0"},
        }
        for name, data in cases.items():
            response = http.post("/report", data=data)
            assert response.status_code == 400, name
            assert REFUSED[lang] in response.text, name
            assert 'id="receipt-code"' not in response.text
        # The wrong answer spent its challenge; a fresh one, answered, passes once.
        fresh = {**form_fields(http.get(f"/?lang={lang}").text), **FIELDS, "lang": lang}
        fresh["pow_counter"] = solve(fresh["pow_challenge"])
        assert 'id="receipt-code"' in http.post("/report", data=fresh).text
        replayed = http.post("/report", data=fresh)
        assert replayed.status_code == 400 and REFUSED[lang] in replayed.text
        assert stored(site) == before + 1
        # Without an answer (no JavaScript) the form is taken, under the stricter limit.
        plain = {**form_fields(http.get(f"/?lang={lang}").text), **FIELDS, "lang": lang}
        assert 'id="receipt-code"' in http.post("/report", data=plain).text
        assert stored(site) == before + 2
