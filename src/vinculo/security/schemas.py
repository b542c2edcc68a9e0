"""Pydantic shapes for accounts and tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    display_name: str = ""
    password: str = Field(min_length=4)
    agency: str
    roles: list[str] = Field(default_factory=lambda: ["analyst"])
    groups: list[str] = Field(default_factory=list)
    locale: str = "en"


class UserRead(BaseModel):
    username: str
    display_name: str
    nation: str
    agency: str
    roles: list[str]
    groups: list[str]
    locale: str
    locked: bool = False


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    scope: str = Field(description="Space-separated scopes: read, write")
    token_id: int = Field(description="Revoke it with DELETE /api/v1/auth/tokens/{token_id}")


class TokenRead(BaseModel):
    """A token as listed: never its secret."""

    id: int
    scope: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


# --- the audit trail, as auditors read it: ids, times, actors, actions — never content ------


class AuditRead(BaseModel):
    seq: int
    at: datetime = Field(description="UTC")
    actor: str | None
    agency: str | None
    action: str
    kind: str
    target: str | None = Field(description="An item id, an account, or a search query.")
    ids: list[str] = Field(description="Ids of the items the action returned or touched.")
    outcome: str
    detail: dict[str, object]


class AuditList(BaseModel):
    items: list[AuditRead]
    next_cursor: str | None = None


class DisseminationRead(BaseModel):
    """28 CFR 23.20(f): who received which items, why, when, and by what channel."""

    id: int
    at: datetime = Field(description="UTC")
    sender: str
    recipient: str
    purpose: str
    channel: str
    kind: str
    ids: list[str]


class DisseminationList(BaseModel):
    items: list[DisseminationRead]
    next_cursor: str | None = None
