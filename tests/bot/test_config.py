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
