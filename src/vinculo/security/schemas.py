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
