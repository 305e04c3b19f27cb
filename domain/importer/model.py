"""Neutral shapes: the blocks a reader yields and the plan a parser builds from them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from db.models import DocumentFamily
from domain.periods import RuleSpec
from domain.timeframes import Timeframe


@dataclass
class Para:
    """A paragraph (or a line of a text file) in document order."""

    text: str
    bold: bool = False
    line: int = 0  # the source line it starts on (1-based; 0 when unknown)


@dataclass
class Table:
    """A table as rows of cell texts (a sheet, a CSV file, a Word table, tab-separated lines)."""

    rows: list[list[str]]
    name: str = ""
    line: int = 0  # the source line of its first cell (1-based; 0 when unknown)


Block = Para | Table


@dataclass
class Document:
    """What a reader produced: blocks in document order, and the file's name."""

    name: str
    blocks: list[Block]


@dataclass(frozen=True)
class Warn:
    """Something the importer could not read with confidence; `key` is an importer.* message."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, key: str, **params: Any) -> Warn:
        """Build a warning with parameters."""
        return cls(key, tuple(params.items()))


@dataclass
class ParsedTask:
    """One task as read from the plan."""

    ref: str
    title: str
    lead: list[str]
    support: list[str]
    timeframe: Timeframe
    section: str | None = None
    source: str = "table"  # table | section | prose | duty
    group: str = ""  # the group row's label (I, II…) in an appendix table
    line: int = 0  # the source line the task starts on (0 when unknown)
    quote: str = ""  # the source text the task was read from (shown when it is doubtful)
    confidence: float = 1.0  # 0..1, see importer.confidence
    doubts: list[str] = field(default_factory=list)  # importer.confidence.PENALTIES keys


@dataclass
class ParsedUnit:
    """A unit named in the plan: display name and the other spellings seen."""

    name: str
    aliases: list[str] = field(default_factory=list)
    group: bool = False
    existing_id: int | None = None


@dataclass
class ParsedPlan:
    """The whole plan, before anything is saved."""

    title: str
    year: int
    number: str | None = None
    issuer: str | None = None
    parent_body: str | None = None
    place: str | None = None
    issued_on: dt.date | None = None
    coordinator: str | None = None
    family: DocumentFamily = DocumentFamily.ADMINISTRATIVE
    units: list[ParsedUnit] = field(default_factory=list)
    tasks: list[ParsedTask] = field(default_factory=list)
    rules: list[RuleSpec] = field(default_factory=list)
    warnings: list[Warn] = field(default_factory=list)
    source_name: str = ""
    confidence: float = 1.0  # 0..1, the whole read (importer.confidence)
    # Set when the file is dondoc's own exported task sheet of an existing plan.
    target_plan_id: int | None = None
