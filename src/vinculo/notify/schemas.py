"""Shapes of the notification API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class NotificationRead(BaseModel):
    id: int  # the reader's own numbering (1: their first notification), not a row id
    kind: str
    message: str  # why, in the reader's language
    label: str  # the item as the reader sees it called: a title, a caption, or its kind and id
    item_kind: str
    item_id: str
    link: str
    created_at: datetime
    read: bool


class NotificationList(BaseModel):
    items: list[NotificationRead]
    unread: int


class ReadIn(BaseModel):
    ids: list[int] | None = Field(default=None, max_length=1000)  # none: every one


class ReadResult(BaseModel):
    marked: int


class WatchCreate(BaseModel):
    kind: str = Field(max_length=16)
    value: str = Field(min_length=1, max_length=500)


class WatchRead(BaseModel):
    id: str  # the watch's key, for DELETE /api/v1/watch/{id}
    kind: str
    value: str
    link: str


class WatchList(BaseModel):
    items: list[WatchRead]


class WebhookSet(BaseModel):
    url: str = Field(min_length=1, max_length=500)


class WebhookRead(BaseModel):
    url: str  # empty: none
    hosts: list[str]  # the hosts this node may call; empty: it sends no webhooks
    secret: str | None = None  # only in the answer that made it
