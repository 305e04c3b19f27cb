"""A fake Telegram Bot API on 127.0.0.1 for the real python-telegram-bot client to talk to.

Tests inject user updates (messages, commands, button presses, documents, photos), read every
call the bot made, and can make given methods (optionally for given chats) fail with 429
(`retry_after`), 500 or 403.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.loopback import serve_on_loopback

# Calls that count against the per-bot flood limit.
_MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}
)

# Object-valued parameters PTB sends JSON-encoded inside form fields.
_JSON_FIELDS = {
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "entities",
    "caption_entities",
    "link_preview_options",
    "reply_parameters",
}


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    status: int = 200

    @property
    def chat_id(self) -> str | None:
        """The chat the call is addressed to, as a string."""
        value = self.params.get("chat_id")
        return None if value is None else str(value)


@dataclass
class Failure:
    """An error to answer instead of a method's result."""

    method: str
    status: int
    times: int
    retry_after: int | None = None
    chat_id: str | None = None
    description: str = ""


@dataclass
class StoredFile:
    """A file users sent (downloadable) or the bot uploaded."""

    file_id: str
    content: bytes
    path: str


class FakeTelegram:
    """The fake server; use as `async with FakeTelegram() as tg:`."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        username: str = "dondoc_test_bot",
        *,
        max_poll: float = 0.3,
        cap_per_second: int | None = None,
    ) -> None:
        self.token = token
        # Telegram's per-bot flood limit, enforced strictly when set: more than this many
        # messages (send/edit) within any sliding second get 429 with retry_after.
        self.cap_per_second = cap_per_second
        self._arrivals: collections.deque[float] = collections.deque()
        self.flood_429 = 0
        # Longest a getUpdates call is held open, whatever timeout the client asks for: short,
        # so a bot under test stops quickly.
        self.max_poll = max_poll
        self.username = username
        self.bot_id = int(token.split(":", 1)[0])
        self.calls: list[Call] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] | None = None
        self.files: dict[str, StoredFile] = {}
        self.uploads: list[dict[str, Any]] = []
        self.messages: dict[tuple[str, int], dict[str, Any]] = {}
        # chat id -> the latest message the bot sent there with an inline keyboard
        self.latest_keyboard: dict[str, dict[str, Any]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self._failures: list[Failure] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.confirmed_offset = 0
        # update ids the bot under test finished handling (reported by the test harness)
        self.processed: set[int] = set()

    # ---- lifecycle --------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        """Listen on a random loopback port."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._on_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._on_file)
        self._runner, self.port = await serve_on_loopback(app)
        return self

    async def stop(self) -> None:
        """Close the server."""
        async with self._changed:
            self._changed.notify_all()
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_BASE_URL is set to (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Where files are downloaded from."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---- failures ---------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        chat_id: int | str | None = None,
        description: str = "",
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) with an error."""
        self._failures.append(
            Failure(
                method,
                status,
                times,
                retry_after,
                None if chat_id is None else str(chat_id),
                description,
            )
        )

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        chat = params.get("chat_id")
        for failure in self._failures:
            if failure.method != method or failure.times <= 0:
                continue
            if failure.chat_id is not None and failure.chat_id != str(chat):
                continue
            failure.times -= 1
            return failure
        return None

    # ---- injecting updates ------------------------------------------------------------------

    def _user(self, user_id: int, first_name: str, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def _chat(self, chat_id: int, chat_type: str, title: str | None = None) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if title:
            chat["title"] = title
        return chat

    def _push(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **payload}
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def make_message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        title: str | None = None,
        first_name: str = "Lan",
        language_code: str | None = "vi",
        **extra: Any,
    ) -> dict[str, Any]:
        """A message object from a user (not queued)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id if chat_id is not None else user_id, chat_type, title),
            "from": self._user(user_id, first_name, language_code),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                word = text.split(maxsplit=1)[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
        return message

    def send_text(self, user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        """A user sends text or a command; returns the queued update."""
        return self._push({"message": self.make_message(user_id, text, **kwargs)})

    def press(
        self,
        user_id: int,
        data: str,
        message: dict[str, Any],
        *,
        first_name: str = "Lan",
        language_code: str | None = "vi",
    ) -> dict[str, Any]:
        """A user presses an inline button on a message the bot sent."""
        return self._push(
            {
                "callback_query": {
                    "id": str(next(self._file_ids) + 10**9),
                    "from": self._user(user_id, first_name, language_code),
                    "chat_instance": f"ci{user_id}",
                    "message": message,
                    "data": data,
                }
            }
        )

    def add_file(self, content: bytes) -> StoredFile:
        """Store a file users can send; returns its ids."""
        n = next(self._file_ids)
        stored = StoredFile(f"FILE{n}", content, f"documents/file_{n}")
        self.files[stored.file_id] = stored
        return stored

    def send_document(
        self,
        user_id: int,
        content: bytes,
        file_name: str,
        mime_type: str,
        *,
        size: int | None = None,
        caption: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """A user sends a document (`size` may claim more than the bytes, to test limits)."""
        stored = self.add_file(content)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": "u" + stored.file_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content) if size is None else size,
        }
        extra: dict[str, Any] = {"document": document}
        if caption:
            extra["caption"] = caption
        return self._push({"message": self.make_message(user_id, None, **kwargs, **extra)})

    def send_photo(self, user_id: int, content: bytes, **kwargs: Any) -> dict[str, Any]:
        """A user sends a photo (two sizes, the larger one is the real content)."""
        small = self.add_file(content[:100])
        big = self.add_file(content)
        sizes = [
            {
                "file_id": small.file_id,
                "file_unique_id": "u" + small.file_id,
                "width": 90,
                "height": 90,
                "file_size": len(small.content),
            },
            {
                "file_id": big.file_id,
                "file_unique_id": "u" + big.file_id,
                "width": 1280,
                "height": 960,
                "file_size": len(content),
            },
        ]
        return self._push({"message": self.make_message(user_id, None, **kwargs, photo=sizes)})

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by an offset."""
        return [u for u in self._updates if u["update_id"] >= self.confirmed_offset]

    # ---- reading what the bot did -----------------------------------------------------------

    def calls_of(self, method: str, chat_id: int | str | None = None) -> list[Call]:
        """Successful calls of a method (to a chat)."""
        return [
            c
            for c in self.calls
            if c.method == method
            and c.status == 200
            and (chat_id is None or c.chat_id == str(chat_id))
        ]

    def sent_texts(self, chat_id: int | str) -> list[str]:
        """Texts of the messages the bot sent to a chat, in order."""
        return [str(c.params.get("text", "")) for c in self.calls_of("sendMessage", chat_id)]

    def last_keyboard_message(self, chat_id: int | str) -> dict[str, Any]:
        """The latest message to a chat that still carries an inline keyboard."""
        for (chat, _mid), message in reversed(self.messages.items()):
            if chat == str(chat_id) and message.get("reply_markup"):
                return message
        raise AssertionError(f"no message with buttons in chat {chat_id}")

    def button(self, message: dict[str, Any], label_part: str) -> str:
        """callback_data of the first button whose label contains `label_part`."""
        for row in message["reply_markup"]["inline_keyboard"]:
            for button in row:
                if label_part.lower() in button["text"].lower():
                    return str(button["callback_data"])
        labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
        raise AssertionError(f"no button like {label_part!r} in {labels}")

    def buttons(self, message: dict[str, Any]) -> list[tuple[str, str]]:
        """(label, callback_data) of every button of a message."""
        return [
            (b["text"], b["callback_data"])
            for row in message["reply_markup"]["inline_keyboard"]
            for b in row
        ]

    async def wait_for(
        self, predicate: Callable[[FakeTelegram], bool], within: float = 5.0
    ) -> None:
        """Wait until `predicate(self)` holds (checked after every call), or fail."""
        deadline = time.monotonic() + within
        async with self._changed:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for the bot")
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except TimeoutError:
                    continue

    async def wait_calls(
        self, method: str, count: int, chat_id: int | str | None = None, within: float = 5.0
    ) -> list[Call]:
        """Wait until at least `count` successful calls of `method` (to `chat_id`) were made."""
        await self.wait_for(lambda s: len(s.calls_of(method, chat_id)) >= count, within)
        return self.calls_of(method, chat_id)

    def outgoing(self) -> list[Call]:
        """Every call except polling."""
        return [c for c in self.calls if c.method != "getUpdates"]

    async def settle(self, before: int, *, quiet: float = 0.2, within: float = 10.0) -> list[Call]:
        """Wait until the bot made calls after the first `before` outgoing ones and then went
        quiet for `quiet` seconds (its answer is complete); returns the new calls."""
        await self.wait_for(lambda s: len(s.outgoing()) > before, within)
        seen = len(self.outgoing())
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            await asyncio.sleep(quiet)
            now = len(self.outgoing())
            if now == seen and not self.pending_updates:
                break
            seen = now
        return self.outgoing()[before:]

    async def mark_processed(self, update_id: int) -> None:
        """Called by the harness once the bot has fully handled an update."""
        self.processed.add(update_id)
        await self._notify()

    async def wait_processed(self, update: dict[str, Any], within: float = 10.0) -> None:
        """Wait until the bot has handled `update` (all its replies sent)."""
        await self.wait_for(lambda s: update["update_id"] in s.processed, within)

    async def wait_updates_done(self, within: float = 5.0) -> None:
        """Wait until the bot confirmed every queued update (offset past them)."""
        await self.wait_for(lambda s: not s.pending_updates, within)

    # ---- HTTP ------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
        params: dict[str, Any] = dict(request.query)
        uploads: dict[str, Any] = {}
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body or {})
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[key] = {
                        "filename": value.filename,
                        "content": value.file.read(),
                        "content_type": value.content_type,
                    }
                else:
                    params[key] = value
        for key in _JSON_FIELDS & params.keys():
            if isinstance(params[key], str):
                params[key] = json.loads(params[key])
        return params, uploads

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _on_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params, uploads = await self._params(request)
        call = Call(method, params)
        failure = self._take_failure(method, params)
        if failure is not None:
            call.status = failure.status
            self.calls.append(call)
            await self._notify()
            if failure.status == 429:
                return self._error(
                    429,
                    failure.description or "Too Many Requests: retry later",
                    retry_after=failure.retry_after or 1,
                )
            if failure.status == 403:
                return self._error(
                    403, failure.description or "Forbidden: bot was blocked by the user"
                )
            return self._error(failure.status, failure.description or "Internal Server Error")
        if self.cap_per_second is not None and method in _MESSAGE_METHODS:
            now = time.monotonic()
            while self._arrivals and self._arrivals[0] <= now - 1.0:
                self._arrivals.popleft()
            if len(self._arrivals) >= self.cap_per_second:
                self.flood_429 += 1
                call.status = 429
                self.calls.append(call)
                return self._error(429, "Too Many Requests: retry after 1", retry_after=1)
            self._arrivals.append(now)
        if method == "getUpdates":
            result = await self._get_updates(params)
            self.calls.append(call)
            return self._ok(result)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            call.status = 404
            self.calls.append(call)
            return self._error(404, "Not Found: method not found")
        try:
            result = handler(params, uploads)
        except _ApiError as exc:
            call.status = exc.status
            self.calls.append(call)
            await self._notify()
            return self._error(exc.status, exc.description)
        self.calls.append(call)
        await self._notify()
        return self._ok(result)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), self.max_poll)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
        await self._notify()
        deadline = time.monotonic() + timeout
        while True:
            ready = [u for u in self._updates if u["update_id"] >= self.confirmed_offset]
            left = deadline - time.monotonic()
            if ready or left <= 0:
                return ready[:limit]
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)

    async def _on_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.path == path:
                self.calls.append(Call("download", {"path": path}))
                return web.Response(body=stored.content)
        return web.Response(status=404)

    # ---- methods ---------------------------------------------------------------------------

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Đôn đốc",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _new_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self._bot_user(),
            **content,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
            self.latest_keyboard[str(chat_id)] = message
        self.messages[(str(chat_id), message["message_id"])] = message
        return message

    def _m_getMe(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        return self._bot_user()

    def _m_deleteWebhook(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    def _m_setWebhook(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        self.webhook = params
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending_updates),
        }

    def _m_sendMessage(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        text = str(params.get("text", ""))
        if not text or len(text) > 4096:
            raise _ApiError(400, "Bad Request: message text is empty or too long")
        self._check_markup(params)
        return self._new_message(params, text=text)

    def _check_markup(self, params: dict[str, Any]) -> None:
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if len(str(button.get("callback_data", "")).encode()) > 64:
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _message_for(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params.get("chat_id")), int(params.get("message_id") or 0))
        if key not in self.messages:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]

    def _m_editMessageText(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        message = self._message_for(params)
        self._check_markup(params)
        text = str(params.get("text", ""))
        if text == message.get("text") and params.get("reply_markup") == message.get(
            "reply_markup"
        ):
            raise _ApiError(400, "Bad Request: message is not modified")
        message["text"] = text
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    def _m_editMessageReplyMarkup(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        message = self._message_for(params)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    def _m_answerCallbackQuery(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        return True

    def _m_setMyCommands(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        scope = params.get("scope") or {"type": "default"}
        scope_key = scope["type"] + (f":{scope['chat_id']}" if "chat_id" in scope else "")
        self.commands[(scope_key, str(params.get("language_code") or ""))] = params["commands"]
        return True

    def _m_deleteMyCommands(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        return True

    def _m_getFile(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        if len(stored.content) > 20 * 1024 * 1024:
            raise _ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": "u" + stored.file_id,
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    def _upload(self, params: dict[str, Any], uploads: dict[str, Any], kind: str) -> dict[str, Any]:
        upload = uploads.get(kind)
        if upload is None:
            raise _ApiError(400, f"Bad Request: there is no {kind} in the request")
        self.uploads.append({"chat_id": str(params["chat_id"]), "kind": kind, **upload})
        return upload

    def _m_sendDocument(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        upload = self._upload(params, uploads, "document")
        stored = self.add_file(upload["content"])
        document = {
            "file_id": stored.file_id,
            "file_unique_id": "u" + stored.file_id,
            "file_name": upload["filename"],
            "file_size": len(upload["content"]),
        }
        extra = {"caption": params["caption"]} if params.get("caption") else {}
        return self._new_message(params, document=document, **extra)

    def _m_sendPhoto(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        upload = self._upload(params, uploads, "photo")
        stored = self.add_file(upload["content"])
        photo = [
            {
                "file_id": stored.file_id,
                "file_unique_id": "u" + stored.file_id,
                "width": 800,
                "height": 600,
                "file_size": len(upload["content"]),
            }
        ]
        extra = {"caption": params["caption"]} if params.get("caption") else {}
        return self._new_message(params, photo=photo, **extra)


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
