"""Entry point of every conversation: `Conversations.handle(incoming) -> replies`.

One database transaction per incoming message: the form's new step and any report it submits
commit together, so a crash or a restart leaves the form exactly at its last answered step.
"""

from __future__ import annotations

import logging

from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from db.database import DatabaseUnavailable
from db.models import FormSession
from domain.deps import Deps
from domain.membership import load_sender, mark_reachable
from handlers import basics, report_form
from handlers.common import parse_id
from handlers.forms import Answer
from handlers.messages import Incoming, Option, Reply, typed_option
from handlers.root import ROUTES
from handlers.routing import Routes
from handlers.turn import Turn, already_handled, clear_form, remember_update
from locales import normalize_locale, t

log = logging.getLogger(__name__)


_FRESH_FORM = (
    select(FormSession)
    .where(
        FormSession.channel == bindparam("channel"), FormSession.external_id == bindparam("user")
    )
    .execution_options(populate_existing=True)
)


def _is_db_error(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError | DBAPIError | DatabaseUnavailable | OSError)


class Conversations:
    """Routes a neutral incoming message to the right flow, by the composed routers' table."""

    def __init__(self, deps: Deps, routes: Routes = ROUTES) -> None:
        self.deps = deps
        self.routes = routes

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Answer one incoming message; never raises for the user's sake."""
        for attempt in (1, 2):
            try:
                async with self.deps.db.transaction() as session:
                    turn = await self._turn(session, msg)
                    if turn.stale:
                        # Redelivered, or overtaken by a later update: change nothing, and
                        # show where the form stands.
                        log.info("%s update %s already handled", msg.channel, msg.update_key)
                        return turn.repeat() if turn.in_form else []
                    return await self._dispatch(turn)
            except IntegrityError:
                # Two messages of one user raced to create the same form row: retry once.
                if attempt == 2:
                    log.exception("conflict handling %s message", msg.channel)
                    return [Reply(t("error.generic", msg.language))]
            except Exception as exc:
                if _is_db_error(exc):
                    log.warning("database unavailable: %s", type(exc).__name__)
                    return [Reply(t("error.db_down", normalize_locale(msg.language)))]
                log.exception("error handling a %s message", msg.channel)
                return [Reply(t("error.generic", normalize_locale(msg.language)))]
        return []

    async def _turn(self, session: AsyncSession, msg: Incoming) -> Turn:
        now = self.deps.now()
        sender = await load_sender(session, msg.channel, msg.user_id, with_form=not msg.is_group)
        account, member, form = sender.account, sender.member, sender.form
        stale = False
        if account is not None and not msg.is_group and self.deps.db.is_postgres:
            # The statement above read the form in the snapshot it started with; if it waited
            # for the account's lock (another process handled a message of the same user
            # meanwhile), that form is out of date. Read it again now that the lock is held.
            form = (
                await session.execute(_FRESH_FORM, {"channel": msg.channel, "user": msg.user_id})
            ).scalar_one_or_none()
        if account is not None:
            # The account row is locked: one user's updates are handled one at a time, in
            # whichever process, and an update is applied once at most.
            stale = already_handled(account, msg)
            if not stale:
                await remember_update(session, account, msg)
            await mark_reachable(session, account)
            if not msg.is_group and account.chat_id != msg.chat_id:
                account.chat_id = msg.chat_id
        locale = (
            member.locale if member else normalize_locale(msg.language or self.deps.default_locale)
        )
        turn = Turn(self.deps, session, msg, now, locale, account, member, form)
        turn.stale = stale
        turn.routes = self.routes
        return turn

    async def _dispatch(self, turn: Turn) -> list[Reply]:
        msg = turn.msg
        if msg.is_group:
            return self._group(turn)
        if msg.unsupported:
            turn.say(turn.t("error.unsupported"))
            return turn.repeat() if turn.form else turn.replies
        typed = self._typed_choice(turn)
        turn.choice = msg.choice or (typed.value if typed else None)
        replies = await self._route(turn)
        if typed is not None and turn.in_form:
            # A typed pick is echoed in words while the form goes on; a form that ended
            # already confirmed what was chosen.
            replies.insert(0, Reply(turn.t("forms.echo_choice", label=typed.label)))
        return replies

    async def _route(self, turn: Turn) -> list[Reply]:
        msg, choice = turn.msg, turn.choice
        if choice and choice.startswith("cmd:"):
            return await self._command_choice(turn, choice[4:])
        command = msg.command
        if command is not None:
            return await self._command(turn, command)
        if turn.form is not None and not turn.in_form:
            # Anything but one of the closing options ends the menu quietly.
            await clear_form(turn.session, msg.channel, msg.user_id)
            turn.form = None
        if turn.form is not None:
            flow = self.routes.flow(turn.form.flow)
            if flow is None or (turn.member is None and not flow.open):
                await clear_form(turn.session, msg.channel, msg.user_id)
                return [Reply(turn.t("form.cancelled"))]
            # The flow (a `handlers.forms.Form`, or a hand-written flow behind `forms.checked`)
            # refuses an answer to another question than the one it asked.
            return await flow.resume(turn, turn.form.step)
        if turn.member is None:
            code = basics.invite_code(Answer.of(turn))
            if code is not None:
                return await basics.join(turn, code)
            return [Reply(turn.t("start.how_to_join"))]
        if msg.file is not None:
            for handler in self.routes.files:
                replies = await handler(turn)
                if replies:
                    return replies
        if msg.choice:
            return [Reply(turn.t("form.stale_button"))]
        return [Reply(turn.t("help.hint"))]

    def _typed_choice(self, turn: Turn) -> Option | None:
        """The option picked by typing its marker or its label, if any."""
        options = turn.offered()
        if not options or turn.msg.choice or turn.msg.file is not None:
            return None
        return typed_option(options, turn.msg.text)

    async def _command(self, turn: Turn, command: str) -> list[Reply]:
        if turn.form is not None and not turn.in_form:
            await clear_form(turn.session, turn.msg.channel, turn.msg.user_id)
            turn.form = None
        found = self.routes.command(command)
        if found is None:
            turn.say(turn.t("error.unknown_command", command=command))
            if turn.form is not None:
                return turn.repeat()
            return turn.replies + ([] if turn.member is None else [Reply(turn.t("help.hint"))])
        if turn.member is None and not found.open:
            return [Reply(turn.t("start.how_to_join"))]
        turn.choice = None
        if found.keeps_form and turn.form is not None:
            replies = await found.handler(turn)
            turn.replies = []
            return replies + turn.repeat(turn.t("form.resume_hint"))
        if turn.form is not None and not found.sees_form:
            await clear_form(turn.session, turn.msg.channel, turn.msg.user_id)
            turn.form = None
        return await found.handler(turn)

    async def _command_choice(self, turn: Turn, action: str) -> list[Reply]:
        """Buttons that act like commands ("cmd:report:12" starts the report on task 12)."""
        turn.choice = None
        if turn.member is None:
            return [Reply(turn.t("start.how_to_join"))]
        if turn.form is not None:
            await clear_form(turn.session, turn.msg.channel, turn.msg.user_id)
            turn.form = None
        name, _, arg = action.partition(":")
        if name == "report":
            return await report_form.start(turn, parse_id(arg))
        if name == "done":
            return [Reply(turn.t("common.closed"))]
        found = self.routes.command(name)
        if found is None:
            return [Reply(turn.t("form.stale_button"))]
        return await found.handler(turn)

    def _group(self, turn: Turn) -> list[Reply]:
        """In a group: no forms; commands get a pointer to a private chat."""
        if turn.msg.command is None:
            return []
        link = self.deps.join_links.get(turn.msg.channel, "")
        bot_link = link.split("?", 1)[0] if link else ""
        return [Reply(turn.t("group.private_only", link=bot_link).strip())]
