"""The Zalo channel for `dondoc run`: polling (default) or a webhook on the shared server."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import random
from urllib.parse import urlparse

from aiohttp import web

from bot.channels import ChannelRunner
from bot.retrying import RetryPolicy
from bot.settings import Settings
from bot.zalo.binding import Conversations, ZaloBinding
from bot.zalo.client import (
    ZaloClient,
    ZaloError,
    ZaloUnauthorized,
)
from bot.zalo.events import unwrap
from bot.zalo.outbound import ZaloOutbound
from domain.deps import Deps
from handlers.outbound import Outbound

log = logging.getLogger("dondoc.zalo")

SECRET_HEADER = "X-Bot-Api-Secret-Token"  # noqa: S105 - a header name
DEFAULT_WEBHOOK_PATH = "/zalo/webhook"
MAX_BODY = 256 * 1024


class ZaloConfigError(ValueError):
    """A Zalo setting is missing or wrong; the message names the variable."""


class ZaloRunner:
    """`bot.channels.ChannelRunner` for Zalo."""

    name = "zalo"

    def __init__(
        self,
        client: ZaloClient,
        conversations: Conversations,
        deps: Deps,
        *,
        mode: str = "polling",
        webhook_url: str = "",
        webhook_secret: str = "",
        poll_timeout: float = 15.0,
        max_backoff: float = 60.0,
        backoff_base: float = 1.0,
    ) -> None:
        if mode not in ("polling", "webhook"):
            raise ZaloConfigError("ZALO_MODE must be polling or webhook")
        if mode == "webhook":
            if not webhook_url.startswith("https://") and not webhook_url.startswith("http://"):
                raise ZaloConfigError("ZALO_WEBHOOK_URL must be set in webhook mode")
            if not 8 <= len(webhook_secret) <= 256:
                raise ZaloConfigError("ZALO_WEBHOOK_SECRET must be 8-256 characters")
        self.client = client
        self.mode = mode
        self.webhook_url = webhook_url
        self._secret = webhook_secret.encode()
        self.webhook_path = urlparse(webhook_url).path or DEFAULT_WEBHOOK_PATH
        self.poll_timeout = poll_timeout
        self.max_backoff = max_backoff
        self.backoff_base = backoff_base
        zalo_out = ZaloOutbound(client, deps.default_locale)
        self.outbound: Outbound = zalo_out
        self.binding = ZaloBinding(client, conversations, deps, zalo_out)
        self.bot_info: dict[str, object] = {}
        self._poller: asyncio.Task[None] | None = None
        self.failures = 0  # consecutive polling failures
        self._stopping = asyncio.Event()

    @property
    def account(self) -> str:
        """The bot's account name, for the start line."""
        return str(self.bot_info.get("account_name", "?"))

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Check the token (getMe), then register the webhook or start polling."""
        self._stopping.clear()
        self.bot_info = await self.client.get_me()
        log.debug(
            "zalo: connected as %s (%s mode)", self.bot_info.get("account_name", "?"), self.mode
        )
        if self.mode == "webhook":
            await self.client.set_webhook(self.webhook_url, self._secret.decode())
            return
        try:
            await self.client.delete_webhook()
        except ZaloError as exc:  # polling still works if there was no webhook to delete
            log.warning("zalo: deleteWebhook failed: %s", exc)
        self._poller = asyncio.create_task(self._poll_loop(), name="zalo-poll")

    async def stop(self) -> None:
        """Stop polling, finish the events in progress (bounded), close the session."""
        self._stopping.set()
        if self._poller is not None:
            # Zalo has no update offsets: an update taken by a getUpdates we abandon is lost.
            # Let the poll in flight finish (it is bounded by poll_timeout) before cancelling.
            _, pending = await asyncio.wait({self._poller}, timeout=self.poll_timeout + 5.0)
            for task in pending:
                task.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
        await self.binding.drain()
        await self.client.close()

    async def healthy(self) -> bool:
        """For /healthz: polling runs and its last polls did not all fail."""
        if self.mode == "webhook":
            return True
        return self._poller is not None and not self._poller.done() and self.failures < 3

    # --- polling ---------------------------------------------------------------------------

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    def _backoff(self, failures: int) -> float:
        delay = min(self.max_backoff, self.backoff_base * 2.0 ** min(failures, 10))
        return delay * (1 + random.random() * 0.25)

    async def _poll_loop(self) -> None:
        """getUpdates until stopped; 408 is "nothing new", errors back off (capped)."""
        self.failures = 0
        while not self._stopping.is_set():
            try:
                update = await self.client.get_updates(wait=self.poll_timeout)
            except asyncio.CancelledError:
                raise
            except ZaloUnauthorized as exc:
                self.failures += 1
                log.error("zalo: the bot token was refused (%s); check ZALO_BOT_TOKEN", exc)
                await self._sleep(self.max_backoff)
                continue
            except ZaloError as exc:
                self.failures += 1
                delay = self._backoff(self.failures)
                log.warning("zalo: polling failed (%s); retrying in %.1f s", exc, delay)
                await self._sleep(delay)
                continue
            except Exception:
                self.failures += 1
                log.exception("zalo: unexpected polling error")
                await self._sleep(self._backoff(self.failures))
                continue
            self.failures = 0
            if update is not None:
                await self.binding.submit(update)

    # --- webhook ---------------------------------------------------------------------------

    def web_routes(self) -> list[web.RouteDef]:
        """The webhook route (webhook mode only)."""
        if self.mode != "webhook":
            return []
        return [web.post(self.webhook_path, self.on_webhook)]

    async def on_webhook(self, request: web.Request) -> web.Response:
        """Check the secret in constant time, accept the event, answer at once, work later."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("zalo: webhook call with a wrong secret refused")
            return web.json_response({"ok": False, "description": "forbidden"}, status=403)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.json_response({"ok": False, "description": "too large"}, status=413)
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"ok": False, "description": "bad json"}, status=400)
        event = unwrap(body)
        if event is None:
            return web.json_response({"ok": False, "description": "no event"}, status=400)
        await self.binding.submit(event)
        return web.json_response({"ok": True})


def build_zalo(settings: Settings, deps: Deps, conversations: Conversations) -> ChannelRunner:
    """The Zalo channel from settings (ZALO_BOT_TOKEN must be set)."""
    if settings.zalo_bot_token is None or not settings.zalo_bot_token.get_secret_value():
        raise ZaloConfigError("ZALO_BOT_TOKEN is not set")
    try:
        client = ZaloClient(
            settings.zalo_bot_token.get_secret_value(),
            settings.zalo_api_base_url,
            retry=RetryPolicy(),
        )
    except ValueError as exc:
        raise ZaloConfigError(str(exc)) from None
    secret = settings.zalo_webhook_secret
    return ZaloRunner(
        client,
        conversations,
        deps,
        mode=settings.zalo_mode,
        webhook_url=settings.zalo_webhook_url,
        webhook_secret=secret.get_secret_value() if secret else "",
    )
