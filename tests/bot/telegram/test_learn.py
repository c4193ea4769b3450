"""/learn through the real dispatcher and a fake Bot API session."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.telegram import texts
from bot.telegram.routers import learn as learn_router
from tests.bot.telegram.conftest import ADMIN, STAFF

PHRASES = Path(__file__).resolve().parents[3] / "phrases"
LEARNED = """\
version: 1
library: shop
learned: []
unsorted:
- group: g1
  guess: invoice
  asked: 7
  examples: [给张单据呗, 要个凭条]
  evidence:
  - {example: 给张单据呗, asked: 5, agent_reply: 亲，可以的，发货时随包裹放购物小票, before: 无}
  - {example: 要个凭条, asked: 2, before: 无}
- group: g2
  guess: null
  asked: 3
  examples: [我在上班]
  evidence:
  - {example: 我在上班, asked: 3, agent_reply: 好的亲～, before: 无}
ignored: []
"""


def unsigned(data: str) -> str:
    return data.rpartition(":")[0]


@pytest.fixture
def library(harness, tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "lib"
    folder.mkdir()
    for file in PHRASES.glob("*.yaml"):
        shutil.copy(file, folder)
    assistants = harness.dp["assistants"]
    paths = {**assistants.config.library.paths, "shop": folder}
    config = replace(assistants.config, library=replace(assistants.config.library, paths=paths))
    monkeypatch.setattr(assistants, "config", config)
    return folder


async def test_learn_is_for_admins_only(harness, library: Path):
    await harness.send("/learn", user=STAFF)
    assert harness.texts() == [texts.ADMINS_ONLY]
    await harness.press(harness.sign("lr:ignore:shop:g2:", chat=STAFF), user=STAFF)
    [alert] = harness.session.sent("answerCallbackQuery")
    assert alert.text == texts.ADMINS_ONLY


async def test_without_a_learned_file_it_says_how_to_make_one(harness, library: Path):
    await harness.send("/learn", user=ADMIN)
    [reply] = harness.texts()
    assert f"csbot learn --out {library / 'learned.yaml'}" in reply


async def test_groups_are_placed_or_ignored_and_the_library_reloads(harness, library: Path):
    learned = library / "learned.yaml"
    learned.write_text(LEARNED, encoding="utf-8")
    assistants = harness.dp["assistants"]
    assert assistants.get().suggest("给张单据呗").intents == ()

    await harness.send("/learn", user=ADMIN)
    header, first, second = harness.texts()
    assert "共 2 组" in header
    assert "问过 7 次" in first and "给张单据呗 / 要个凭条" in first
    assert "发票" in first  # the guess, by its Chinese name
    assert "看不出" in second
    markup = harness.session.sent()[1].reply_markup
    buttons = [(b.text, unsigned(b.callback_data)) for row in markup.inline_keyboard for b in row]
    assert buttons == [
        ("加到「发票」", "lr:add:shop:g1:invoice"),
        ("加到其他意图…", "lr:pick:shop:g1:"),
        ("忽略", "lr:ignore:shop:g1:"),
    ]

    add = harness.button("lr:add:shop:g1:invoice")
    await harness.press(add, user=ADMIN)
    assert harness.texts("editMessageText")[-1].startswith("已把这 2 个说法加到「发票」")
    # applied to the file and reloaded: the bot answers the new phrasing now
    assert assistants.get().suggest("给张单据呗").intents == ("invoice",)
    data = yaml.safe_load(learned.read_text(encoding="utf-8"))
    assert data["learned"][0]["intent"] == "invoice"
    assert data["learned"][0]["reviewed"] is True
    assert data["learned"][0]["examples"] == ["给张单据呗", "要个凭条"]

    await harness.press(harness.button("lr:pick:shop:g2:"), user=ADMIN)
    picker = harness.session.sent("editMessageText")[-1]
    assert picker.text == learn_router.PICK
    choices = [
        unsigned(b.callback_data) for row in picker.reply_markup.inline_keyboard for b in row
    ]
    assert "lr:add:shop:g2:after_sales" in choices and choices[-1] == "lr:ignore:shop:g2:"
    await harness.press(harness.button("lr:ignore:shop:g2:", "editMessageText"), user=ADMIN)
    assert harness.texts("editMessageText")[-1] == learn_router.IGNORED
    data = yaml.safe_load(learned.read_text(encoding="utf-8"))
    assert data["unsorted"] == [] and data["ignored"] == ["我在上班"]

    await harness.press(add, user=ADMIN)  # a second tap, or another admin
    assert harness.texts("editMessageText")[-1] == learn_router.GONE


async def test_a_placement_that_breaks_the_library_is_undone(harness, library: Path):
    learned = library / "learned.yaml"
    broken = LEARNED.replace("guess: invoice", "guess: invoyce")
    learned.write_text(broken, encoding="utf-8")
    await harness.press(harness.sign("lr:add:shop:g1:invoyce", chat=ADMIN), user=ADMIN)
    reply = harness.texts("editMessageText")[-1]
    assert "重新加载失败" in reply and "invoyce" in reply
    assert learned.read_text(encoding="utf-8") == broken
    assert harness.dp["assistants"].get().suggest("包邮吗").intents == ("price",)
