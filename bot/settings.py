"""Settings read once at start from the environment and `.env` (never at import time)."""

from __future__ import annotations

import re
import sys
import zoneinfo
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from locales import SUPPORTED_LOCALES, has, t

_TOKEN_RE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,200}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class SettingError(ValueError):
    """A bad setting in the configured language: a catalog key (`cli.setting.*`), its
    parameters, and the variable's name when the check spans several variables."""

    def __init__(self, key: str, name: str | None = None, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.name = name
        self.params = params


class Settings(BaseSettings):
    """Every variable is documented in `.env.example`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = "sqlite+aiosqlite:///./dondoc.db"
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = ""
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr | None = None
    zalo_bot_token: SecretStr | None = None
    zalo_api_base_url: str = "https://bot-api.zaloplatforms.com"
    zalo_mode: Literal["polling", "webhook"] = "polling"
    zalo_webhook_url: str = ""
    zalo_webhook_secret: SecretStr | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    timezone: str = "Asia/Ho_Chi_Minh"
    default_locale: str = "vi"
    data_dir: Path = Path("./data")
    invite_ttl_days: int = Field(default=14, ge=1, le=365)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Reminder delivery (rarely changed; see README "Reminders").
    reminder_lease_seconds: float = Field(
        default=60.0, ge=1, le=3600, validation_alias="DONDOC_REMINDER_LEASE_SECONDS"
    )
    reminder_grace_hours: float = Field(
        default=12.0, gt=0, le=720, validation_alias="DONDOC_REMINDER_GRACE_HOURS"
    )
    reminder_tick_seconds: float = Field(
        default=60.0, ge=1, le=3600, validation_alias="DONDOC_REMINDER_TICK_SECONDS"
    )

    @field_validator(
        "telegram_bot_token",
        "zalo_bot_token",
        "telegram_webhook_secret",
        "zalo_webhook_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Refused before any network call; the value itself is never echoed.
        if value is not None and not _TOKEN_RE.fullmatch(value.get_secret_value().strip()):
            raise SettingError("cli.setting.telegram_token")
        return value

    @field_validator("zalo_bot_token")
    @classmethod
    def _zalo_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Zalo Bot Creator gives the same shape as @BotFather: digits, ':' and letters.
        if value is not None and not _TOKEN_RE.fullmatch(value.get_secret_value().strip()):
            raise SettingError("cli.setting.zalo_token")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_RE.fullmatch(value.get_secret_value()):
            raise SettingError("cli.setting.telegram_secret")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _bot_api_url(cls, value: str) -> str:
        """Accept a self-hosted Bot API server as http://host:port or http://host:port/bot."""
        url = value.strip().rstrip("/")
        if not url:
            return ""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingError("cli.setting.api_url")
        try:
            _ = parts.port
        except ValueError:
            raise SettingError("cli.setting.port_not_number") from None
        return url if url.endswith("/bot") else f"{url}/bot"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingError("cli.setting.timezone", value=value) from exc
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise SettingError("cli.setting.locale", choices=", ".join(SUPPORTED_LOCALES))
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
            return "sqlite+aiosqlite://" + value.split("://", 1)[1]
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise SettingError("cli.setting.database_scheme")
        from sqlalchemy.engine import make_url

        try:
            url = make_url(value)
            _ = url.port
        except Exception as exc:  # ArgumentError, ValueError (a port that is not a number)
            raise SettingError("cli.setting.database_url", cause=type(exc).__name__) from None
        if url.drivername.startswith("postgresql") and not (url.host and url.database):
            raise SettingError("cli.setting.database_parts") from None
        return value

    @model_validator(mode="after")
    def _webhook_modes(self) -> Settings:
        """Webhook mode needs its public URL and secret (checked only for a configured bot)."""
        if self.telegram_bot_token is not None and self.telegram_mode == "webhook":
            if not self.telegram_webhook_url.startswith(("https://", "http://")):
                raise SettingError("cli.setting.webhook_url", "TELEGRAM_WEBHOOK_URL")
            if self.telegram_webhook_secret is None:
                raise SettingError("cli.setting.webhook_secret_missing", "TELEGRAM_WEBHOOK_SECRET")
        if self.zalo_bot_token is not None and self.zalo_mode == "webhook":
            if not self.zalo_webhook_url.startswith(("https://", "http://")):
                raise SettingError("cli.setting.webhook_url", "ZALO_WEBHOOK_URL")
            secret = self.zalo_webhook_secret
            if secret is None or not 8 <= len(secret.get_secret_value()) <= 256:
                raise SettingError("cli.setting.zalo_secret", "ZALO_WEBHOOK_SECRET")
        return self

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The configured time zone."""
        return zoneinfo.ZoneInfo(self.timezone)


def load_settings(**overrides: object) -> Settings:
    """Read settings; a bad value stops the process with one line naming it (exit status 2)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        from bot.cli import cli_locale

        loc = cli_locale()
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "settings"
        ctx = dict(err.get("ctx") or {})
        cause = ctx.pop("error", None)
        if isinstance(cause, SettingError):
            name = cause.name or name
            msg = t(cause.key, loc, **cause.params)
        elif has(f"cli.setting.{err['type']}"):  # pydantic's own checks: a number, a choice…
            if "expected" in ctx:  # "'polling' or 'webhook'"
                ctx["expected"] = str(ctx["expected"]).replace(" or ", ", ")
            msg = t(f"cli.setting.{err['type']}", loc, **ctx)
        else:
            msg = err["msg"].removeprefix("Value error, ")
        print(f"dondoc: {t('cli.bad_setting', loc, name=name, message=msg)}", file=sys.stderr)
        raise SystemExit(2) from None
