"""csbot learn: from a stored history with known needs to a learned file that raises accuracy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from bot.learning import learned_file
from bot.learning.propose import Asked, Learner, rounds
from bot.storage import LearningRows
from intents import LibraryError, Matcher, load_library
from intents.normalize import normalize
from tests.bot.learning import shop_history

ROOT = Path(__file__).resolve().parents[3]
PHRASES = ROOT / "phrases"
runner = CliRunner()


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A copy of the shipped shop library, a config and the history imported into its database."""
    library = tmp_path / "lib"
    library.mkdir()
    for file in PHRASES.glob("*.yaml"):
        shutil.copy(file, library)
    _open_gaps(library)
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  database: {tmp_path / 'csbot.db'}\n", encoding="utf-8")
    history = tmp_path / "history.csv"
    history.write_text(shop_history.history_csv(), encoding="utf-8")
    result = runner.invoke(app, ["import", "csv", str(history), "--config", str(config)])
    assert result.exit_code == 0, result.output
    return tmp_path


#: The shipped topics that answer the history's needs: taken out of the test's copy, so that the
#: library has the gaps a real shop's history shows it (the shipped library keeps improving).
GAPS = {"tracking", "change_address", "authenticity", "wait_for_sale", "paper_invoice"}


def _open_gaps(library: Path) -> None:
    for file in library.glob("*.yaml"):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for intent in data.get("intents") or []:
            if "topics" in intent:
                intent["topics"] = [t for t in intent["topics"] if t["topic"] not in GAPS]
        file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def learn(root: Path, *extra: str) -> str:
    result = runner.invoke(
        app,
        ["learn", "--library", str(root / "lib"), "--config", str(root / "config.yaml"), *extra],
    )
    assert result.exit_code == 0, result.output
    return result.output


def measure(library_path: Path) -> tuple[float, float]:
    """Top-1 accuracy on the labelled new phrasings, abstention on the none messages."""
    matcher = Matcher(load_library(library_path))
    labelled = shop_history.heldout()
    right = sum(
        1 for text, intent in labelled if [m.intent for m in matcher.match(text)][:1] == [intent]
    )
    abstained = sum(1 for text in shop_history.NONE_HELDOUT if not matcher.match(text))
    return right / len(labelled), abstained / len(shop_history.NONE_HELDOUT)


def test_heldout_shares_no_text_with_the_history():
    history = {t for need in shop_history.NEEDS for t in need.history}
    assert not history & {t for t, _ in shop_history.heldout()}
    assert not set(shop_history.NONE_HISTORY) & set(shop_history.NONE_HELDOUT)


def test_learned_file_in_the_library_folder_raises_accuracy_and_keeps_abstaining(shop: Path):
    before, abstain_before = measure(shop / "lib")
    output = learn(shop, "--out", str(shop / "lib" / "learned.yaml"))
    assert "读取 368 条顾客消息" in output
    assert "下次加载即生效" in output
    after, abstain_after = measure(shop / "lib")  # the file is loaded with no hand editing
    print(f"top-1 {before:.1%} -> {after:.1%}; abstain {abstain_before:.1%} -> {abstain_after:.1%}")
    # the shipped topics already answer many of these needs; what is left, the learned file
    # must still lift by at least 5 points (the bar on a real shop's history is 3)
    assert after >= before + 0.05
    assert abstain_after >= abstain_before - 0.02


def test_same_history_gives_the_same_file_byte_for_byte(shop: Path):
    first, second = shop / "a.yaml", shop / "lib" / "learned.yaml"
    learn(shop, "--out", str(first))
    learn(shop, "--out", str(second))
    learn(shop, "--out", str(second))  # rerun over its own output: the file is not read as library
    assert first.read_bytes() == second.read_bytes()
    # another process, with other string hashes (set and dict orders inside the engine)
    command = [sys.executable, "-m", "bot", "learn", "--library", str(shop / "lib")]
    command += ["--config", str(shop / "config.yaml"), "--out", str(second)]
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT)
    assert second.read_bytes() == first.read_bytes()


def test_file_holds_evidence_and_unplaced_groups_under_ignored_keys(shop: Path):
    out = shop / "learned.yaml"
    learn(shop, "--out", str(out))
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    learned = {(item["intent"], item.get("topic")): item for item in data["learned"]}
    # the history's address changes the library still misses, under the topic the agents'
    # replies answer, each with how often it was asked and what the agent said
    address = learned[("shipping", None)]
    # proposals are written in the engine's normal form (宝贝到哪啦 → 宝贝到哪)
    changes = {normalize(t) for t in shop_history.NEEDS[1].history} | set(
        shop_history.NEEDS[1].history
    )
    asked_for = changes | {
        normalize(t) for t in shop_history.NEEDS[0].history
    }  # 到哪了 shares the intent
    assert set(address["examples"]) <= asked_for and set(address["examples"]) & changes
    top = max((e for e in address["evidence"] if e["example"] in changes), key=lambda e: e["asked"])
    assert top["example"] in address["examples"] and top["asked"] >= 2
    assert "收货信息" in top["agent_reply"] or "地址" in top["agent_reply"]
    # chat that asks nothing is never placed: agents answer it, but politely, not with a need
    placed = {e for item in data["learned"] for e in item["examples"]}
    assert not placed & {"好的", "嗯嗯", "我在上班", "我家猫好可爱"}
    unsorted = {e for group in data["unsorted"] for e in group["examples"]}
    assert unsorted and not unsorted & {"好的", "嗯嗯"}  # acknowledgements are not even listed
    assert [g["group"] for g in data["unsorted"]] == [
        f"g{n}" for n in range(1, len(data["unsorted"]) + 1)
    ]


def test_since_leaves_older_chats_out(shop: Path):
    output = learn(shop, "--out", str(shop / "late.yaml"), "--since", "2024-06-07")
    read = int(output.split("读取 ")[1].split(" 条")[0])
    assert 0 < read < 368


def test_bad_since_and_missing_database_say_what_to_do(tmp_path: Path, shop: Path):
    result = runner.invoke(
        app,
        [
            "learn",
            "--out",
            str(tmp_path / "x.yaml"),
            "--since",
            "上周",
            "--config",
            str(shop / "config.yaml"),
        ],
    )
    assert result.exit_code == 2
    assert "2024-06-01" in result.output
    empty = tmp_path / "empty.yaml"
    empty.write_text(f"storage:\n  database: {tmp_path / 'none.db'}\n", encoding="utf-8")
    result = runner.invoke(
        app, ["learn", "--out", str(tmp_path / "y.yaml"), "--config", str(empty)]
    )
    assert result.exit_code == 0
    assert "读取 0 条顾客消息" in result.output
    assert not (tmp_path / "none.db").exists()


def test_disliked_suggestion_is_not_counted_as_known():
    library = load_library(PHRASES)
    learner = Learner(library)
    # staff said no to an after_sales suggestion for 我那单咋样了, and agents answered shipping
    # (the shipped library now reads 我的东西到哪里了 as shipping itself)
    reply = "亲，物流显示还在运输中，预计后天到，请耐心等等～"
    asked = "我那单咋样了"
    rows = LearningRows(
        [(1, 0, asked), (1, 1, reply), (2, 0, asked), (2, 1, reply)], [(asked, ("after_sales",))]
    )
    proposals = learner.propose(rounds(rows))
    placed = {e.example: g.intent for g in proposals.learned for e in g.examples}
    assert placed == {asked: "shipping"}
    evidence = proposals.learned[0].examples[0]
    assert (evidence.asked, evidence.disliked) == (3, 1)


def test_business_reply_after_a_suggestion_is_the_hint():
    """Live mode stores customer, bot (the suggestion sent for the shop) and the owner's reply;
    the owner's reply, not the bot's, says what was needed."""
    learner = Learner(load_library(PHRASES))
    rows = LearningRows(
        [
            (5, 0, "给张单据呗"), (5, 2, "亲，您是想了解尺码、价格还是发货呢？"),
            (5, 1, "亲，可以给您出具购物凭证，电子发票也能开，备注抬头就行"),
            (6, 0, "给张单据呗"),
            (6, 1, "您好，收据和发票都可以开，下单时备注抬头，我们开好电子发票发给您"),
            # the library has no guess for it at all: three agents must agree
            (7, 0, "给张单据呗"), (7, 1, "亲，发票可以开的，下单备注抬头，电子发票会发给您"),
        ],
        [],
    )  # fmt: skip
    assert [a.reply[:4] for a in rounds(rows)] == ["亲，可以", "您好，收", "亲，发票"]
    proposals = learner.propose(rounds(rows))
    assert [(g.intent, [e.example for e in g.examples]) for g in proposals.learned] == [
        ("invoice", ["给张单据呗"])
    ]


def test_reviewed_decisions_survive_a_new_run(shop: Path):
    out = shop / "lib" / "learned.yaml"
    learn(shop, "--out", str(out))
    data = learned_file.read(out)
    groups = learned_file.pending(data)
    first, second = groups[0], groups[1]
    assert learned_file.place(data, first.id, "hesitation")
    assert learned_file.ignore(data, second.id)
    learned_file.write(out, data)
    learn(shop, "--out", str(out))
    again = learned_file.read(out)
    assert {"intent": "hesitation", "reviewed": True}.items() <= again["learned"][0].items()
    assert list(first.examples) == again["learned"][0]["examples"]
    assert set(second.examples) <= set(again["ignored"])
    shown = {e for g in learned_file.pending(again) for e in g.examples}
    assert not shown & {*first.examples, *second.examples}


def test_loader_reads_learned_examples_and_skips_review_keys(tmp_path: Path):
    (tmp_path / "base.yaml").write_text(
        "version: 1\nintents:\n  - intent: shipping\n    examples: [几天到]\n"
        "    replies:\n      - text: 亲，两三天到哦\n",
        encoding="utf-8",
    )
    (tmp_path / "a_learned.yaml").write_text(  # sorts before the file it adds to
        "version: 1\nlearned:\n  - intent: shipping\n    examples: [到哪了]\n"
        "    evidence: [{example: 到哪了, asked: 3}]\n"
        "    replies:\n      - text: 亲，帮您查一下物流\n"
        "unsorted:\n  - {group: g1, examples: [随便什么]}\nignored: [嗯嗯]\n",
        encoding="utf-8",
    )
    intent = load_library(tmp_path).intent("shipping")
    assert intent.examples == ("几天到", "到哪了")
    assert [r.text for r in intent.replies] == ["亲，两三天到哦", "亲，帮您查一下物流"]
    assert load_library(tmp_path, exclude=[tmp_path / "a_learned.yaml"]).intent(
        "shipping"
    ).examples == ("几天到",)


def test_loader_names_file_and_line_of_a_learned_intent_that_does_not_exist(tmp_path: Path):
    (tmp_path / "base.yaml").write_text(
        "version: 1\nintents:\n  - intent: shipping\n    examples: [几天到]\n"
        "    replies:\n      - text: 亲，两三天到哦\n",
        encoding="utf-8",
    )
    (tmp_path / "learned.yaml").write_text(
        "version: 1\nlearned:\n  - intent: shiping\n    examples: [到哪了]\n", encoding="utf-8"
    )
    with pytest.raises(LibraryError) as caught:
        load_library(tmp_path)
    assert str(caught.value).startswith(
        f"{tmp_path / 'learned.yaml'}:3: learned 里的意图 'shiping'"
    )


def test_empty_messages_and_platform_lines_are_read_but_not_proposed():
    learner = Learner(load_library(PHRASES))
    pasted = [
        "咨询订单号:[订单x] 商品ID:[数字x]",
        "https://item.taobao.com/item.htm?id=6801234",
        "547929442668",
    ]
    asked = [Asked(""), Asked("😂😂"), Asked("123456"), *map(Asked, pasted), Asked("给张单据呗")]
    proposals = learner.propose(asked)
    assert proposals.messages == 7
    assert proposals.learned == []
    assert [e.example for g in proposals.unsorted for e in g.examples] == ["给张单据呗"]


def test_a_library_file_or_a_folder_as_out_is_refused_untouched(shop: Path):
    library_file = shop / "lib" / "shop_presale.yaml"
    before = library_file.read_bytes()
    for out in (library_file, shop / "lib"):
        result = runner.invoke(
            app,
            ["learn", "--library", str(shop / "lib"), "--config", str(shop / "config.yaml"),
             "--out", str(out)],
        )  # fmt: skip
        assert result.exit_code == 1
        assert "请换一个 --out" in result.output
    assert library_file.read_bytes() == before
