"""The public intake's settings: its own, from `VINCULO_PUBLIC_*`, and nothing of the internal
node's. The public process never reads `Settings` (no internal database URL, no secret key):
what it signs with (CSRF, the proof-of-work challenges, the visit's session) is made at random
when it starts and lives in its memory only."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PublicSettings(BaseSettings):
    """Everything the public intake may be given, each from `VINCULO_PUBLIC_<NAME>`."""

    model_config = SettingsConfigDict(
        env_prefix="VINCULO_PUBLIC_", extra="forbid", populate_by_name=True
    )

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the public store; empty means `public.db` in data_dir.",
    )
    data_dir: Path = Field(
        default=Path("var/public"), description="Where the public store's SQLite file lives."
    )
    host: str = Field(default="127.0.0.1", description="Address the public site listens on.")
    port: int = Field(default=8100, description="Port the public site listens on.")
    behind_tls: bool = Field(default=False, description="Cookies marked Secure (HTTPS only).")
    default_locale: str = Field(default="es", description="Locale when none is chosen: en, es.")
    submission_key: str = Field(
        default="",
        description="The internal node's public key (base64, from `vinculo civic keys`): "
        "every submission is sealed to it on arrival.",
    )
    pull_token: str = Field(
        default="",
        description="The token the internal node presents to pull submissions and push "
        "replies (at least 32 characters).",
    )
    retention_days: int = Field(
        default=90, ge=1, description="Days the public store keeps anything, then purges it."
    )
    max_attachment_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest attachment accepted, in bytes."
    )
    max_attachments: int = Field(default=3, ge=0, description="Attachments per submission.")
    max_text_chars: int = Field(
        default=20_000, ge=100, description="Longest account of what happened, in characters."
    )
    pow_bits: int = Field(
        default=3,
        ge=0,
        le=16,
        description="Leading zero bits each round of the proof-of-work must find (each bit "
        "doubles the work).",
    )
    pow_rounds: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Rounds of the proof-of-work (the server checks one hash per round).",
    )
    pow_cost: int = Field(
        default=13,
        ge=1,
        le=16,
        description="scrypt's cost of each proof-of-work hash, as log2 N (13: N = 8192, 8 MiB "
        "of memory).",
    )
    pow_ttl_seconds: int = Field(
        default=1800, ge=60, description="How long a proof-of-work challenge stays valid."
    )
    limit_with_pow: int = Field(
        default=10, ge=1, description="Submissions per address per hour with a proof-of-work."
    )
    limit_without_pow: int = Field(
        default=2,
        ge=1,
        description="Submissions per address per hour from a browser without JavaScript.",
    )
    limit_follow_up: int = Field(
        default=10, ge=1, description="Receipt and passphrase attempts per address per hour."
    )
    visit_minutes: float = Field(
        default=20, gt=0, description="Minutes a reporter's visit (after the passphrase) lasts."
    )
    forwarded_for: bool = Field(
        default=False,
        description="Behind a reverse proxy: rate-limit on the first X-Forwarded-For address "
        "(it is hashed in memory, never stored).",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'public.db').as_posix()}"

    def problems(self) -> list[str]:
        """What stops the public site from starting, each naming its setting."""
        found = []
        if not self.submission_key:
            found.append(
                "VINCULO_PUBLIC_SUBMISSION_KEY is not set: run `vinculo civic keys` on the "
                "internal node and copy the public key it prints."
            )
        if len(self.pull_token) < 32:
            found.append("VINCULO_PUBLIC_PULL_TOKEN must be at least 32 characters long.")
        return found
