"""The deployment files: compose has the four services, the configs load, no secret is in a file."""

import configparser

import yaml

from bot.config import load_config
from tests.conftest import ROOT


def test_compose_runs_bot_postgres_redis_and_nginx_with_secrets_from_the_environment():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert set(compose["services"]) == {"bot", "postgres", "redis", "nginx"}
    bot = compose["services"]["bot"]["environment"]
    assert (
        bot["CSBOT_TELEGRAM_TOKEN"].startswith("${")
        and "${POSTGRES_PASSWORD" in bot["CSBOT_DATABASE_URL"]
    )
    assert "${REDIS_PASSWORD" in bot["CSBOT_REDIS_URL"]
    assert "--workers" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_the_docker_config_loads_and_takes_its_secrets_from_the_environment():
    environ = {
        "CSBOT_TELEGRAM_TOKEN": "123:abc",
        "CSBOT_DATABASE_URL": "postgresql://csbot:pw@postgres:5432/csbot",
        "CSBOT_REDIS_URL": "redis://:pw@redis:6379/0",
    }
    config = load_config(ROOT / "deploy" / "config.docker.yaml", environ=environ)
    assert config.telegram.webhook_listen == "0.0.0.0:8080"
    assert config.redis.url.get() == environ["CSBOT_REDIS_URL"]
    assert config.storage.database.secret == environ["CSBOT_DATABASE_URL"]
    assert not load_config(ROOT / "deploy" / "config.docker.yaml", environ={}).telegram.token


def test_the_systemd_units_run_webhook_workers_from_an_environment_file():
    for name in ("csbot.service", "csbot@.service"):
        unit = configparser.ConfigParser(interpolation=None, strict=False)
        unit.read(ROOT / "deploy" / name, encoding="utf-8")
        service = unit["Service"]
        assert "csbot run" in service["ExecStart"] and "--webhook" in service["ExecStart"]
        assert service["EnvironmentFile"] == "/etc/csbot/env" and service["KillSignal"] == "SIGTERM"
    template = (ROOT / "deploy" / "csbot@.service").read_text(encoding="utf-8")
    assert "Environment=CSBOT_WORKER=%i" in template
