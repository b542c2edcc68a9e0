"""One typed Settings object, built once at start-up and passed in; never read at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "vinculo-demo-secret-change-me"


class PartnerConfig(BaseModel):
    """A partner node: its nation, where its TAXII API root is, and how each side signs in."""

    name: str
    nation: str
    url: str = ""  # the partner's TAXII API root, e.g. https://mx.example/taxii2/vinculo/
    account: str = ""  # the account the partner signs in with on this node
    token: str = ""  # bearer token (scope exchange) this node sends to the partner
    username: str = ""  # or HTTP Basic to a partner in demo mode
    password: str = ""


class DeconflictionKeyConfig(BaseModel):
    """A sharing agreement's deconfliction key: its id, the secret every node of the agreement
    holds, and the partner nodes it is shared with."""

    key_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    # At least 32 characters: the key is all that stands between a pointer's hashes and a
    # dictionary of every phone number.
    secret: SecretStr = Field(min_length=32)
    partners: list[str] = Field(default_factory=list)


class Settings(BaseSettings):
    """Everything a deployment may set, each from an environment variable `VINCULO_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="VINCULO_", extra="forbid", populate_by_name=True)

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means a SQLite file `vinculo.db` in data_dir.",
    )
    data_dir: Path = Field(default=Path("var"), description="Where the embedded store lives.")
    demo: bool = Field(default=False, description="Demo mode: accepts the demo password.")
    secret_key: str = Field(
        default=DEFAULT_SECRET, description="Signs session cookies and API tokens."
    )
    host: str = Field(default="127.0.0.1", description="Address the web server listens on.")
    port: int = Field(default=8000, description="Port the web server listens on.")
    default_locale: str = Field(default="en", description="Locale when none is chosen: en, es.")
    token_ttl_seconds: int = Field(default=8 * 3600, description="Lifetime of an API token.")
    page_size: int = Field(default=25, description="Items per page in lists.")
    lockout_threshold: int = Field(
        default=5, ge=1, description="Consecutive failed sign-ins that lock an account."
    )
    session_idle_minutes: float = Field(
        default=30, gt=0, description="Minutes without activity before a page session ends."
    )
    session_max_hours: float = Field(
        default=12,
        gt=0,
        description="Hours after sign-in when a page session ends, however active it is.",
    )
    sign_in_limit_per_account: int = Field(
        default=10,
        ge=1,
        description="Sign-in attempts on one user name (existing or not) per window; more: 429.",
    )
    sign_in_limit_per_client: int = Field(
        default=30,
        ge=1,
        description="Sign-in attempts from one client address per window; more: 429.",
    )
    sign_in_limit_window_seconds: float = Field(
        default=60, gt=0, description="The window the sign-in limits count over, in seconds."
    )
    password_min_length: int = Field(default=12, ge=8, description="Shortest password accepted.")
    max_upload_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=0,
        description="Largest request body accepted (an FtM upload included); larger: 413.",
    )
    behind_tls: bool = Field(
        default=False,
        description="Served over HTTPS (by a proxy): HSTS and Secure session cookies.",
    )
    # Identity resolution's thresholds, each named for the path it governs: files
    # (`vinculo resolve link` and `dedupe`) or the store (runs, the review queue, screening).
    files_match_threshold: float = Field(
        default=0.9,
        ge=0,
        le=1,
        description="Resolving files: pairs scoring at least this are matches (or --threshold).",
    )
    files_review_threshold: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Resolving files: pairs from this up to the match threshold are uncertain.",
    )
    store_merge_threshold: float = Field(
        default=0.95,
        ge=0,
        le=1,
        # The name it had before the files' thresholds came in still works.
        validation_alias=AliasChoices(
            "store_merge_threshold", "VINCULO_STORE_MERGE_THRESHOLD", "VINCULO_MERGE_THRESHOLD"
        ),
        description="Resolving the store: pairs scoring at least this merge into one identity.",
    )
    store_review_threshold: float = Field(
        default=0.5,
        ge=0,
        le=1,
        validation_alias=AliasChoices(
            "store_review_threshold", "VINCULO_STORE_REVIEW_THRESHOLD", "VINCULO_REVIEW_THRESHOLD"
        ),
        description="Resolving the store: pairs from this up to the merge threshold await review.",
    )
    screening_threshold: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Screening against the store: the lowest score shown when none is asked.",
    )

    node_name: str = Field(
        default="vinculo", description="Exchange: this node's name, part of every STIX id."
    )
    node_nation: str = Field(default="USA", description="Exchange: this node's nation.")
    partners: list[PartnerConfig] = Field(
        default_factory=list,
        description="Exchange: partner nodes, a JSON list of {name, nation, url, account, token}.",
    )
    deconfliction_keys: list[DeconflictionKeyConfig] = Field(
        default_factory=list,
        description="Deconfliction: agreement keys, a JSON list of {key_id, secret, partners}.",
    )
    deconfliction_pointers_per_minute: int = Field(
        default=120,
        ge=1,
        description="Deconfliction: most pointers a partner may send in a minute before it is "
        "quarantined.",
    )
    deconfliction_pointers_per_hour: int = Field(
        default=2000,
        ge=1,
        description="Deconfliction: most pointers a partner may send in an hour before it is "
        "quarantined.",
    )
    exchange_page_size: int = Field(
        default=1000, ge=1, description="Exchange: most objects in one TAXII page."
    )
    exchange_max_envelope_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="Exchange: largest TAXII envelope accepted from a partner.",
    )
    exchange_sync: bool = Field(
        default=False, description="Exchange: run the sync worker inside the web server."
    )
    exchange_streams_per_token: int = Field(
        default=4, ge=1, description="Exchange: most live streams one token may hold open."
    )
    exchange_streams_total: int = Field(
        default=64, ge=1, description="Exchange: most live streams open at once, all readers."
    )
    sync_interval_seconds: float = Field(
        default=30, gt=0, description="Exchange: pull every partner at least this often."
    )
    sync_backoff_max_seconds: float = Field(
        default=60, gt=0, description="Exchange: longest wait between retries to a partner."
    )
    network_draw_limit: int = Field(
        default=2500,
        ge=10,
        description="Network pages: the most nodes drawn; a larger graph asks for filters.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address people reach this server at: the links in e-mails.",
    )
    smtp_host: str = Field(
        default="", description="Notifications by e-mail: the SMTP server; empty sends none."
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="The SMTP server's port.")
    smtp_from: str = Field(
        default="vinculo@localhost", description="The sender of notification e-mails."
    )
    smtp_username: str = Field(default="", description="SMTP sign-in name; empty: none.")
    smtp_password: str = Field(default="", description="SMTP password.")
    smtp_starttls: bool = Field(
        default=False, description="Ask the SMTP server for STARTTLS before anything is sent."
    )
    smtp_timeout_seconds: float = Field(
        default=10, gt=0, description="Give up on the SMTP server after this many seconds."
    )
    mail_interval_seconds: float = Field(
        default=5, gt=0, description="The mailer looks for e-mails to send this often."
    )
    webhook_hosts: list[str] = Field(
        default_factory=list,
        description="Notifications by signed webhook: the hosts an account may send them to, "
        'a JSON list such as ["hooks.dea.example"]; empty sends none.',
    )
    webhook_timeout_seconds: float = Field(
        default=5, gt=0, description="Give up on a webhook's answer after this many seconds."
    )
    webhook_attempts: int = Field(
        default=5, ge=1, le=20, description="Tries of one webhook before it is marked failed."
    )
    civic_url: str = Field(
        default="",
        description="The civic channel's public site (http://host:port); empty: pull nothing. "
        "The internal node always opens the connection to it.",
    )
    civic_pull_token: str = Field(
        default="", description="The public site's VINCULO_PUBLIC_PULL_TOKEN."
    )
    civic_key_path: Path | None = Field(
        default=None,
        description="The private key submissions are sealed to; empty: civic/submission.key "
        "in the data directory, where `vinculo civic keys` writes it.",
    )
    civic_agency: str = Field(
        default="",
        description="The agency that receives the civic channel's submissions: each is marked "
        "TLP:AMBER+STRICT for it and the civic-triage group.",
    )
    civic_pull_interval_seconds: float = Field(
        default=60, gt=0, description="The internal app pulls new submissions this often."
    )

    @property
    def resolved_civic_key_path(self) -> Path:
        if self.civic_key_path is not None:
            return self.civic_key_path
        return self.data_dir / "civic" / "submission.key"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vinculo.db').as_posix()}"

    def problems_outside_demo(self) -> list[str]:
        """Settings that are only acceptable in demo mode."""
        if self.demo:
            return []
        problems = []
        if self.secret_key == DEFAULT_SECRET:
            problems.append("VINCULO_SECRET_KEY is the default; set a secret of your own.")
        # Message ids: translated by the caller (vinculo.web.startup).
        return problems


def default_of(name: str) -> Any:
    """A setting's default, for code that runs without a Settings (a library call, a test)."""
    return Settings.model_fields[name].default
