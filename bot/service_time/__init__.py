"""Response times against the service targets: the maths, imports, reports and charts.

Plain Python (no aiogram): a cron job or a web page can call it as well as the bot.
"""
