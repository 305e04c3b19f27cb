"""Feature routers: what each feature declares, and the table the root composes from them.

Each feature module ends with one `Router` value naming its commands (the Vietnamese and the
English word), its form flows, its help lines and the documents it accepts; `handlers/root.py`
composes them, as aiogram 3 composes routers with `include_router`. `Routes` is the read-only
table built from the composed tree: the conversation core looks commands and flows up in it,
Telegram's command menus and Zalo's typed command words are read from it. Nothing here is
changed after start-up, and no feature imports another's router.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from handlers.forms import CHECKED
from handlers.messages import Reply
from handlers.turn import Turn

CommandHandler = Callable[[Turn], Awaitable[list[Reply]]]
FlowHandler = Callable[[Turn, str], Awaitable[list[Reply]]]
FileHandler = Callable[[Turn], Awaitable[list[Reply]]]
# Who sees a command in Telegram's menu: everybody, or the coordinating office only.
Menu = Literal["all", "office"]


@dataclass(frozen=True)
class Command:
    """A command: its name (English; `cmd:<name>` buttons and the menu use it) and words.

    `vi` and `en` are the words typed after "/" (the English word is the name unless given);
    further `aliases` are accepted too. `keeps_form`: answered without ending a form in
    progress, whose question is then asked again (`/help`). `sees_form`: the handler runs with
    the form still loaded (`/cancel`). `open`: a stranger who has not joined may use it.
    `menu`: listed in Telegram's command menu (described by `telegram.cmd_<name>`).
    """

    name: str
    handler: CommandHandler
    vi: str
    en: str = ""
    aliases: tuple[str, ...] = ()
    keeps_form: bool = False
    sees_form: bool = False
    open: bool = False
    menu: Menu | None = None

    @property
    def words(self) -> tuple[str, ...]:
        """Every word that calls the command."""
        return (self.vi, self.en or self.name, *self.aliases)

    def word(self, locale: str) -> str:
        """The word shown to a user of `locale`."""
        return self.vi if locale == "vi" else (self.en or self.name)


@dataclass(frozen=True)
class Flow:
    """A form flow: the function that continues it at a step; `open`: strangers may be in it."""

    name: str
    resume: FlowHandler
    open: bool = False

    def __post_init__(self) -> None:
        if not getattr(self.resume, CHECKED, False):
            raise TypeError(
                f"flow {self.name!r}: a handlers.forms.Form, or a function behind forms.checked"
            )


@dataclass(frozen=True)
class HelpLine:
    """A line of `/help` (a catalog key), shown to everybody or to the office only."""

    key: str
    office: bool = False


@dataclass(frozen=True)
class Router:
    """One feature: its commands, flows, help lines, document handlers and sub-routers."""

    name: str
    commands: tuple[Command, ...] = ()
    flows: tuple[Flow, ...] = ()
    help: tuple[HelpLine, ...] = ()
    files: tuple[FileHandler, ...] = ()
    routers: tuple[Router, ...] = field(default=())

    def walk(self) -> Iterator[Router]:
        """This router, then its sub-routers depth first, in the order they were included."""
        yield self
        for sub in self.routers:
            yield from sub.walk()


class RoutingError(ValueError):
    """Two routers claim the same command word or flow name."""


class Routes:
    """The read-only table of a composed router tree.

    Implements `handlers.turn.Directory` (help lines) for the flows.
    """

    def __init__(self, root: Router) -> None:
        commands: dict[str, Command] = {}
        by_name: dict[str, Command] = {}
        flows: dict[str, Flow] = {}
        ordered: list[Command] = []
        help_lines: list[HelpLine] = []
        files: list[FileHandler] = []
        for router in root.walk():
            for command in router.commands:
                for word in (command.name, *command.words):
                    if commands.get(word, command) is not command:
                        raise RoutingError(f"/{word}: {router.name} and another router")
                    commands[word] = command
                by_name[command.name] = command
                ordered.append(command)
            for flow in router.flows:
                if flow.name in flows:
                    raise RoutingError(f"flow {flow.name!r}: {router.name} and another router")
                flows[flow.name] = flow
            help_lines.extend(router.help)
            files.extend(router.files)
        self.commands: Mapping[str, Command] = MappingProxyType(commands)
        self.flows: Mapping[str, Flow] = MappingProxyType(flows)
        self.files: tuple[FileHandler, ...] = tuple(files)
        self._by_name = MappingProxyType(by_name)
        self._ordered = tuple(ordered)
        self._help = tuple(help_lines)

    def command(self, word: str) -> Command | None:
        """The command a word calls (any language), or None."""
        return self.commands.get(word)

    def flow(self, name: str) -> Flow | None:
        """A form flow by name."""
        return self.flows.get(name)

    def word(self, name: str, locale: str) -> str | None:
        """The word to type for command `name` in `locale` (Zalo shows it beside buttons)."""
        command = self.commands.get(name)
        return command.word(locale) if command is not None else None

    def menu(self, audience: Menu) -> list[str]:
        """Telegram menu: command names for everybody, or for the office (its own first)."""
        if audience == "all":
            return [c.name for c in self._ordered if c.menu == "all"]
        office = [c.name for c in self._ordered if c.menu == "office"]
        return office + self.menu("all")

    def help_keys(self, office: bool) -> list[str]:
        """The `/help` lines (catalog keys) for an office member or anybody else."""
        return [line.key for line in self._help if office or not line.office]
