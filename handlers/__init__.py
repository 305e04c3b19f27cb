"""Channel-neutral conversations: written once, served on Telegram, Zalo and the console."""
