import re
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from tests.conftest import ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_config_loads_with_the_contract_defaults():
    config = load_config(ROOT / "config.example.yaml", environ={})
    assert not config.telegram.token and config.telegram.api_base == ""
    assert config.service_targets.first_response_seconds == 15
    assert config.service_targets.next_response_seconds == 20
    assert config.access.open is False and config.access.admins == frozenset()
    assert config.storage.database == ROOT / "data" / "csbot.db"


def test_the_environment_token_wins_and_never_prints(tmp_path):
    path = write(tmp_path, 'telegram:\n  token: "111:from-file"\n')
    config = load_config(path, environ={"CSBOT_TELEGRAM_TOKEN": "222:from-env"})
    assert config.telegram.token.get() == "222:from-env"
    assert "222" not in repr(config) and "222" not in str(config.telegram)


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("telegram:\n  tokn: x\n", ":2: telegram.tokn", "不认识的配置项"),
        ("colour: red\n", ":1: colour", "不认识的配置项"),
        ("access:\n  admins: [abc]\n", ":2: access.admins", "Telegram 用户 id"),
        ("access:\n  open: yes please\n", ":2: access.open", "true 或 false"),
        ("service_targets:\n  first_response_seconds: -1\n", ":2:", "大于 0"),
        ("replies:\n  tone: 可爱\n", ":2: replies.tone", "亲切"),
        ("storage: [a, b\n", ":2: YAML 语法错误", "方括号列表"),
        ("- just\n- a list\n", ":1:", "映射"),
    ],
)
def test_a_broken_config_names_file_line_and_what_is_wrong(tmp_path, text, where, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    message = str(caught.value)
    assert message.startswith(str(path)) and where in message and words in message


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    path = write(tmp_path, "storage:\n  database: db/x.db\nlibrary:\n  paths: {mine: my.yaml}\n")
    config = load_config(path, environ={})
    assert config.storage.database == tmp_path / "db" / "x.db"
    assert config.library_path("mine") == tmp_path / "my.yaml"


def test_a_missing_config_file_says_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match=r"config\.example\.yaml"):
        load_config(tmp_path / "nope.yaml", environ={})


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("telegram:\n  webhook_listen: nonsense\n", ":2: telegram.webhook_listen", "主机:端口"),
        ("telegram:\n  webhook_listen: 0.0.0.0:99999\n", ":2: telegram.webhook_listen", "端口"),
        ("telegram:\n  webhook_listen: 'bad host!:80'\n", ":2: telegram.webhook_listen", "主机"),
        ("telegram:\n  api_base: 127.0.0.1:8081\n", ":2: telegram.api_base", "网址"),
        ("telegram:\n  api_base: http://h:port\n", ":2: telegram.api_base", "端口"),
        ("telegram:\n  webhook_secret: 'a b'\n", ":2: telegram.webhook_secret", "字母"),
        ("telegram:\n  throttle_messages: 2.5\n", ":2: telegram.throttle_messages", "整数"),
        ("telegram:\n  throttle_seconds: fast\n", ":2: telegram.throttle_seconds", "大于 0"),
        ("storage:\n  database: ''\n", ":2: storage.database", "空"),
        ("service_targets:\n  timezone: Mars/Base\n", ":2: service_targets.timezone", "时区"),
        ("service_targets:\n  business_hours: [9-18]\n", ":2: service_targets.business_hours",
         "营业时间"),
        ("service_targets:\n  idle_gap_minutes: 0\n", ":2: service_targets.idle_gap_minutes",
         "大于 0"),
        ("access:\n  staff: [-5]\n", ":2: access.staff", "用户 id"),
        ("access:\n  names:\n    小王: 123\n", ":3: access.names.小王", "用户 id: 名字"),
        ("access:\n  names:\n    123: ''\n", ":3: access.names.123", "名字"),
        ("access:\n  names: [123]\n", ":2: access.names", "映射"),
        ("library:\n  default: nope\n", ":2: library.default", "没有名为"),
        ("library:\n  paths:\n    ../x: x.yaml\n", ":3: library.paths.../x", "话术库名字"),
        ("library:\n  paths:\n    mine: [a]\n", ":3: library.paths.mine", "路径"),
        ("library:\n  values:\n    shop_name: [a, b]\n", ":3: library.values.shop_name",
         "文字"),
        ("replies:\n  count: 0\n", ":2: replies.count", "1 到 10"),
        ("replies:\n  count: 2.5\n", ":2: replies.count", "整数"),
        ("matcher:\n  threshold: true\n", ":2: matcher.threshold", "0 到 1"),
        ("business:\n  auto_reply: 1\n", ":2: business.auto_reply", "true 或 false"),
        ("telegram: [a]\n", ":1: telegram", "映射"),
        ("telegram:\n  token: 'secret-without-id'\n", ":2: telegram.token", "@BotFather"),
    ],
)  # fmt: skip
def test_every_value_is_checked_with_file_and_line(tmp_path, text, where, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    [problem] = caught.value.problems
    assert problem.startswith(f"{path}{where}") and words in problem
    assert "secret-without-id" not in problem


def test_staff_names_are_read_by_telegram_id(tmp_path):
    text = "access:\n  staff: [111, 222]\n  names:\n    111: 小王\n    '222': 阿珍\n"
    path = write(tmp_path, text)
    config = load_config(path, environ={})
    assert config.access.names == {111: "小王", 222: "阿珍"}
    assert config.access.staff == frozenset({111, 222})  # CONTRACT §5: still a list of ids


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        "telegram:\n"
        "  webhook_listen: nonsense\n"
        "  tokn: x\n"
        "replies:\n"
        "  tone: 可爱\n"
        "  count: many\n"
        "access:\n"
        "  admins: [abc]\n"
        "colour: red\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    lines = [int(p.split(":")[1]) for p in caught.value.problems]
    assert lines == [2, 3, 5, 6, 8, 9]  # in the file's order
    assert str(caught.value).count(str(path)) == 6


@pytest.mark.parametrize(
    "listen", ["0.0.0.0:8080", "127.0.0.1:80", "bot.example.com:8080", ":8080", ":::8443"]
)
def test_usual_listen_addresses_are_accepted(tmp_path, listen):
    path = write(tmp_path, f"telegram:\n  webhook_listen: '{listen}'\n")
    assert load_config(path, environ={}).telegram.webhook_listen == listen


def test_a_webhook_listen_error_is_one_line_from_the_cli_not_a_traceback(tmp_path):
    from typer.testing import CliRunner

    from bot.cli import app

    path = write(tmp_path, "telegram:\n  webhook_listen: nonsense\n")
    result = CliRunner().invoke(app, ["run", "--config", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "ValueError" not in result.output
    assert f"{path}:2: telegram.webhook_listen" in result.output


def test_every_library_value_is_in_the_example_config_with_a_comment():
    """Each {placeholder} value of the shipped libraries is listed under library.values (set or
    commented out, with its default) and explained, so a shop sees what it can set."""
    from bot.config import SHIPPED_LIBRARIES
    from intents import load_library

    text = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    block = text.split("\n  values:\n", 1)[1].split("\n  catalog:", 1)[0]
    listed = {}
    for line in block.splitlines():
        entry = re.match(r"\s{4}(?:# )?([a-z_]+): (\S+).*#\s*(\S.*)", line)
        if entry:
            listed[entry[1]] = entry[3]
    shipped = set()
    for path in SHIPPED_LIBRARIES.values():
        shipped |= set(load_library(path).defaults)
    assert set(listed) == shipped
    assert all(re.search(r"[\u4e00-\u9fff]|access", why) for why in listed.values())
    # the values set there load as they are
    config = load_config(ROOT / "config.example.yaml", environ={})
    assert set(config.library.values) <= shipped


# --- redis.url ------------------------------------------------------------------------------


def test_redis_url_is_optional_a_secret_and_the_environment_wins(tmp_path):
    assert not load_config(ROOT / "config.example.yaml", environ={}).redis.url
    path = write(tmp_path, 'redis:\n  url: "redis://:file-pass@127.0.0.1:6379/0"\n')
    config = load_config(path, environ={})
    assert config.redis.url.get() == "redis://:file-pass@127.0.0.1:6379/0"
    assert "file-pass" not in repr(config)
    env = load_config(path, environ={"CSBOT_REDIS_URL": "redis://:env-pass@10.0.0.5:6379/1"})
    assert env.redis.url.get() == "redis://:env-pass@10.0.0.5:6379/1"


@pytest.mark.parametrize(
    "url", ["http://:s3cret-pass@127.0.0.1:6379/0", "redis://:s3cret-pass@127.0.0.1:99999/0"]
)
def test_a_bad_redis_url_names_the_line_and_never_the_password(tmp_path, url):
    path = write(tmp_path, f'redis:\n  url: "{url}"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    message = str(caught.value)
    assert f"{path}:2: redis.url" in message and "s3cret-pass" not in message


def test_the_database_url_may_come_from_the_environment(tmp_path):
    url = "postgresql://csbot:env-pass@db:5432/csbot"
    config = load_config(
        write(tmp_path, "storage:\n  database: data/x.db\n"), environ={"CSBOT_DATABASE_URL": url}
    )
    assert config.storage.database.secret == url and "env-pass" not in repr(config)
