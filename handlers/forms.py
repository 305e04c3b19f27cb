"""Typed form steps: a form is a table of steps, each with a parser for its answer type.

A `Form` names its flow, the dataclass its answers so far are kept in (serialised to the form
row by `to_json` / `from_json`), and its steps. At each message the form:

1. refuses an answer to another question than the one asked (`checked_answer`): a button of an
   older message, or text typed before the current question was asked, changes nothing and the
   question is asked again (issues 11 and 15);
2. reads the stored data back into its dataclass;
3. runs the step's parsers on the answer (`Answer`: the option picked, the text typed, the file
   sent) until one recognises it: its typed value (an id, a status, a percentage, a text), or a
   `Refusal` saying why the answer does not fit;
4. hands the typed value to the step's `then`, which applies it and asks the next question.

Hand-written flows that are not (yet) tables of steps are wrapped in `checked`, which applies
step 1 as well: every flow the routers declare goes through it.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, Self, TypeVar, overload

from handlers.common import parse_id, short
from handlers.messages import MAX_TEXT, IncomingFile, Option, Reply
from handlers.turn import Turn

T = TypeVar("T")
D = TypeVar("D", bound="FormData")
# An attribute set on every flow handler that checks an answer answers the question asked.
CHECKED = "__answer_checked__"


class FormData(Protocol):
    """A form's answers so far: a dataclass stored as JSON in the form row."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored with the form."""
        ...

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Self:
        """Read the stored object back (KeyError, TypeError or ValueError if it does not fit)."""
        ...


@dataclass
class NoData:
    """The data of a form whose answers are not kept beyond the step (one question)."""

    def to_json(self) -> dict[str, Any]:
        """Nothing to store."""
        return {}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> NoData:
        """Nothing stored."""
        del raw
        return cls()


@dataclass(frozen=True)
class Answer:
    """What the user gave at a step: the option picked (by a button, its typed marker or its
    label), the typed text (trimmed), a file."""

    choice: str | None
    text: str
    file: IncomingFile | None

    @classmethod
    def of(cls, turn: Turn) -> Answer:
        """The answer carried by the turn's message."""
        return cls(turn.choice, turn.msg.text.strip(), turn.msg.file)

    @property
    def typed(self) -> str | None:
        """Text typed for a free answer (no option picked, no file), or None."""
        if self.choice is not None or self.file is not None or not self.text:
            return None
        return self.text


@dataclass(frozen=True)
class Refusal:
    """An answer of the right kind that does not fit (a percentage of 250): said, then the
    question is asked again. `key=None`: "choose one of the listed options"."""

    key: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


def option(value: str, result: T) -> Callable[[Answer], T | None]:
    """The option with exactly this value, as `result`."""

    def parse(answer: Answer) -> T | None:
        return result if answer.choice == value else None

    return parse


def option_id(prefix: str) -> Callable[[Answer], int | Refusal | None]:
    """An option whose value is `prefix` and a row id ("t:12" -> 12)."""

    def parse(answer: Answer) -> int | Refusal | None:
        if answer.choice is None or not answer.choice.startswith(prefix):
            return None
        found = parse_id(answer.choice[len(prefix) :])
        return Refusal() if found is None else found

    return parse


def option_key(prefix: str, fits: Callable[[str], bool] = bool) -> Callable[[Answer], str | None]:
    """An option whose value is `prefix` and a key ("p:2026-Q4" -> "2026-Q4")."""

    def parse(answer: Answer) -> str | None:
        if answer.choice is None or not answer.choice.startswith(prefix):
            return None
        key = answer.choice[len(prefix) :]
        return key if fits(key) else None

    return parse


_PERCENT = re.compile(r"^\s*([0-9]{1,3})(?:[.,]0+)?\s*%?\s*$")  # ASCII digits only


@dataclass(frozen=True)
class Typed(Generic[T]):
    """A value the user typed (echoed back in words), as opposed to one picked from a list."""

    value: T


def percent(prefix: str = "pct:") -> Callable[[Answer], int | Typed[int] | Refusal | None]:
    """A percentage 0-100: a preset option (`pct:50`) or a typed number ("3", "3%", "3,0")."""

    def parse(answer: Answer) -> int | Typed[int] | Refusal | None:
        if answer.choice is not None and answer.choice.startswith(prefix):
            found = _PERCENT.match(answer.choice[len(prefix) :])
            return int(found.group(1)) if found and int(found.group(1)) <= 100 else Refusal()
        if answer.choice is not None:
            return None
        found = _PERCENT.match(answer.text)
        if found is None or int(found.group(1)) > 100:
            return Refusal("error.progress_range")
        return Typed(int(found.group(1)))

    return parse


def text(
    limit: int = MAX_TEXT, *, required: bool = True
) -> Callable[[Answer], Typed[str] | Refusal | None]:
    """Free text, at most `limit` characters; an empty message is refused as missing when
    `required`, else not recognised."""

    def parse(answer: Answer) -> Typed[str] | Refusal | None:
        if answer.choice is not None or answer.file is not None:
            return None
        if not answer.text:
            return Refusal("error.required") if required else None
        if len(answer.text) > limit:
            return Refusal("error.too_long", {"limit": limit, "got": len(answer.text)})
        return Typed(answer.text)

    return parse


def a_file(answer: Answer) -> IncomingFile | None:
    """A file sent (a document or a photo)."""
    return answer.file


def echo(turn: Turn, shown: str) -> None:
    """Say back in words what was typed ("Đã ghi: 3%", the first 80 characters of a text)."""
    turn.say(turn.t("forms.echo_value", value=short(shown, 80)))


E = TypeVar("E", bound=enum.Enum)


def one_of(*members: E) -> Callable[[Answer], E | None]:
    """The option whose value is one of these members' value, as that member."""
    by_value = {str(m.value): m for m in members}

    def parse(answer: Answer) -> E | None:
        return by_value.get(answer.choice) if answer.choice is not None else None

    return parse


@dataclass(frozen=True)
class Step(Generic[D, T]):
    """One question of a form: how its answer is read, and what the typed answer leads to."""

    name: str
    parse: Callable[[Answer], T | Refusal | None]
    then: Callable[[Turn, D, T], Awaitable[list[Reply]]]


A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


@overload
def first(
    a: Callable[[Answer], A | None], b: Callable[[Answer], B | None], /
) -> Callable[[Answer], A | B | None]: ...
@overload
def first(
    a: Callable[[Answer], A | None],
    b: Callable[[Answer], B | None],
    c: Callable[[Answer], C | None],
    /,
) -> Callable[[Answer], A | B | C | None]: ...
def first(*parsers: Callable[[Answer], Any]) -> Callable[[Answer], Any]:
    """The first parser that recognises the answer decides (its value or its refusal)."""

    def parse(answer: Answer) -> Any:
        for parser in parsers:
            found = parser(answer)
            if found is not None:
                return found
        return None

    return parse


def checked_answer(turn: Turn) -> list[Reply] | None:
    """None when the message answers the question asked; else the question again.

    A button from another message than the current question's, or text typed before the
    current question was asked (a redelivery, or messages overtaking each other), changes
    nothing.
    """
    if turn.msg.choice and not any(o.value == turn.msg.choice for o in turn.offered()):
        return turn.repeat(turn.t("form.stale_button"))
    if turn.answers_an_older_question():
        return turn.repeat()
    return None


FlowHandler = Callable[[Turn, str], Awaitable[list[Reply]]]


def checked(resume: FlowHandler) -> FlowHandler:
    """A hand-written flow behind the same answer check as every `Form`."""

    @functools.wraps(resume)
    async def run(turn: Turn, step: str) -> list[Reply]:
        refused = checked_answer(turn)
        return refused if refused is not None else await resume(turn, step)

    setattr(run, CHECKED, True)
    return run


Gate = Callable[[Turn], Awaitable[list[Reply] | None]]


class Form(Generic[D]):
    """A form: its flow name, its data type and its table of steps."""

    def __init__(
        self,
        flow: str,
        data: type[D],
        steps: Iterable[Step[D, Any]],
        *,
        gate: Gate | None = None,
        cancel: str | None = "form.cancelled",
        choose_listed: str = "form.choose_listed",
    ) -> None:
        self.flow = flow
        self.data_type = data
        self.steps: Mapping[str, Step[D, Any]] = {s.name: s for s in steps}
        # Checked before every step (e.g. office members only); its replies end the turn.
        self.gate = gate
        # The "cancel" option ends the form with this message (None: no such option).
        self.cancel = cancel
        # Said when an answer is none of the listed options.
        self.choose_listed = choose_listed
        setattr(self, CHECKED, True)

    def load(self, turn: Turn) -> D:
        """The form's data as stored with its current step."""
        raw = {k: v for k, v in turn.data.items() if not k.startswith("_")}
        return self.data_type.from_json(raw)

    async def ask(
        self, turn: Turn, step: str, text: str, options: list[Option], data: D
    ) -> list[Reply]:
        """Store the form at `step` with its data and ask the step's question."""
        assert step in self.steps, step
        return await turn.ask(self.flow, step, text, options, data=data.to_json())

    async def __call__(self, turn: Turn, step: str) -> list[Reply]:
        """Continue the form at `step` with the message's answer."""
        refused = checked_answer(turn)
        if refused is not None:
            return refused
        if self.gate is not None:
            stop = await self.gate(turn)
            if stop is not None:
                return stop
        if self.cancel is not None and turn.choice == "cancel":
            return await turn.done(turn.t(self.cancel))
        current = self.steps.get(step)
        try:
            data = self.load(turn)
        except (KeyError, TypeError, ValueError):
            current = None
        if current is None:
            return await turn.done(turn.t("form.cancelled"))
        value = current.parse(Answer.of(turn))
        if value is None:
            value = Refusal(None if turn.offered() else "error.required")
        if isinstance(value, Refusal):
            key = value.key or self.choose_listed
            return turn.repeat(turn.t(key, **value.params))
        return await current.then(turn, data, value)
