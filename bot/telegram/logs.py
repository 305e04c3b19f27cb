"""Logging for the Telegram binding: quiet HTTP loggers and the token scrubbed from every record."""

from __future__ import annotations

import logging

# httpx logs every request URL at INFO, and the URL holds the bot token.
_NOISY = ("httpx", "httpcore", "telegram.Bot", "telegram.ext.ExtBot", "telegram.request")


class RedactSecrets(logging.Filter):
    """Replaces the given secrets in a record's message and traceback."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place when it contains a secret; never drops it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        scrubbed = self._scrub(message)
        if scrubbed != message:
            record.msg = scrubbed
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._scrub(record.exc_text)
        return True


def protect_logs(*secrets: str) -> RedactSecrets:
    """Keep HTTP client loggers at WARNING and scrub `secrets` from every handler's output."""
    for name in _NOISY:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)
    redact = RedactSecrets(list(secrets))
    handlers = list(logging.getLogger().handlers)
    # Records of loggers without handlers end at logging.lastResort.
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for handler in handlers:
        existing = [f for f in handler.filters if isinstance(f, RedactSecrets)]
        if existing:
            existing[0].secrets.extend(s for s in redact.secrets if s not in existing[0].secrets)
        else:
            handler.addFilter(redact)
    return redact
