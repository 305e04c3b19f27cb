"""`dondoc zalo info|delete-webhook`: check the Zalo bot token and its webhook.

Register by adding "bot.zalo.cli" to `bot.cli.COMMAND_MODULES`.
"""

from __future__ import annotations

import argparse

from bot.cli import CliError, emit
from bot.runtime import Runtime
from bot.zalo.client import ZaloClient, ZaloError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `dondoc zalo …`."""
    p = sub.add_parser("zalo", help="check the Zalo bot (token, webhook)")
    zsub = p.add_subparsers(dest="zalo_command", metavar="ACTION", required=True)
    info = zsub.add_parser("info", help="the bot's account and the registered webhook")
    info.set_defaults(func=_info, needs_db=False)
    delete = zsub.add_parser(
        "delete-webhook", help="remove the webhook (polling needs none; dondoc run does this)"
    )
    delete.set_defaults(func=_delete, needs_db=False)


def _client(runtime: Runtime) -> ZaloClient:
    token = runtime.settings.zalo_bot_token
    if token is None or not token.get_secret_value():
        raise CliError("ZALO_BOT_TOKEN is not set")
    try:
        return ZaloClient(token.get_secret_value(), runtime.settings.zalo_api_base_url)
    except ValueError as exc:
        raise CliError(str(exc)) from None


async def _info(args: argparse.Namespace, runtime: Runtime) -> int:
    client = _client(runtime)
    try:
        me = await client.get_me()
        hook = await client.get_webhook_info()
    except ZaloError as exc:
        raise CliError(f"Zalo: {exc}") from None
    finally:
        await client.close()
    data = {
        "id": me.get("id"),
        "account_name": me.get("account_name"),
        "account_type": me.get("account_type"),
        "webhook_url": hook.get("url") or "",
    }
    emit(
        args,
        data,
        f"Zalo bot {data['account_name']} (id {data['id']}, {data['account_type']}); "
        f"webhook: {data['webhook_url'] or '(none: polling)'}",
    )
    return 0


async def _delete(args: argparse.Namespace, runtime: Runtime) -> int:
    client = _client(runtime)
    try:
        await client.delete_webhook()
    except ZaloError as exc:
        raise CliError(f"Zalo: {exc}") from None
    finally:
        await client.close()
    emit(args, {"webhook_url": ""}, "Zalo webhook removed.")
    return 0
