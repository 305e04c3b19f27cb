"""Sending neutral replies to Zalo: numbered choices, split text, typed delivery errors."""

from __future__ import annotations

from bot.zalo.client import (
    ZaloApiError,
    ZaloClient,
    ZaloError,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloTimeout,
)
from handlers.messages import RecipientUnreachable, Reply, RetryLater, SendError, render_numbered
from locales import t


def render(reply: Reply, locale: str | None) -> str:
    """The text Zalo shows: choices as a numbered list; a file Zalo cannot carry is explained."""
    text = render_numbered(reply)
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

    async def send(self, chat_id: str, reply: Reply, locale: str | None = None) -> None:
        """Deliver one reply (the client already retried rate limits within reason)."""
        text = render(reply, locale or self.default_locale)
        try:
            await self.client.send_message(chat_id, text)
        except ZaloRateLimited as exc:
            raise RetryLater(str(exc), retry_after=exc.retry_after) from None
        except ZaloForbidden as exc:
            raise RecipientUnreachable(str(exc)) from None
        except ZaloApiError as exc:
            if exc.transient:
                raise RetryLater(str(exc), retry_after=30.0) from None
            raise SendError(str(exc)) from None
        except (ZaloTimeout, ZaloNetworkError) as exc:
            raise RetryLater(str(exc), retry_after=30.0) from None
        except ZaloError as exc:
            raise SendError(str(exc)) from None
