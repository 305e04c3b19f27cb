"""A thin async client for the Zalo Bot Platform HTTP API (Telegram-like, JSON over POST).

Every call goes to `<base>/bot<TOKEN>/<method>`. The token sits in the URL path, so no URL
ever reaches a log line or an exception message: `redact()` removes it and aiohttp's own
exceptions are replaced by ours (raised `from None`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.retrying import RetryPolicy
from handlers.messages import split_text

log = logging.getLogger("dondoc.zalo")

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
MAX_TEXT = 2000  # sendMessage accepts 1-2000 characters
NO_UPDATES = 408  # getUpdates: nothing arrived during the long poll


class ZaloError(Exception):
    """Any failure talking to the Zalo Bot API (message never contains the token)."""

    def __init__(self, message: str, *, method: str = "") -> None:
        super().__init__(message)
        self.method = method


class ZaloApiError(ZaloError):
    """The API answered `ok: false` (or an HTTP error status) with a code and description."""

    def __init__(
        self, method: str, error_code: int, description: str, *, http_status: int = 200
    ) -> None:
        super().__init__(f"{method}: error {error_code}: {description}", method=method)
        self.error_code = error_code
        self.description = description
        self.http_status = http_status

    @property
    def transient(self) -> bool:
        """Server-side trouble worth retrying later."""
        return self.error_code >= 500 or self.http_status >= 500


class ZaloUnauthorized(ZaloApiError):
    """The token was refused (401): nothing will work until it is fixed."""


class ZaloForbidden(ZaloApiError):
    """The bot may not write to this chat (403): blocked, left, or never started."""


class ZaloRateLimited(ZaloApiError):
    """Quota exceeded (429) and still so after the client's own retries."""

    def __init__(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        retry_after: float | None,
        http_status: int,
    ) -> None:
        super().__init__(method, error_code, description, http_status=http_status)
        self.hinted = retry_after  # what the server asked for, if it said
        self.retry_after = retry_after or 1.0


class ZaloOutcomeUnknown(ZaloError):
    """The request left and no answer came (the connection dropped): it may have been carried
    out. A message send is never repeated by the client after this."""


class ZaloTimeout(ZaloOutcomeUnknown):
    """No answer within the bounded timeout."""


class ZaloNetworkError(ZaloError):
    """The connection could not be made (DNS, refused): the request never left."""


# Methods that put a message in a chat: repeating one whose outcome is unknown could deliver
# it twice, so the client leaves that decision to the caller (the reminder engine).
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendSticker"})


def redact(text: str, token: str) -> str:
    """Remove the token from any text (aiohttp errors quote the URL, which holds it)."""
    return text.replace(token, "<token>") if token else text


def _retry_after(payload: Mapping[str, Any], headers: Mapping[str, str]) -> float | None:
    params = payload.get("parameters")
    if isinstance(params, Mapping) and isinstance(params.get("retry_after"), int | float):
        return float(params["retry_after"])
    value = headers.get("Retry-After", "")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _api_error(
    method: str, code: int, description: str, http_status: int, retry_after: float | None
) -> ZaloApiError:
    if code == 401:
        return ZaloUnauthorized(method, code, description, http_status=http_status)
    if code == 403:
        return ZaloForbidden(method, code, description, http_status=http_status)
    if code == 429:
        return ZaloRateLimited(
            method, code, description, retry_after=retry_after, http_status=http_status
        )
    return ZaloApiError(method, code, description, http_status=http_status)


@dataclass
class ZaloClient:
    """Async client for one bot token. Create inside a running loop; `close()` at the end."""

    token: str
    base_url: str = DEFAULT_BASE_URL
    request_timeout: float = 15.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    _session: aiohttp.ClientSession | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.token or "/" in self.token or any(c.isspace() for c in self.token):
            raise ValueError("ZALO_BOT_TOKEN is empty or malformed")
        self.base_url = (self.base_url or DEFAULT_BASE_URL).rstrip("/")

    def __repr__(self) -> str:
        return f"ZaloClient(base_url={self.base_url!r})"

    @property
    def session(self) -> aiohttp.ClientSession:
        """The shared HTTP session (created on first use)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"User-Agent": "dondoc"}, raise_for_status=False
            )
        return self._session

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _url(self, method: str) -> str:
        return f"{self.base_url}/bot{self.token}/{method}"

    async def _once(self, method: str, payload: Mapping[str, Any], limit: float) -> Any:
        """One HTTP round trip; returns `result` or raises a typed error."""
        try:
            async with self.session.post(
                self._url(method),
                json=dict(payload),
                timeout=aiohttp.ClientTimeout(total=limit),
            ) as resp:
                status = resp.status
                headers = resp.headers
                try:
                    body: Any = await resp.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    body = None
        except TimeoutError:
            raise ZaloTimeout(f"{method}: no answer within {limit:g} s", method=method) from None
        except aiohttp.ClientConnectorError as exc:
            detail = redact(f"{type(exc).__name__}: {exc}", self.token)
            raise ZaloNetworkError(f"{method}: {detail}", method=method) from None
        except aiohttp.ClientError as exc:
            # Disconnected or reset once the request was (perhaps) written.
            detail = redact(f"{type(exc).__name__}: {exc}", self.token)
            raise ZaloOutcomeUnknown(f"{method}: {detail}", method=method) from None

        if not isinstance(body, Mapping):
            if status >= 400:
                raise _api_error(
                    method, status, f"HTTP {status}", status, _retry_after({}, headers)
                )
            raise ZaloApiError(method, status, "answer is not a JSON object", http_status=status)
        if body.get("ok") is True and status < 400:
            return body.get("result")
        code = body.get("error_code")
        code = int(code) if isinstance(code, int | float) else status if status >= 400 else 0
        description = redact(str(body.get("description") or f"HTTP {status}"), self.token)
        raise _api_error(method, code, description, status, _retry_after(body, headers))

    async def call(
        self, method: str, payload: Mapping[str, Any] | None = None, *, limit: float | None = None
    ) -> Any:
        """Call a method; 429 and failures before the request left (or a 5xx answer) are
        retried per the shared policy (`bot.retrying`). A timeout is never repeated, nor any
        unknown outcome of a message send."""
        payload = payload or {}
        limit = limit or self.request_timeout

        def retryable(exc: BaseException) -> bool:
            if isinstance(exc, ZaloRateLimited | ZaloNetworkError):
                return True
            if isinstance(exc, ZaloApiError):
                return exc.transient
            if isinstance(exc, ZaloTimeout):
                return False
            return isinstance(exc, ZaloOutcomeUnknown) and method not in SEND_METHODS

        def hint(exc: BaseException) -> float | None:
            return exc.hinted if isinstance(exc, ZaloRateLimited) else None

        def before_sleep(exc: BaseException, failures: int, seconds: float) -> None:
            log.warning("zalo %s: %s; retrying in %.1f s", method, exc, seconds)

        async def once() -> Any:
            return await self._once(method, payload, limit)

        try:
            return await self.retry.call(once, retryable, hint=hint, before_sleep=before_sleep)
        except ZaloRateLimited as exc:
            # Still limited: tell the caller how long to stay away.
            exc.retry_after = max(exc.retry_after, self.retry.delay(self.retry.attempts))
            raise

    # --- methods -------------------------------------------------------------------------

    async def get_me(self) -> dict[str, Any]:
        """The bot's own account (checks the token)."""
        result = await self.call("getMe")
        return dict(result) if isinstance(result, Mapping) else {}

    async def get_updates(self, wait: float = 30.0) -> dict[str, Any] | None:
        """Long-poll for the next update: one event, or None when nothing came (408)."""
        try:
            result = await self._once("getUpdates", {"timeout": str(int(wait))}, wait + 10.0)
        except ZaloApiError as exc:
            if exc.error_code == NO_UPDATES or exc.http_status == NO_UPDATES:
                return None
            raise
        if isinstance(result, list):  # be lenient if a batch ever comes back
            return dict(result[0]) if result and isinstance(result[0], Mapping) else None
        return dict(result) if isinstance(result, Mapping) and result else None

    async def set_webhook(self, url: str, secret_token: str) -> dict[str, Any]:
        """Register the webhook; the secret comes back in `X-Bot-Api-Secret-Token`."""
        if not 8 <= len(secret_token) <= 256:
            raise ValueError("the webhook secret must be 8-256 characters")
        result = await self.call("setWebhook", {"url": url, "secret_token": secret_token})
        return dict(result) if isinstance(result, Mapping) else {}

    async def delete_webhook(self) -> dict[str, Any]:
        """Remove the webhook (getUpdates does not work while one is set)."""
        result = await self.call("deleteWebhook")
        return dict(result) if isinstance(result, Mapping) else {}

    async def get_webhook_info(self) -> dict[str, Any]:
        """The registered webhook URL, if any."""
        result = await self.call("getWebhookInfo")
        return dict(result) if isinstance(result, Mapping) else {}

    async def send_message(self, chat_id: str, text: str) -> list[dict[str, Any]]:
        """Send text; longer than 2,000 characters goes as several messages split on lines."""
        sent: list[dict[str, Any]] = []
        for chunk in split_text(text, MAX_TEXT):
            result = await self.call("sendMessage", {"chat_id": chat_id, "text": chunk})
            sent.append(dict(result) if isinstance(result, Mapping) else {})
        return sent

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> dict[str, Any]:
        """Send an image by URL (Zalo fetches it), with an optional caption."""
        payload: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption[:MAX_TEXT]
        result = await self.call("sendPhoto", payload)
        return dict(result) if isinstance(result, Mapping) else {}

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show "typing…" for a few seconds; failures are ignored (it is cosmetic)."""
        try:
            await self._once("sendChatAction", {"chat_id": chat_id, "action": action}, 3.0)
        except ZaloError as exc:
            log.debug("zalo sendChatAction failed: %s", exc)

    async def download(self, url: str, *, max_bytes: int = 20 * 1024 * 1024) -> bytes:
        """Fetch a file a user sent (an image URL from an event), bounded in size and time."""
        try:
            async with self.session.get(
                url, timeout=aiohttp.ClientTimeout(total=self.request_timeout * 2)
            ) as resp:
                if resp.status >= 400:
                    raise ZaloApiError("download", resp.status, f"HTTP {resp.status}")
                data = bytearray()
                async for chunk in resp.content.iter_chunked(65536):
                    data.extend(chunk)
                    if len(data) > max_bytes:
                        raise ZaloApiError("download", 413, "file too large")
                return bytes(data)
        except TimeoutError:
            raise ZaloTimeout("download: no answer in time", method="download") from None
        except aiohttp.ClientError as exc:
            raise ZaloNetworkError(f"download: {type(exc).__name__}", method="download") from None
