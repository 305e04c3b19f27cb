"""The Telegram `ChannelRunner`: builds PTB's Application, runs polling or the webhook."""

from __future__ import annotations

import hmac
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.settings import Settings
from bot.telegram.binding import Conversations, PerUserProcessor, TelegramBinding
from bot.telegram.logs import protect_logs
from bot.telegram.outbound import TelegramOutbound
from bot.telegram.ratelimit import Limiter
from bot.telegram.render import CHANNEL, DondocBot
from bot.telegram.transport import AiohttpRequest
from domain.deps import Deps

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
ALLOWED_UPDATES = ["message", "callback_query"]
POLL_TIMEOUT = 10  # seconds a getUpdates call waits for updates
OFFICIAL_API = "https://api.telegram.org/bot"


def file_base_url(base_url: str) -> str:
    """The file-download URL of a Bot API server given its method URL (".../bot")."""
    head, sep, _ = base_url.rstrip("/").rpartition("/bot")
    if not sep:
        raise ValueError("TELEGRAM_API_BASE_URL must end with /bot (e.g. https://host:8081/bot)")
    return f"{head}/file/bot"


class TelegramRunner:
    """Polling (default) or webhook, over one PTB Application."""

    name = CHANNEL

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        binding: TelegramBinding,
        *,
        mode: str = "polling",
        webhook_url: str = "",
        webhook_secret: str = "",
        poll_timeout: int = POLL_TIMEOUT,
    ) -> None:
        if mode == "webhook" and not (webhook_url and webhook_secret):
            raise ValueError("webhook mode needs TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET")
        if webhook_secret and not SECRET_RE.fullmatch(webhook_secret):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 1-256 of A-Z a-z 0-9 _ -")
        self.application = application
        self.binding = binding
        self.mode = mode
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.poll_timeout = poll_timeout
        self.outbound: TelegramOutbound = binding.outbound
        self._started = False

    @property
    def webhook_path(self) -> str:
        """The path Telegram posts updates to (from TELEGRAM_WEBHOOK_URL)."""
        return urlsplit(self.webhook_url).path or "/telegram"

    async def start(self) -> None:
        """getMe, remember the join link, set menus, then poll or register the webhook."""
        app = self.application
        await app.initialize()
        await self.binding.remember_join_link()
        try:
            await self.binding.set_menus()
        except TelegramError as exc:  # menus are a convenience: never a reason not to run
            log.warning("telegram: command menus not set: %s", exc)
        await app.start()
        if self.mode == "webhook":
            await app.bot.set_webhook(
                self.webhook_url,
                secret_token=self.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                timeout=self.poll_timeout,
                poll_interval=0,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                bootstrap_retries=5,
            )
        self._started = True
        log.debug("telegram: @%s running (%s)", self.binding.username, self.mode)

    @property
    def account(self) -> str:
        """The bot's @username, for the start line."""
        return f"@{self.binding.username}"

    async def stop(self) -> None:
        """Stop receiving, let the updates in hand finish, close connections."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        self._started = False

    async def healthy(self) -> bool:
        """For /healthz: started, and in polling mode the poller is still running."""
        if not self._started or not self.application.running:
            return False
        if self.mode == "webhook":
            return True
        return self.application.updater is not None and self.application.updater.running

    def web_routes(self) -> list[web.RouteDef]:
        """The webhook route in webhook mode, else nothing."""
        if self.mode != "webhook":
            return []
        return [web.post(self.webhook_path, self.on_webhook)]

    async def on_webhook(self, request: web.Request) -> web.Response:
        """An update posted by Telegram; refused (403) without the right secret header."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook_secret.encode()):
            return web.Response(status=403, text="forbidden")
        if not self._started:
            return web.Response(status=503, text="starting")
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400, text="bad json")
        if not isinstance(data, dict):
            return web.Response(status=400, text="bad update")
        update = Update.de_json(data, self.application.bot)
        await self.application.update_queue.put(update)
        return web.Response(text="ok")


def build_application(
    token: str,
    *,
    base_url: str = "",
    limiter: Limiter | None = None,
    concurrency: int = 64,
    polling: bool = True,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A PTB Application on our limiter and per-user update processor."""
    pool = max(concurrency, 16)
    bot = DondocBot(
        token,
        base_url=base_url.rstrip("/") if base_url else OFFICIAL_API,
        base_file_url=file_base_url(base_url or OFFICIAL_API),
        request=AiohttpRequest(connection_pool_size=pool),
        get_updates_request=AiohttpRequest(connection_pool_size=2, read_timeout=POLL_TIMEOUT + 5),
        rate_limiter=limiter or Limiter(),
    )
    builder = ApplicationBuilder().bot(bot).concurrent_updates(PerUserProcessor(concurrency))
    if not polling:
        builder = builder.updater(None)
    return builder.build()


def build_telegram(
    settings: Settings,
    deps: Deps,
    conversations: Conversations,
    *,
    limiter: Limiter | None = None,
    concurrency: int = 0,
    poll_timeout: int = POLL_TIMEOUT,
) -> TelegramRunner:
    """The Telegram channel from settings (TELEGRAM_BOT_TOKEN must be set).

    `concurrency`: how many users' updates are handled at once (one user's always in order);
    0 picks a default that suits the database (SQLite has a single writer).
    """
    if not concurrency:
        concurrency = 32 if deps.db.is_postgres else 8
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    token = settings.telegram_bot_token.get_secret_value()
    secret = (
        settings.telegram_webhook_secret.get_secret_value()
        if settings.telegram_webhook_secret
        else ""
    )
    protect_logs(token, secret)
    webhook = settings.telegram_mode == "webhook"
    application = build_application(
        token,
        base_url=settings.telegram_api_base_url,
        limiter=limiter,
        concurrency=concurrency,
        polling=not webhook,
    )
    binding = TelegramBinding(application, deps, conversations)
    return TelegramRunner(
        application,
        binding,
        mode=settings.telegram_mode,
        webhook_url=settings.telegram_webhook_url,
        webhook_secret=secret,
        poll_timeout=poll_timeout,
    )
