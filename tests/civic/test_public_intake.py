"""The public intake as its own process: what it stores (ciphertext only), what it never keeps
(the client's address, its user agent, an attachment's metadata), how it answers a wrong
passphrase (as an unknown receipt), its proof-of-work and limits, and the pull protocol the
internal node uses to take submissions away and leave replies."""

from __future__ import annotations

import io
import socket
import sqlite3
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from public_site import TOKEN, PublicSite, form_fields, solve, start_site

from vinculo.civic import client, crypto, store

ADDRESS = "203.0.113.77"  # a documentation address, sent as the client's
AGENT = "Mozilla/5.0 (X11; Linux) VinculoTestAgent/7f3a"
SECRET_TEXT = "El comandante cobró una cuota en la caseta de Nogales el martes"


@pytest.fixture(scope="module")
def public_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicSite]:
    yield from start_site(
        tmp_path_factory.mktemp("public"),
        VINCULO_PUBLIC_FORWARDED_FOR="true",
        VINCULO_PUBLIC_LIMIT_WITHOUT_POW="2",
    )


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "ReporterCam"  # Make
    exif[0x0110] = "Model RC-1"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (19.0, 25.0, 42.0)
    gps[3] = "W"
    gps[4] = (99.0, 7.0, 5.0)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def authored_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = "Ana Reportera Sánchez"
    pdf.docinfo["/Creator"] = "ReporterWriter 3"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = ["Ana Reportera Sánchez"]
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def submit(
    site: PublicSite,
    *,
    what: str = SECRET_TEXT,
    files: list[tuple[str, bytes, str]] | None = None,
    pow_solved: bool = True,
    address: str = ADDRESS,
    lang: str = "es",
) -> tuple[int, str]:
    with site.client(**{"User-Agent": AGENT, "X-Forwarded-For": address}) as http:
        page = http.get(f"/?lang={lang}")
        fields = form_fields(page.text)
        if pow_solved:
            fields["pow_counter"] = solve(fields["pow_challenge"])
        fields.update(
            {
                "category": "security_forces_abuse",
                "state": "SON",
                "municipality": "Nogales",
                "when": "2026-11-03",
                "what": what,
            }
        )
        uploads = [("attachments", (n, d, t)) for n, d, t in files or []]
        response = http.post("/report", data=fields, files=uploads or None)
        return response.status_code, response.text


def receipt_of(html: str) -> tuple[str, str]:
    import re

    receipt = re.search(r'id="receipt-code">([^<]+)<', html)
    passphrase = re.search(r'id="passphrase">([^<]+)<', html)
    assert receipt and passphrase, html
    return receipt.group(1), passphrase.group(1)


def store_bytes(site: PublicSite) -> bytes:
    found = b""
    for path in site.database.parent.glob("public.db*"):
        found += path.read_bytes()
    return found


def pending_count(site: PublicSite) -> int:
    with sqlite3.connect(site.database) as db:
        return int(db.execute("select count(*) from submissions").fetchone()[0])


def test_a_submission_arrives_as_ciphertext_only(public_site: PublicSite) -> None:
    status, html = submit(public_site, files=[("foto.jpg", gps_jpeg(), "image/jpeg")])
    assert status == 200, html
    receipt, passphrase = receipt_of(html)
    assert len(passphrase.split()) == 6
    held = store_bytes(public_site)
    for plain in (SECRET_TEXT, "Nogales", "security_forces_abuse", receipt, passphrase):
        assert plain.encode() not in held, plain
    with sqlite3.connect(public_site.database) as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master where type='table'")}
        rows = db.execute("select ciphertext from submissions").fetchall()
    # `portal` holds the transparency portal's pushed document only (tests/civic/test_portal.py).
    assert tables == {"public_schema", "submissions", "receipts", "updates", "portal"}
    assert rows and all(len(row[0]) > len(SECRET_TEXT) for row in rows)
    # Only the internal node's private key opens it.
    opened = crypto.unseal(public_site.key, rows[-1][0]).decode()
    assert SECRET_TEXT in opened
    with pytest.raises(crypto.CryptoError):
        crypto.unseal(crypto.PrivateKey.generate(), rows[-1][0])
    # The process was given no internal setting: no database URL, secret key or account.
    given = {k for k in public_site.env if k.startswith("VINCULO_")}
    assert all(k.startswith("VINCULO_PUBLIC_") for k in given)


def test_a_file_is_known_by_its_content_not_its_name(public_site: PublicSite) -> None:
    before = pending_count(public_site)
    status, html = submit(public_site, files=[("foto.jpg", authored_pdf(), "image/jpeg")])
    assert status == 400
    assert "foto.jpg: el contenido del archivo no es lo que dice su nombre" in html
    status, html = submit(public_site, files=[("notas.txt", b"hola\n", "text/plain")])
    assert status == 400
    assert "solo se aceptan fotos (JPEG, PNG, WebP) y documentos PDF" in html
    status, html = submit(
        public_site, files=[("evil.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")]
    )
    assert status == 400 and "no se pudo leer la imagen" in html
    assert pending_count(public_site) == before


def test_a_wrong_passphrase_answers_as_an_unknown_receipt(public_site: PublicSite) -> None:
    _, html = submit(public_site)
    receipt, passphrase = receipt_of(html)
    with public_site.client(**{"X-Forwarded-For": "198.51.100.9"}) as http:
        csrf = form_fields(http.get("/follow-up?lang=es").text)["csrf"]

        def attempt(code: str, words: str) -> tuple[int, str, float]:
            started = time.perf_counter()
            response = http.post(
                "/follow-up",
                data={"csrf": csrf, "lang": "es", "receipt": code, "passphrase": words},
            )
            return response.status_code, response.text, time.perf_counter() - started

        # Taken in turns, and compared by the quickest of each: on a loaded machine (the
        # suite's other workers) a pause lands on either kind, never on the work each does.
        # Three of each, as the follow-up's rate limit leaves room for the right pair after.
        wrong, unknown = [], []
        for _ in range(3):
            wrong.append(attempt(receipt, "uno dos tres cuatro cinco seis"))
            unknown.append(attempt("ABCD-EFGH-JKMN-PQRS", passphrase))
        assert {w[0] for w in wrong} == {u[0] for u in unknown} == {400}
        assert {w[1] for w in wrong} == {u[1] for u in unknown}
        assert "El código de recibo o la frase de acceso no son correctos." in wrong[0][1]
        slow, fast = min(w[2] for w in wrong), min(u[2] for u in unknown)
        assert 0.5 < slow / fast < 2, (slow, fast)
        # The right pair opens the visit, typed without accents or capitals as the reporter may.
        right = http.post(
            "/follow-up",
            data={
                "csrf": csrf,
                "lang": "es",
                "receipt": receipt.lower(),
                "passphrase": passphrase.upper(),
            },
            follow_redirects=True,
        )
        assert right.status_code == 200 and 'id="status">Recibido<' in right.text


def test_proof_of_work_or_the_stricter_limit(public_site: PublicSite) -> None:
    address = "192.0.2.44"
    # Without JavaScript (no proof): two an hour, then a translated 429.
    assert submit(public_site, pow_solved=False, address=address)[0] == 200
    assert submit(public_site, pow_solved=False, address=address)[0] == 200
    status, html = submit(public_site, pow_solved=False, address=address)
    assert status == 429 and "Demasiados intentos" in html
    # A solved challenge still goes through; the same challenge sent twice does not.
    with public_site.client(**{"X-Forwarded-For": address}) as http:
        fields = form_fields(http.get("/?lang=es").text)
        fields.update(
            {"pow_counter": solve(fields["pow_challenge"]), "category": "crime", "what": "x"}
        )
        assert http.post("/report", data=fields).status_code == 200
        assert http.post("/report", data=fields).status_code == 429
        bad = {**fields, "pow_challenge": fields["pow_challenge"][:-1] + "0", "pow_counter": "1"}
        assert http.post("/report", data=bad).status_code == 429
    # Another address is not held back.
    assert submit(public_site, pow_solved=False, address="192.0.2.45")[0] == 200


def test_the_internal_node_pulls_opens_and_acknowledges(public_site: PublicSite) -> None:
    files = [
        ("foto.jpeg", gps_jpeg(), "image/jpeg"),
        ("acta.pdf", authored_pdf(), "application/pdf"),
    ]
    status, html = submit(public_site, what="Reporte con adjuntos", files=files)
    assert status == 200
    receipt, passphrase = receipt_of(html)
    pulled = client.pull_submissions(
        url=public_site.url, token=TOKEN, key=public_site.key, limit=200
    )
    mine = [p for p in pulled if p.payload.get("receipt") == receipt]
    assert len(mine) == 1
    report = mine[0]
    assert report.payload["what"] == "Reporte con adjuntos"
    assert report.payload["municipality"] == "Nogales" and report.payload["lang"] == "es"
    names = [a["name"] for a in report.payload["attachments"]]
    assert names == ["attachment-1.jpg", "attachment-2.pdf"]
    # The photo: no EXIF at all (no GPS, no camera); the PDF: no author, no XMP.
    photo = report.attachment(0)
    assert b"ReporterCam" not in photo and not Image.open(io.BytesIO(photo)).getexif()
    assert b"ReporterCam" in gps_jpeg()
    document = report.attachment(1)
    assert b"Ana Reportera" not in document and b"ReporterWriter" not in document
    with pikepdf.open(io.BytesIO(document)) as pdf:
        assert "/Author" not in pdf.docinfo and "/Metadata" not in pdf.Root
        assert len(pdf.pages) == 1
    # A wrong token is refused; acknowledging deletes.
    with pytest.raises(client.IntakeError):
        client.pull_submissions(url=public_site.url, token="x" * 40, key=public_site.key)
    gone = client.acknowledge(url=public_site.url, token=TOKEN, ids=[p.id for p in pulled])
    assert gone == len(pulled) and pending_count(public_site) == 0
    assert b"Reporte con adjuntos" not in store_bytes(public_site)
    assert client.pull_submissions(url=public_site.url, token=TOKEN, key=public_site.key) == []

    # A reply goes back sealed to the reporter's key: the store cannot read it, the reporter can.
    client.push_update(
        url=public_site.url,
        token=TOKEN,
        receipt=receipt,
        reply_key=report.reply_key,
        status="under_review",
        message="Gracias: un equipo revisa su reporte.",
    )
    assert b"Gracias: un equipo" not in store_bytes(public_site)
    with sqlite3.connect(public_site.database) as db:
        assert db.execute("select count(*) from updates").fetchone()[0] == 1
    with public_site.client(**{"X-Forwarded-For": "198.51.100.10"}) as http:
        csrf = form_fields(http.get("/follow-up?lang=es").text)["csrf"]
        page = http.post(
            "/follow-up",
            data={"csrf": csrf, "lang": "es", "receipt": receipt, "passphrase": passphrase},
            follow_redirects=True,
        )
        assert 'id="status">En revisión<' in page.text
        assert "Gracias: un equipo revisa su reporte." in page.text
        # More information, linked to the receipt, sealed as the report was.
        added = http.post(
            "/follow-up/add", data={"csrf": csrf, "lang": "es", "what": "Eran dos patrullas."}
        )
        assert added.status_code == 200 and "Su información se agregó al reporte." in added.text
    (addition,) = client.pull_submissions(
        url=public_site.url, token=TOKEN, key=public_site.key, acknowledge=True
    )
    assert addition.payload["kind"] == "addition" and addition.receipt == receipt
    assert addition.payload["what"] == "Eran dos patrullas."
    assert pending_count(public_site) == 0


def test_no_address_or_user_agent_in_logs_or_store(public_site: PublicSite) -> None:
    assert submit(public_site, address=ADDRESS)[0] == 200
    log = public_site.log.read_text()
    assert "Uvicorn running" in log  # the log is the process's, and it is written to
    for trace in (ADDRESS, AGENT, "VinculoTestAgent", "POST /report", "GET /"):
        assert trace not in log, trace
    held = store_bytes(public_site)
    for trace in (ADDRESS, AGENT, "VinculoTestAgent", "127.0.0.1"):
        assert trace.encode() not in held, trace


def test_the_retention_purge(tmp_path: Path) -> None:
    engine = store.open_store(f"sqlite:///{tmp_path / 'p.db'}")
    today = date(2026, 12, 5)
    old, recent = today - timedelta(days=91), today - timedelta(days=10)
    store.add_submission(engine, ciphertext=b"old", today=old)
    store.add_submission(engine, ciphertext=b"new", today=recent)
    store.add_receipt(engine, receipt=store.Receipt("a" * 64, "h", b"s" * 16), today=old)
    store.add_receipt(engine, receipt=store.Receipt("b" * 64, "h", b"s" * 16), today=recent)
    assert store.add_update(engine, receipt_hash="b" * 64, ciphertext=b"u", today=recent)
    assert not store.add_update(engine, receipt_hash="c" * 64, ciphertext=b"u", today=recent)
    gone = store.purge(engine, today=today, retention_days=90)
    assert gone == {"submissions": 1, "receipts": 1, "updates": 0}
    assert store.counts(engine) == {"submissions": 1, "receipts": 1, "updates": 1}
    assert store.pending(engine, limit=10)[0][1] == b"new"
    engine.dispose()


def test_every_public_setting_is_documented() -> None:
    from vinculo.civic.settings import PublicSettings

    docs = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
    text = docs.read_text(encoding="utf-8")
    for name in PublicSettings.model_fields:
        assert f"VINCULO_PUBLIC_{name.upper()}" in text, name


def test_civic_keys_writes_the_private_key_for_its_owner_only(tmp_path: Path) -> None:
    import stat

    from typer.testing import CliRunner

    from vinculo.cli import app

    runner = CliRunner()
    first = runner.invoke(app, ["civic", "keys", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    path = tmp_path / "civic" / "submission.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = crypto.read_private_key(path)
    public = crypto.encode(bytes(key.public_key))
    assert public in first.stdout
    # Run again: the same public key, the private key untouched.
    again = runner.invoke(app, ["civic", "keys", "--data-dir", str(tmp_path)])
    assert again.exit_code == 0 and public in again.stdout
    assert bytes(crypto.read_private_key(path)) == bytes(key)
    # The public key it prints seals what the private key opens.
    sealed = crypto.seal(crypto.public_key(public), b"hola")
    assert crypto.unseal(key, sealed) == b"hola"


def test_the_public_site_refuses_to_start_without_its_key(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from vinculo.cli import app

    env = {"VINCULO_PUBLIC_DATA_DIR": str(tmp_path), "VINCULO_PUBLIC_PULL_TOKEN": "short"}
    result = CliRunner().invoke(app, ["serve", "--public"], env=env)
    assert result.exit_code == 1
    assert "VINCULO_PUBLIC_SUBMISSION_KEY is not set" in result.output
    assert "VINCULO_PUBLIC_PULL_TOKEN must be at least 32 characters" in result.output
    assert not (tmp_path / "public.db").exists()


def test_a_body_too_large_or_of_unknown_length_is_refused_unread(public_site: PublicSite) -> None:
    before = pending_count(public_site)
    with public_site.client(**{"X-Forwarded-For": "198.51.100.20"}) as http:
        # A gigabyte announced, a byte sent: refused on the header, before any is read.
        host, port = public_site.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            raw.sendall(
                b"POST /report HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n\r\nx"
            )
            assert raw.recv(200).startswith(b"HTTP/1.1 413 ")

        def chunks() -> Iterator[bytes]:
            yield b"what=hola"

        unknown = http.post("/report", content=chunks())
        assert unknown.status_code == 411
    assert pending_count(public_site) == before
