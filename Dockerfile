# csbot (客服话术助手): the bot in a slim Python image. Secrets come from the environment
# (docker compose reads them from .env), never from a file in the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    CSBOT_CACHE_DIR=/var/lib/csbot/cache

WORKDIR /srv/csbot
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY intents ./intents
COPY phrases ./phrases
RUN pip install . && useradd --system --home /var/lib/csbot csbot \
    && mkdir -p /var/lib/csbot/data /var/lib/csbot/cache && chown -R csbot /var/lib/csbot

COPY deploy/config.docker.yaml /etc/csbot/config.yaml
USER csbot
WORKDIR /var/lib/csbot
EXPOSE 8080
# CSBOT_WEBHOOK_URL: the public HTTPS address nginx serves, e.g. https://bot.example.com/tg
CMD ["sh", "-c", "exec csbot run --config /etc/csbot/config.yaml --webhook \"$CSBOT_WEBHOOK_URL\" --workers \"${CSBOT_WORKERS:-2}\""]
