"""Process lifecycle: the configured channels, the scheduler and the HTTP server, or the demo."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from sqlalchemy import text

from bot.channels import ChannelRunner
from bot.cli import EXIT_CHANNEL, EXIT_PORT, EXIT_USAGE, CliError
from bot.console import PERSONAS, REAL_DB_PERSONA, ConsoleChat
from bot.runtime import Runtime
from bot.web import WebServer
from domain.demo import demo_present, load_demo
from handlers.router import Conversations
from locales import t
from scheduler.service import ReminderScheduler, start_reminders

log = logging.getLogger(__name__)

# Seconds from SIGTERM to exit, at most (a supervisor's grace period is often 10 s).
STOP_SECONDS = 9.0


async def ensure_demo(runtime: Runtime) -> bool:
    """Load the demo plan into an empty database; True if it was loaded."""
    async with runtime.db.transaction() as s:
        plan = await load_demo(s, runtime.deps.now())
    if plan is not None:
        log.debug("demo plan loaded (plan %s)", plan.id)
    return plan is not None


async def run_chat(
    runtime: Runtime, *, persona: str | None = None, locale: str | None = None
) -> int:
    """The terminal chat on the database (demo plan loaded if it is empty)."""
    from handlers.remind import drain, set_nudger
    from scheduler.engine import ReminderEngine

    fresh = await ensure_demo(runtime)
    conversations = Conversations(runtime.deps)
    loc = locale or runtime.settings.default_locale
    chat = ConsoleChat(runtime.deps, conversations, locale=loc)
    async with runtime.db.read() as s:
        demo = await demo_present(s)
    if not demo:
        # A real database: no made-up roles; the person joins with an invite code from the office.
        if persona not in (None, "new"):
            raise CliError(t("cli.console.no_demo_roles", loc), EXIT_USAGE)
        chat.write(t("cli.console.real_db", loc))
    if fresh:
        # The demo's focal point is in the chat already, so a reminder has someone to reach.
        await chat.join_quietly(PERSONAS["focal"])
    deps = runtime.deps
    # Reminders (/nhacviec) are printed in the terminal as they would arrive on a phone.
    set_nudger(ReminderEngine(deps.db, deps.clock, deps.tz, {"console": chat.outbound()}))
    try:
        if not demo:
            return await chat.run(REAL_DB_PERSONA)
        return await chat.run(PERSONAS[persona] if persona else None)
    finally:
        await drain()
        set_nudger(None)


def build_channels(runtime: Runtime, conversations: Conversations) -> list[ChannelRunner]:
    """A runner for every channel whose token is configured."""
    settings = runtime.settings
    runners: list[ChannelRunner] = []
    if settings.telegram_bot_token is not None:
        from bot.telegram import build_telegram

        runners.append(build_telegram(settings, runtime.deps, conversations))
    if settings.zalo_bot_token is not None:
        from bot.zalo.runner import build_zalo

        runners.append(build_zalo(settings, runtime.deps, conversations))
    return runners


async def serve(runtime: Runtime, runners: list[ChannelRunner], stop: asyncio.Event) -> int:
    """HTTP server, channels and reminders until `stop` is set; then a clean shutdown."""
    settings = runtime.settings
    loc = settings.default_locale
    web = WebServer(settings.http_host, settings.http_port)
    web.add_check("database", lambda: database_ok(runtime))
    for runner in runners:
        web.add_routes(runner.web_routes())
        web.add_check(runner.name, runner.healthy)
    try:
        await web.start()
    except OSError as exc:
        raise CliError(
            t(
                "cli.port_in_use",
                settings.default_locale,
                address=f"{settings.http_host}:{settings.http_port}",
                cause=exc.strerror or type(exc).__name__,
            ),
            EXIT_PORT,
        ) from None
    started: list[ChannelRunner] = []
    reminders: ReminderScheduler | None = None
    try:
        for runner in runners:
            try:
                await runner.start()
            except Exception as exc:
                failure = start_failure(runner.name, exc, settings.default_locale)
                if failure is None:
                    raise
                await _close_quietly(runner)
                raise failure from None
            started.append(runner)
            log.info(_started_line(runner, loc))
        reminders = start_reminders(
            runtime.deps,
            {r.name: r.outbound for r in runners},
            lease_seconds=settings.reminder_lease_seconds,
            grace_hours=settings.reminder_grace_hours,
            tick_seconds=settings.reminder_tick_seconds,
        )
        log.info(t("cli.run.ready", loc, address=f"{settings.http_host}:{web.port}"))
        await stop.wait()
    finally:
        log.info(t("cli.run.stopping", loc))
        # Within STOP_SECONDS: reminder sends in flight are recorded (or their leases left to
        # expire), the updates in hand are answered, then connections close.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_SECONDS
        if reminders is not None:
            await reminders.stop(grace=STOP_SECONDS / 2)
        for runner in reversed(started):
            try:
                async with asyncio.timeout(max(0.5, deadline - loop.time() - 0.5)):
                    await runner.stop()
            except TimeoutError:
                log.warning("%s: updates still in hand after the stop deadline", runner.name)
            except Exception:
                log.exception("stopping %s failed", runner.name)
        await web.stop()
        log.info(t("cli.run.stopped", loc))
    return 0


def _started_line(runner: ChannelRunner, loc: str) -> str:
    """ "Telegram: đã kết nối bot @x (nhận tin bằng polling)"."""
    account = getattr(runner, "account", "") or "?"
    mode = getattr(runner, "mode", "polling")
    return t(
        "cli.run.channel_started", loc, channel=runner.name.capitalize(), account=account, mode=mode
    )


def start_failure(channel: str, exc: BaseException, locale: str) -> CliError | None:
    """One line for a channel that cannot start: token refused, or the API unreachable."""
    from telegram.error import InvalidToken, NetworkError

    from bot.zalo.client import ZaloNetworkError, ZaloOutcomeUnknown, ZaloUnauthorized

    name = channel.capitalize()
    if isinstance(exc, InvalidToken | ZaloUnauthorized):
        return CliError(t("cli.token_rejected", locale, channel=name), EXIT_CHANNEL)
    if isinstance(exc, NetworkError | ZaloNetworkError | ZaloOutcomeUnknown | OSError):
        cause = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return CliError(t("cli.api_unreachable", locale, channel=name, cause=cause), EXIT_CHANNEL)
    return None


async def _close_quietly(runner: ChannelRunner) -> None:
    """Release what a runner that failed to start had opened (no 'Unclosed client session')."""
    with contextlib.suppress(Exception):
        await runner.stop()
    bot = getattr(getattr(runner, "application", None), "bot", None)
    for request in getattr(bot, "_request", ()):
        with contextlib.suppress(Exception):
            await request.shutdown()


async def database_ok(runtime: Runtime) -> bool:
    """Health check: the database answers a trivial query."""
    async with runtime.db.read() as s:
        await s.execute(text("SELECT 1"))
    return True


async def run_service(runtime: Runtime) -> int:
    """Run the configured channels and the scheduler; with none configured, the demo chat."""
    settings = runtime.settings
    if settings.telegram_bot_token is None and settings.zalo_bot_token is None:
        print(t("console.no_token", settings.default_locale))
        return await run_chat(runtime)
    conversations = Conversations(runtime.deps)
    try:
        runners = build_channels(runtime, conversations)
    except ValueError as exc:  # webhook mode without its URL or secret, and the like
        raise CliError(str(exc), EXIT_USAGE) from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return await serve(runtime, runners, stop)
