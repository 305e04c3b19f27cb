"""Zalo event -> neutral `Incoming` -> conversations -> replies as numbered text. No rules here."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Protocol

from bot.zalo.client import ZaloClient
from bot.zalo.events import IMAGE, STICKER, TEXT, ZaloEvent, parse_event
from bot.zalo.outbound import ZaloOutbound
from db.database import DatabaseUnavailable
from domain.deps import Deps
from domain.membership import account_member
from handlers.messages import Incoming, IncomingFile, Reply, SendError
from locales import t

log = logging.getLogger("dondoc.zalo")

CHANNEL = "zalo"


class Conversations(Protocol):
    """What the binding needs from `handlers.router.Conversations`."""

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Answer one incoming message."""
        ...


def to_incoming(event: ZaloEvent, client: ZaloClient) -> Incoming:
    """The neutral form of a Zalo event."""
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "user_id": event.user_id,
        "chat_id": event.chat_id,
        "display_name": event.display_name,
        "is_group": event.is_group,
        "update_seq": event.date_ms,
        "update_key": event.message_id[:64] or None,
    }
    if event.name == IMAGE and event.photo_url:
        url = event.photo_url

        async def fetch() -> bytes:
            return await client.download(url)

        ident = event.message_id or str(event.date_ms or "image")
        photo = IncomingFile(
            name=f"zalo-{ident}.jpg", size=None, mime_type="image/jpeg", fetch=fetch, kind="photo"
        )
        return Incoming(**base, text=event.text.strip(), file=photo)
    if event.name == TEXT:
        return Incoming(**base, text=event.text)
    kind = "sticker" if event.name == STICKER else "image" if event.name == IMAGE else "file"
    return Incoming(**base, unsupported=kind)


# Questions that talk about sending files: Zalo users get a note on what Zalo can carry.
FILE_QUESTIONS = ("report.ask_evidence",)


def adapt(replies: list[Reply], msg: Incoming, locale: str) -> list[Reply]:
    """Zalo wording where the neutral text assumes file uploads work.

    The router answers a sticker or a file with its generic "not supported" line and repeats
    the question of a form in progress; on Zalo that line is replaced by one saying how to
    add evidence here (a photo, the document's number, or Telegram).
    """
    generic = t("error.unsupported", locale)
    hints = [t(key, locale) for key in FILE_QUESTIONS]
    out: list[Reply] = []
    for reply in replies:
        if msg.unsupported is not None and reply.text == generic:
            key = "zalo.sticker" if msg.unsupported == "sticker" else "zalo.unsupported"
            reply = replace(reply, text=t(key, locale))
        elif any(reply.text.startswith(h) for h in hints):
            reply = replace(reply, text=reply.text + "\n" + t("zalo.evidence_hint", locale))
        out.append(reply)
    if (
        msg.unsupported is not None
        and not msg.is_group
        and not any(
            r.text in (t("zalo.sticker", locale), t("zalo.unsupported", locale)) for r in out
        )
    ):
        key = "zalo.sticker" if msg.unsupported == "sticker" else "zalo.unsupported"
        out.insert(0, Reply(t(key, locale)))
    return out


class ZaloBinding:
    """Turns events into conversations, one chat at a time and in arrival order."""

    def __init__(
        self,
        client: ZaloClient,
        conversations: Conversations,
        deps: Deps,
        outbound: ZaloOutbound | None = None,
        *,
        max_pending: int = 500,
    ) -> None:
        self.client = client
        self.conversations = conversations
        self.deps = deps
        self.outbound = outbound or ZaloOutbound(client, deps.default_locale)
        self.tasks: set[asyncio.Task[None]] = set()
        # chat id -> (lock, number of events holding or waiting for it)
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._room = asyncio.Semaphore(max_pending)
        self.processed = 0  # events answered so far (for tests and health checks)

    # --- scheduling ----------------------------------------------------------------------

    def _duplicate(self, event: ZaloEvent) -> bool:
        """Webhook retries and re-polls can repeat an event; answer each message once."""
        if not event.message_id:
            return False
        key = f"{event.chat_id}:{event.message_id}"
        if key in self._seen:
            return True
        self._seen[key] = None
        while len(self._seen) > 2000:
            self._seen.popitem(last=False)
        return False

    async def submit(self, raw: Mapping[str, Any]) -> bool:
        """Queue an event for processing in the background; False when it is not a message."""
        event = parse_event(raw)
        if event is None:
            log.info("zalo: ignored an event that is not a message (%s)", raw.get("event_name"))
            return False
        if self._duplicate(event):
            log.info("zalo: duplicate message %s ignored", event.message_id)
            return True
        await self._room.acquire()
        lock, users = self._locks.get(event.chat_id, (asyncio.Lock(), 0))
        self._locks[event.chat_id] = (lock, users + 1)
        task = asyncio.create_task(self._run(event, lock), name=f"zalo-event-{event.message_id}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return True

    async def _run(self, event: ZaloEvent, lock: asyncio.Lock) -> None:
        try:
            async with lock:
                await self.process(event)
        finally:
            self._room.release()
            lock, users = self._locks[event.chat_id]
            if users <= 1:
                del self._locks[event.chat_id]
            else:
                self._locks[event.chat_id] = (lock, users - 1)

    async def drain(self, grace: float = 20.0) -> None:
        """Wait (bounded) for events in progress, e.g. before stopping."""
        if not self.tasks:
            return
        _, pending = await asyncio.wait(set(self.tasks), timeout=grace)
        for task in pending:
            log.warning("zalo: event still in progress at shutdown was cancelled")
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    # --- processing ----------------------------------------------------------------------

    async def locale_for(self, user_id: str) -> str:
        """The member's language, or the deployment's default."""
        try:
            async with self.deps.db.read() as session:
                found = await account_member(session, CHANNEL, user_id)
        except Exception:  # the database may be down; a default locale is fine for an error
            return self.deps.default_locale
        return found[1].locale if found else self.deps.default_locale

    async def process(self, event: ZaloEvent) -> None:
        """Answer one event; never raises (errors are logged and told to the user)."""
        msg = to_incoming(event, self.client)
        try:
            if msg.unsupported is None:
                await self.client.send_chat_action(event.chat_id)
            replies = await self.conversations.handle(msg)
            locale = await self.locale_for(event.user_id)
            replies = adapt(replies, msg, locale)
        except DatabaseUnavailable:
            locale = self.deps.default_locale
            replies = [Reply(t("error.db_down", locale))]
        except Exception:
            log.exception("zalo: handling a %s event failed", event.name)
            locale = await self.locale_for(event.user_id)
            replies = [Reply(t("zalo.error", locale))]
        try:
            for reply in replies:
                await self.outbound.send(event.chat_id, reply, locale)
        except SendError as exc:
            log.warning("zalo: reply to a chat not delivered: %s", exc)
        finally:
            self.processed += 1
