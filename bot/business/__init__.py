"""Telegram Business live mode: the rules of connected shops’ chats (bot.business.chats)."""
