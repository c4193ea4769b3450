"""tools/ecd_learn.py: k-fold `csbot learn` by dialogue, on a made-up corpus in the ECD format.

The real corpus never enters the repository (research-only licence) and CI has none, so these
dialogues are our own words.
"""

import importlib.util
import sys
from pathlib import Path

from bot.service_time.imports import parse_csv

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


ecd_dev = _load("ecd_dev")
ecd_learn = _load("ecd_learn")

# label <TAB> customer <TAB> agent <TAB> … <TAB> customer <TAB> candidate response
CORPUS = [
    "0\t掌柜 在 吗\t在 的 亲\t什么 时候 发货\t随便 一句",
    "1\t掌柜 在 吗\t在 的 亲\t什么 时候 发货\t今天 下午 就 发 哦",
    "1\t掌柜 在 吗\t在 的\t能 便宜 点 吗\t亲 已经 是 最低价 了",
    "1\t衣服 起球 了\t亲 可以 退换 的\t那 我 退 了 吧\t好 的 亲 申请 退货 就 行",
    "1\t有 发票 吗\t可以 开 电子 发票\t好 嘞 谢谢\t不 客气 哦",
    "0\t有 发票 吗\t可以 开 电子 发票\t好 嘞 谢谢\t乱 回",
]


def test_each_dialogue_once_with_its_real_reply():
    items = ecd_learn.dialogues(CORPUS)
    assert len(items) == 4  # label 0 and label 1 lines of one context are one dialogue
    assert items[0].turns == ("掌柜在吗", "在的亲", "什么时候发货")
    assert items[0].reply == "今天下午就发哦"  # the label-1 response, not the random one
    assert items[3].customer == ("有发票吗", "好嘞谢谢")
    assert [d.number for d in items] == [0, 1, 2, 3]


def test_dialogues_sharing_a_customer_message_share_a_fold():
    items = ecd_learn.dialogues(CORPUS)
    for k in (2, 3):
        folds = ecd_learn.assign_folds(items, k)
        assert folds[0] == folds[1]  # both open with 掌柜在吗
        assert set(folds) == set(range(k))
        assert ecd_learn.assign_folds(items, k) == folds  # fixed, run after run


def test_history_csv_imports_as_customer_and_agent_turns_in_order():
    items = ecd_learn.dialogues(CORPUS)
    history = parse_csv(ecd_learn.history_csv(items))
    messages = [m for batch in history.read_batches(100) for m in batch]
    assert history.conversations == 4
    assert history.roles["customer"] == 8 and history.roles["agent"] == 8
    first = [(m.role, m.text) for m in messages if m.conversation == "ecd-000"]
    assert first == [
        ("customer", "掌柜在吗"),
        ("agent", "在的亲"),
        ("customer", "什么时候发货"),
        ("agent", "今天下午就发哦"),
    ]
    assert [m.ts for m in messages] == sorted(m.ts for m in messages)


def test_prints_the_folds_and_the_pooled_totals(tmp_path, capsys):
    corpus = tmp_path / "train"
    corpus.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    labels = tmp_path / "labels.tsv"
    gold = {
        "掌柜在吗": "greeting",
        "什么时候发货": "shipping",
        "能便宜点吗": "price",
        "衣服起球了": "fabric",
        "那我退了吧": "after_sales",
        "有发票吗": "invoice",
        "好嘞谢谢": "none",
    }
    rows = [f"{ecd_dev.message_key(text)}\t{intent}" for text, intent in gold.items()]
    labels.write_text("sha1\tintents\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code = ecd_learn.main(["--corpus", str(corpus), "--labels", str(labels), "--folds", "2"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "4 段对话，2 折" in printed
    assert "合计" in printed
    total = next(line for line in printed.splitlines() if "合计" in line)
    # every labelled message is scored once, in the fold that holds it: 6 with a need, 1 none
    assert total.count("/6）") == 2 and total.count("/1）") == 2


def test_refuses_the_held_back_files(tmp_path, capsys):
    held = tmp_path / "test"
    held.write_text(CORPUS[0] + "\n", encoding="utf-8")
    assert ecd_learn.main(["--corpus", str(held)]) == 2
    assert "只能用 ECD_sample/train" in capsys.readouterr().err
