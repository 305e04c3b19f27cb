"""`dondoc zalo info|delete-webhook`: check the Zalo bot token and its webhook.

Register by adding "bot.zalo.cli" to `bot.cli.COMMAND_MODULES`.
"""

from __future__ import annotations

import argparse

from bot.cli import EXIT_CHANNEL, EXIT_USAGE, CliError, emit
from bot.cli import help_text as H
from bot.runtime import Runtime
from bot.zalo.client import ZaloClient, ZaloError, ZaloUnauthorized
from locales import t


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `dondoc zalo …`."""
    p = sub.add_parser("zalo", help=H("cli.help.zalo"))
    zsub = p.add_subparsers(dest="zalo_command", metavar=H("cli.metavar.action"), required=True)
    info = zsub.add_parser("info", help=H("cli.help.zalo_info"))
    info.set_defaults(func=_info, needs_db=False)
    delete = zsub.add_parser("delete-webhook", help=H("cli.help.zalo_delete_webhook"))
    delete.set_defaults(func=_delete, needs_db=False)


def _client(runtime: Runtime) -> ZaloClient:
    loc = runtime.settings.default_locale
    token = runtime.settings.zalo_bot_token
    if token is None or not token.get_secret_value():
        raise CliError(t("cli.zalo.no_token", loc), EXIT_USAGE)
    try:
        return ZaloClient(token.get_secret_value(), runtime.settings.zalo_api_base_url)
    except ValueError:
        raise CliError(t("cli.zalo.bad_token", loc), EXIT_USAGE) from None


def _failed(exc: ZaloError, loc: str) -> CliError:
    """One line for a Zalo API failure: the token refused, or the cause."""
    if isinstance(exc, ZaloUnauthorized):
        return CliError(t("cli.token_rejected", loc, channel="Zalo"), EXIT_CHANNEL)
    return CliError(t("cli.zalo.failed", loc, cause=exc), EXIT_CHANNEL)


async def _info(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = runtime.settings.default_locale
    client = _client(runtime)
    try:
        me = await client.get_me()
        hook = await client.get_webhook_info()
    except ZaloError as exc:
        raise _failed(exc, loc) from None
    finally:
        await client.close()
    data = {
        "id": me.get("id"),
        "account_name": me.get("account_name"),
        "account_type": me.get("account_type"),
        "webhook_url": hook.get("url") or "",
    }
    hook_line = (
        t("cli.zalo.webhook", loc, url=data["webhook_url"])
        if data["webhook_url"]
        else t("cli.zalo.no_webhook", loc)
    )
    emit(
        args,
        data,
        t("cli.zalo.info", loc, name=data["account_name"], id=data["id"], kind=data["account_type"])
        + "\n"
        + hook_line,
    )
    return 0


async def _delete(args: argparse.Namespace, runtime: Runtime) -> int:
    loc = runtime.settings.default_locale
    client = _client(runtime)
    try:
        await client.delete_webhook()
    except ZaloError as exc:
        raise _failed(exc, loc) from None
    finally:
        await client.close()
    emit(args, {"webhook_url": ""}, t("cli.zalo.webhook_removed", loc))
    return 0
