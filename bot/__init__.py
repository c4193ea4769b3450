"""客服话术助手: the Telegram bot, storage, reports and the `csbot` command line."""
