"""Telegram channel on python-telegram-bot 22 (`build_telegram` is the entry point)."""

from bot.telegram.runner import TelegramRunner, build_telegram

__all__ = ["TelegramRunner", "build_telegram"]
