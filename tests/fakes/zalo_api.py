"""A fake Zalo Bot API on 127.0.0.1 (aiohttp): records calls, queues events, injects failures.

async with FakeZaloApi(token="123:abc") as fake:
    client = ZaloClient(fake.token, fake.base_url)
    fake.text("u1", "/trogiup")
    ...
    await fake.wait_sent("u1", 1)
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.loopback import serve_on_loopback

# A 1x1 PNG served at /files/<name> so image events have a URL to download.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass
class Call:
    """One request the fake received."""

    method: str
    payload: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    ok: bool = True  # False when the fake answered with an error


@dataclass
class Failure:
    """An answer to give instead of the normal one, `times` times."""

    status: int
    body: dict[str, Any] | None
    times: int
    headers: dict[str, str] = field(default_factory=dict)


class FakeZaloApi:
    """The fake server. `poll_wait` bounds how long an empty getUpdates waits before 408."""

    def __init__(
        self,
        token: str = "1234567890:fake-secret-token",
        *,
        poll_wait: float = 0.05,
        empty_poll_http_status: int = 408,
    ) -> None:
        self.token = token
        self.poll_wait = poll_wait
        self.empty_poll_http_status = empty_poll_http_status
        self.calls: list[Call] = []
        self.updates: deque[dict[str, Any]] = deque()
        self.failures: dict[str, deque[Failure]] = {}
        self.webhook: dict[str, Any] = {"url": "", "secret_token": ""}
        self.files: dict[str, bytes] = {"photo.png": PNG}
        self.delays: dict[str, float] = {}  # method -> seconds to stall before answering
        # method -> how many more calls to carry out and then cut off before answering
        self.drops: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._sent = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> FakeZaloApi:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._api)
        app.router.add_get("/bot{token}/{method}", self._api)
        app.router.add_get("/files/{name}", self._file)
        self._runner, self.port = await serve_on_loopback(app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """What ZALO_API_BASE_URL is set to in tests."""
        return f"http://127.0.0.1:{self.port}"

    def file_url(self, name: str = "photo.png") -> str:
        """A downloadable URL on the fake (as Zalo gives for images)."""
        return f"{self.base_url}/files/{name}"

    # --- injecting events ------------------------------------------------------------------

    def event(
        self,
        event_name: str,
        user_id: str,
        *,
        text: str | None = None,
        chat_id: str | None = None,
        chat_type: str = "PRIVATE",
        name: str = "Nguyễn Văn A",
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Build an event as the platform shapes it (string ids, date in ms)."""
        message: dict[str, Any] = {
            "message_id": f"m{next(self._ids):06d}",
            "date": int(time.time() * 1000),
            "from": {"id": user_id, "display_name": name, "is_bot": False},
            "chat": {"id": chat_id or user_id, "chat_type": chat_type},
        }
        if text is not None:
            message["text"] = text
        message.update(extra or {})
        return {"event_name": event_name, "message": message}

    def push(self, event: dict[str, Any]) -> dict[str, Any]:
        """Queue an event for the next getUpdates."""
        self.updates.append(event)
        self._new_update.set()
        return event

    def text(self, user_id: str, text: str, **kw: Any) -> dict[str, Any]:
        """A user typed text."""
        return self.push(self.event("message.text.received", user_id, text=text, **kw))

    def image(self, user_id: str, caption: str = "", **kw: Any) -> dict[str, Any]:
        """A user sent a photo (hosted on the fake)."""
        extra = {"photo_url": self.file_url(), **({"caption": caption} if caption else {})}
        return self.push(self.event("message.image.received", user_id, extra=extra, **kw))

    def sticker(self, user_id: str, **kw: Any) -> dict[str, Any]:
        """A user sent a sticker."""
        extra = {"sticker": "abc123", "url": "https://zalo.example/sticker.webp"}
        return self.push(self.event("message.sticker.received", user_id, extra=extra, **kw))

    def unsupported(self, user_id: str, **kw: Any) -> dict[str, Any]:
        """A user sent something bots cannot receive (a file, a voice note...)."""
        return self.push(self.event("message.unsupported.received", user_id, **kw))

    # --- failures --------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error_code: int = 400,
        description: str = "Bad request",
        times: int = 1,
        retry_after: float | None = None,
        raw: bool = False,
    ) -> None:
        """Answer `method` with an error `times` times (ok:false body; raw=True: no JSON)."""
        body: dict[str, Any] | None = None
        if not raw:
            body = {"ok": False, "error_code": error_code, "description": description}
            if retry_after is not None:
                body["parameters"] = {"retry_after": retry_after}
        self.failures.setdefault(method, deque()).append(Failure(status, body, times))

    def rate_limit(self, method: str, *, times: int = 1, retry_after: float | None = 0.05) -> None:
        """Answer HTTP 429 "quota exceeded" `times` times."""
        self.fail(
            method,
            status=429,
            error_code=429,
            description="Quota exceeded",
            times=times,
            retry_after=retry_after,
        )

    # --- reading what happened -------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Every call of one method, in order."""
        return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: str | None = None) -> list[str]:
        """Texts delivered by sendMessage (optionally to one chat)."""
        return [
            str(c.payload.get("text", ""))
            for c in self.calls_to("sendMessage")
            if c.ok and (chat_id is None or str(c.payload.get("chat_id")) == chat_id)
        ]

    async def wait_sent(self, chat_id: str, count: int, within: float = 5.0) -> list[str]:
        """Wait until `count` messages were delivered to the chat; return them all."""

        def enough() -> bool:
            return len(self.sent(chat_id)) >= count

        async with self._sent:
            try:
                await asyncio.wait_for(self._sent.wait_for(enough), within)
            except TimeoutError:
                raise AssertionError(
                    f"expected {count} messages to {chat_id}, got {self.sent(chat_id)!r}"
                ) from None
        return self.sent(chat_id)

    async def deliver_webhook(
        self, event: dict[str, Any], *, wrapped: bool = True, secret: str | None = None
    ) -> int:
        """POST an event to the registered webhook as Zalo would; returns the HTTP status."""
        body = {"ok": True, "result": event} if wrapped else event
        header = self.webhook["secret_token"] if secret is None else secret
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                self.webhook["url"], json=body, headers={"X-Bot-Api-Secret-Token": header}
            ) as resp,
        ):
            return resp.status

    # --- the API ---------------------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"])
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type="image/png")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        try:
            payload = await request.json() if request.can_read_body else {}
        except ValueError:
            payload = {}
        call = Call(method, payload if isinstance(payload, dict) else {})
        self.calls.append(call)
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        if self.drops.get(method, 0) > 0:
            # Carried out (a message counts as delivered), but the answer never leaves.
            self.drops[method] -= 1
            if method in ("sendMessage", "sendPhoto"):
                await self._m_sendMessage(call.payload)
                async with self._sent:
                    self._sent.notify_all()
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=200)

        queue = self.failures.get(method)
        if queue:
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.popleft()
            call.ok = False
            if failure.body is None:
                return web.Response(status=failure.status, text="upstream error")
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)

        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Method not found"}, status=404
            )
        result = await handler(call.payload)
        if isinstance(result, web.Response):
            call.ok = result.status < 400 and method != "getUpdates"
            return result
        if method == "sendMessage":
            async with self._sent:
                self._sent.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def _m_getMe(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"id": "1459232241454765289", "account_name": "bot.dondoc", "account_type": "BASIC"}

    async def _m_getUpdates(self, payload: dict[str, Any]) -> Any:
        if not self.updates:
            self._new_update.clear()
            try:
                wait = min(float(payload.get("timeout", 30)), self.poll_wait)
                await asyncio.wait_for(self._new_update.wait(), wait)
            except (TimeoutError, ValueError):
                pass
        if not self.updates:
            return web.json_response(
                {"ok": False, "error_code": 408, "description": "Request timeout"},
                status=self.empty_poll_http_status,
            )
        return self.updates.popleft()

    async def _m_setWebhook(self, payload: dict[str, Any]) -> Any:
        secret = str(payload.get("secret_token", ""))
        if not payload.get("url") or not 8 <= len(secret) <= 256:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Invalid parameters"}, status=400
            )
        self.webhook = {"url": str(payload["url"]), "secret_token": secret}
        return {"url": self.webhook["url"], "updated_at": int(time.time() * 1000)}

    async def _m_deleteWebhook(self, _: dict[str, Any]) -> dict[str, Any]:
        self.webhook = {"url": "", "secret_token": ""}
        return {"url": "", "updated_at": int(time.time() * 1000)}

    async def _m_getWebhookInfo(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook["url"], "updated_at": int(time.time() * 1000)}

    async def _m_sendMessage(self, payload: dict[str, Any]) -> Any:
        text = payload.get("text")
        if not payload.get("chat_id") or not isinstance(text, str) or not 1 <= len(text) <= 2000:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Invalid text"}, status=400
            )
        return {"message_id": f"s{next(self._ids):06d}", "date": int(time.time() * 1000)}

    async def _m_sendPhoto(self, payload: dict[str, Any]) -> Any:
        if not payload.get("chat_id") or not str(payload.get("photo", "")).startswith("http"):
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Invalid photo"}, status=400
            )
        return {"message_id": f"s{next(self._ids):06d}", "date": int(time.time() * 1000)}

    async def _m_sendChatAction(self, payload: dict[str, Any]) -> Any:
        return True
