"""Shapes of the labels API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class LabelOut(BaseModel):
    """One code of a domain with its English text and its text in the asked language
    (``text`` null: no translation, the English is shown)."""

    domain: str
    code: str
    language: str
    english: str
    text: str | None
    source: str
    updated_by: str | None
    updated_at: datetime | None


class LabelIn(BaseModel):
    """The new text of one label (``source`` unchanged when left out)."""

    text: str = Field(min_length=1, max_length=500)
    source: str | None = Field(default=None, max_length=300)
