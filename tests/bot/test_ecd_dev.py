"""tools/ecd_dev.py: rebuilding the real-message dev set from the corpus and our labels.

The corpus itself is never in the repository (research-only licence), so these tests build a
small corpus of their own in the same format.
"""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from bot.evaluation import read_tsv

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("ecd_dev", ROOT / "tools" / "ecd_dev.py")
ecd_dev = importlib.util.module_from_spec(_spec)
sys.modules["ecd_dev"] = ecd_dev  # dataclasses look their module up while the class is built
_spec.loader.exec_module(ecd_dev)

# label <TAB> customer <TAB> agent <TAB> customer … <TAB> candidate response, word-segmented
CORPUS = [
    "1\t掌柜 在 吗\t在 的 亲\t这 款 包邮 吗\t满 99 包邮 哦\t好 嘞 多谢\t不 客气",
    "0\t掌柜 在 吗\t在 的 亲\t这 款 包邮 吗\t满 99 包邮 哦\t好 嘞 多谢\t随便 一句",
    "1\t我 买 40 个 能 便宜 吗\t可以 的\tOK 谢 啦\t亲 请 拍下",
    "1\t680123456789\t收到\t几 号 能 发\t48 小时 内",
]


def _sha(text: str) -> str:
    return ecd_dev.message_key(text)


@pytest.mark.parametrize(
    ("turn", "typed"),
    [
        ("这 款 包邮 吗", "这款包邮吗"),
        ("我 买 40 个 能 便宜 吗", "我买 40 个能便宜吗"),  # spaces next to digits are the buyer's
        ("OK 谢 啦", "OK 谢啦"),
        ("  掌柜   在  ", "掌柜在"),
        ("160cm 50kg 穿 啥 码", "160cm 50kg 穿啥码"),
    ],
)
def test_segmentation_spaces_go_between_chinese_only(turn, typed):
    assert ecd_dev.desegment(turn) == typed


def test_only_customer_turns_once_each_in_corpus_order():
    messages = list(ecd_dev.customer_messages(CORPUS))
    assert [text for _, text in messages] == [
        "掌柜在吗",
        "这款包邮吗",
        "好嘞多谢",
        "我买 40 个能便宜吗",
        "OK 谢啦",
        "680123456789",
        "几号能发",
    ]
    assert all(key == _sha(text) for key, text in messages)


def test_the_hash_ignores_width_and_spacing():
    assert _sha("OK 谢啦") == _sha("ＯＫ  谢啦 ") != _sha("OK谢啦")


def _write(tmp_path: Path, labels: list[str]) -> tuple[Path, Path]:
    corpus = tmp_path / "train"
    corpus.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    label_file = tmp_path / "labels.tsv"
    label_file.write_text("sha1\tintents\ttags\n" + "".join(f"{x}\n" for x in labels), "utf-8")
    return corpus, label_file


def test_rebuilds_an_eval_file_that_csbot_eval_reads(tmp_path, capsys):
    corpus, labels = _write(
        tmp_path,
        [
            f"{_sha('这款包邮吗')}\tprice",
            f"{_sha('好嘞多谢')}\tgoodbye\tack",
            f"{_sha('680123456789')}\tnone\tplatform",
            f"{_sha('掌柜在吗')}\tgreeting,price",
        ],
    )
    out = tmp_path / "data" / "ecd_dev.tsv"
    todo = tmp_path / "todo.tsv"
    args = ["--corpus", str(corpus), "--labels", str(labels), "--out", str(out)]
    code = ecd_dev.main([*args, "--unlabelled", str(todo)])
    assert code == 0
    rows = read_tsv(out)
    assert [(r.text, r.intents, r.tags) for r in rows] == [
        ("这款包邮吗", ("price",), ()),
        ("好嘞多谢", ("goodbye",), ("ack",)),
        ("680123456789", (), ("platform",)),
        ("掌柜在吗", ("greeting", "price"), ()),
    ]
    assert [line.split("\t")[1] for line in todo.read_text("utf-8").splitlines()] == [
        "我买 40 个能便宜吗",
        "OK 谢啦",
        "几号能发",
    ]
    assert "7 条不同的买家消息，已标注 4 条" in capsys.readouterr().out


def test_a_label_missing_from_the_corpus_is_reported(tmp_path, capsys):
    corpus, labels = _write(tmp_path, [f"{_sha('这款包邮吗')}\tprice", f"{'0' * 40}\tstock"])
    code = ecd_dev.main(
        ["--corpus", str(corpus), "--labels", str(labels), "--out", str(tmp_path / "o.tsv")]
    )
    assert code == 1
    assert "1 条标注在语料里找不到（第 3 行" in capsys.readouterr().err
    assert len(read_tsv(tmp_path / "o.tsv")) == 1  # what was found is still written


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("abc\tprice", "sha1 是 40 位"),
        (f"{'a' * 40}\tprise", "意图 'prise' 不对"),
        (f"{'a' * 40}\tnone,price", "意图 'none,price' 不对"),
        (f"{'a' * 40}", "需要 sha1<TAB>意图"),
    ],
)
def test_a_bad_label_line_names_its_file_and_line(tmp_path, capsys, line, problem):
    corpus, labels = _write(tmp_path, [f"{'b' * 40}\tprice", line])
    code = ecd_dev.main(
        ["--corpus", str(corpus), "--labels", str(labels), "--out", str(tmp_path / "o.tsv")]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert f"{labels}:3:" in err and problem in err


def test_refuses_the_corpus_files_the_held_back_set_comes_from(tmp_path, capsys):
    test_file = tmp_path / "test"
    test_file.write_text(CORPUS[0], encoding="utf-8")
    assert ecd_dev.main(["--corpus", str(test_file), "--out", str(tmp_path / "o.tsv")]) == 2
    assert "只能用 ECD_sample/train" in capsys.readouterr().err


def test_the_committed_labels_hold_no_corpus_text():
    labels = ecd_dev.read_labels(ecd_dev.LABELS)
    assert len(labels) >= 380
    text = ecd_dev.LABELS.read_text(encoding="utf-8")
    assert not re.search(r"[\u4e00-\u9fff]", text)
    assert sum(1 for label in labels if not label.intents) < len(labels) / 2
