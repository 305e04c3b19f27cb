"""One turn of a conversation: who is talking, their form state, and helpers to answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from db.models import ChatAccount, FormSession, Member
from domain.deps import Deps
from handlers.messages import Incoming, Option, Reply
from locales import t

OPTIONS_KEY = "_options"
QUESTION_KEY = "_question"
# The channel's order number of the update the current question answered (see Incoming).
ASKED_SEQ_KEY = "_asked_seq"
# A finished form's closing options ("Report the next task", "Close"): not a form in progress.
MENU_FLOW = "menu"

_FORMS = cast(Table, FormSession.__table__)
# A form moves on at every answer: one UPDATE, without the ORM's unit of work (which costs
# more CPU than the statement itself).
_SAVE_FORM = (
    update(_FORMS)
    .where(_FORMS.c.id == bindparam("form_id"))
    .values(
        flow=bindparam("flow"),
        step=bindparam("step"),
        data=bindparam("data"),
        updated_at=bindparam("updated_at"),
    )
)
_ACCOUNTS = cast(Table, ChatAccount.__table__)
# The last update handled from an account, in the same transaction as the form it changed.
_SAVE_LAST_UPDATE = (
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == bindparam("account_id"))
    .values(last_update_seq=bindparam("seq"), last_update_key=bindparam("key"))
)
_CLEAR_FORM = delete(_FORMS).where(
    _FORMS.c.channel == bindparam("channel"), _FORMS.c.external_id == bindparam("user")
)


class Directory(Protocol):
    """What flows may ask of the composed routers (`handlers.routing.Routes`)."""

    def help_keys(self, office: bool) -> list[str]:
        """The `/help` lines (catalog keys) for an office member or anybody else."""
        ...


class _NoDirectory:
    """A turn built outside the router (tests of one flow): no commands, no help lines."""

    def help_keys(self, office: bool) -> list[str]:
        del office
        return []


@dataclass
class Turn:
    """Everything a flow needs to answer one incoming message."""

    deps: Deps
    session: AsyncSession
    msg: Incoming
    now: dt.datetime
    locale: str
    account: ChatAccount | None = None
    member: Member | None = None
    form: FormSession | None = None
    # Set by the router: the option the user picked (button, number or label), if any.
    choice: str | None = None
    # The update was handled before, or is older than one handled: it changes nothing.
    stale: bool = False
    replies: list[Reply] = field(default_factory=list)
    # The composed routers (help lines, command words), set by the router.
    routes: Directory = field(default_factory=_NoDirectory)

    def t(self, key: str, **params: Any) -> str:
        """Translate in the user's language."""
        return t(key, self.locale, **params)

    @property
    def data(self) -> dict[str, Any]:
        """The current form's answers so far (empty without a form)."""
        return dict(self.form.data) if self.form else {}

    async def ask(
        self,
        flow: str,
        step: str,
        text: str,
        options: list[Option] | None = None,
        data: dict[str, Any] | None = None,
    ) -> list[Reply]:
        """Save the form at `step` (with the options offered) and return the question."""
        opts = options or []
        state = dict(data if data is not None else self.data)
        state[OPTIONS_KEY] = [
            [o.value, o.label] if o.key is None else [o.value, o.label, o.key] for o in opts
        ]
        state[QUESTION_KEY] = text
        state[ASKED_SEQ_KEY] = self.msg.update_seq
        if self.form is None:
            self.form = FormSession(
                channel=self.msg.channel,
                external_id=self.msg.user_id,
                flow=flow,
                step=step,
                data=state,
                updated_at=self.now,
            )
            self.session.add(self.form)
            await self.session.flush()
        else:
            values = {"flow": flow, "step": step, "data": state, "updated_at": self.now}
            await self.session.execute(_SAVE_FORM, {"form_id": self.form.id, **values})
            for name, value in values.items():
                set_committed_value(self.form, name, value)
        return [*self.replies, Reply(text, opts)]

    async def done(self, text: str, options: list[Option] | None = None) -> list[Reply]:
        """End the form and answer; options offered here stay selectable by number or label."""
        if options:
            return await self.ask(MENU_FLOW, MENU_FLOW, text, options, data={})
        await clear_form(self.session, self.msg.channel, self.msg.user_id)
        self.form = None
        return [*self.replies, Reply(text)]

    @property
    def in_form(self) -> bool:
        """True while a real form is in progress (a closing menu does not count)."""
        return self.form is not None and self.form.flow != MENU_FLOW

    def say(self, text: str, options: list[Option] | None = None) -> None:
        """Queue a message sent before the next question."""
        self.replies.append(Reply(text, options or []))

    def repeat(self, error: str | None = None) -> list[Reply]:
        """Ask the current question again, after an optional error message."""
        if error:
            self.say(error)
        question = self.form.data.get(QUESTION_KEY, "") if self.form else ""
        return [*self.replies, Reply(question, self.offered())]

    def answers_an_older_question(self) -> bool:
        """True when the message was sent before the current question was asked."""
        if self.form is None or self.msg.update_seq is None:
            return False
        asked = self.form.data.get(ASKED_SEQ_KEY)
        return isinstance(asked, int) and self.msg.update_seq < asked

    def offered(self) -> list[Option]:
        """Options offered with the current question."""
        if not self.form:
            return []
        # Each stored option is [value, label] or [value, label, key].
        return [Option(*stored) for stored in self.form.data.get(OPTIONS_KEY, [])]


async def load_form(session: AsyncSession, channel: str, user_id: str) -> FormSession | None:
    """The user's form in progress, if any."""
    row = await session.execute(
        select(FormSession).where(
            FormSession.channel == channel, FormSession.external_id == user_id
        )
    )
    return row.scalar_one_or_none()


async def clear_form(session: AsyncSession, channel: str, user_id: str) -> None:
    """Forget the user's form."""
    await session.execute(_CLEAR_FORM, {"channel": channel, "user": user_id})


def already_handled(account: ChatAccount, msg: Incoming) -> bool:
    """The update was handled before (same id), or one sent after it was."""
    if msg.update_key is not None and msg.update_key == account.last_update_key:
        return True
    last = account.last_update_seq
    return msg.update_seq is not None and last is not None and msg.update_seq < last


async def remember_update(session: AsyncSession, account: ChatAccount, msg: Incoming) -> None:
    """Store the update as the account's last handled one (in the turn's transaction)."""
    if msg.update_seq is None and msg.update_key is None:
        return
    params = {"account_id": account.id, "seq": msg.update_seq, "key": msg.update_key}
    await session.execute(_SAVE_LAST_UPDATE, params)
    set_committed_value(account, "last_update_seq", msg.update_seq)
    set_committed_value(account, "last_update_key", msg.update_key)
