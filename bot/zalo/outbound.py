"""Sending neutral replies to Zalo: numbered choices, split text, typed delivery errors."""

from __future__ import annotations

from dataclasses import replace

from bot.zalo.client import (
    ZaloApiError,
    ZaloClient,
    ZaloError,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloTimeout,
)
from handlers.messages import (
    Option,
    OutcomeUnknown,
    RecipientUnreachable,
    Reply,
    RetryLater,
    SendError,
    render_numbered,
)
from handlers.root import ROUTES
from locales import normalize_locale, t


def _with_command(option: Option, locale: str | None) -> Option:
    """A command button shows the command to type, which works even outside a form."""
    if not option.value.startswith("cmd:"):
        return option
    name = option.value[4:].split(":", 1)[0]
    # Command buttons ("cmd:report:12") also work typed: the command's word in the language.
    word = ROUTES.word(name, normalize_locale(locale))
    return Option(option.value, f"{option.label} (/{word})") if word else option


def render(reply: Reply, locale: str | None) -> str:
    """The text Zalo shows: choices as a numbered list; a file Zalo cannot carry is explained."""
    options = [_with_command(o, locale) for o in reply.options]
    text = render_numbered(replace(reply, options=options))
    if reply.options:
        text += "\n\n" + t("zalo.choose_hint", locale)
    if reply.file is not None and not reply.file.is_image:
        text += "\n\n" + t("zalo.file_not_sent", locale, filename=reply.file.filename)
    elif reply.file is not None:
        text += "\n\n" + t("zalo.image_not_sent", locale, filename=reply.file.filename)
    return text.strip() or "…"


class ZaloOutbound:
    """`handlers.outbound.Outbound` on Zalo; used for replies and for reminders."""

    channel = "zalo"

    def __init__(self, client: ZaloClient, default_locale: str = "vi") -> None:
        self.client = client
        self.default_locale = default_locale

    async def send(self, chat_id: str, reply: Reply, locale: str | None = None) -> str | None:
        """Deliver one reply (the client already retried rate limits within reason); returns
        the id of the last message sent when Zalo tells it."""
        text = render(reply, locale or self.default_locale)
        try:
            sent = await self.client.send_message(chat_id, text)
        except ZaloRateLimited as exc:
            raise RetryLater(str(exc), retry_after=exc.retry_after) from None
        except ZaloForbidden as exc:
            raise RecipientUnreachable(str(exc)) from None
        except ZaloApiError as exc:
            if exc.transient:
                raise RetryLater(str(exc), retry_after=30.0) from None
            raise SendError(str(exc)) from None
        except ZaloTimeout as exc:
            # The request went out and no answer came: it may have been delivered.
            raise OutcomeUnknown(str(exc)) from None
        except ZaloNetworkError as exc:
            raise RetryLater(str(exc), retry_after=30.0) from None
        except ZaloError as exc:
            raise SendError(str(exc)) from None
        last = sent[-1].get("message_id") if sent else None
        return str(last) if isinstance(last, str | int) and not isinstance(last, bool) else None
