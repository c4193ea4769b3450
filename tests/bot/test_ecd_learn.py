"""tools/ecd_learn.py: `csbot learn` measured on a real history, k-fold by dialogue.

The ECD corpus never enters the repository, so this builds a small one of its own in the same
format: a phrasing the library does not know (咋还不动身), asked in two dialogues of one fold and
answered by the agent about shipping, must be learned and then known in the other fold.
"""

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
_spec = importlib.util.spec_from_file_location("ecd_learn", ROOT / "tools" / "ecd_learn.py")
ecd_learn = importlib.util.module_from_spec(_spec)
sys.modules["ecd_learn"] = ecd_learn  # dataclasses look their module up while the class is built
_spec.loader.exec_module(ecd_learn)
ecd_dev = ecd_learn.ecd_dev

SHIPPING_REPLY = "亲 今天 下午 就 给 您 发货 哦 发 的 中通 快递"
CORPUS = [
    f"1\t掌柜 在 吗\t在 的 亲\t咋 还 不 动身\t{SHIPPING_REPLY}",
    "0\t掌柜 在 吗\t在 的 亲\t咋 还 不 动身\t随便 一句",  # the pair's negative response
    "1\t有 优惠 吗\t满 199 减 20\t好 的\t亲 请 拍下",
    f"1\t你好\t您好 亲\t宝贝 咋 还 不 动身\t{SHIPPING_REPLY}",
    "1\t能 便宜 吗\t已经 是 最低 了\t咋 还 不 动身 啊\t亲 明天 一定 发出",
]


# a small library of our own, so that the shipped one learning 咋还不动身 one day changes nothing
MINI_LIBRARY = """version: 1
library: mini
intents:
  - intent: shipping
    examples: [什么时候发货, 几天能到, 发什么快递, 快递到哪了, 今天能发吗]
    replies:
      - {text: 亲，今天下午就给您发货哦～, tone: 亲切}
      - {text: 亲，我们发中通快递，一般两三天到哦～, tone: 亲切}
  - intent: price
    examples: [包邮吗, 能便宜点吗, 有优惠吗, 多少钱]
    replies:
      - {text: 亲，满99元包邮哦～, tone: 亲切}
      - {text: 亲，领券下单更划算哦～, tone: 亲切}
  - intent: greeting
    social: true
    examples: [在吗, 你好, 掌柜在吗, 有人吗]
    replies:
      - {text: 亲，在的，有什么可以帮您？, tone: 亲切}
      - {text: 您好，请问有什么可以帮您？, tone: 亲切}
out_of_scope: [今天天气怎么样, 讲个笑话]
"""


def test_each_session_once_and_those_sharing_a_customer_turn_in_one_fold():
    sessions = ecd_learn.dialogues(CORPUS)
    assert len(sessions) == 4 and sessions[0][2:] == (
        "咋还不动身",
        "亲今天下午就给您发货哦发的中通快递",
    )
    assert ecd_learn.folds(sessions, 2) == [0, 1, 0, 1]
    longer = CORPUS[0].replace("\t" + SHIPPING_REPLY, f"\t{SHIPPING_REPLY}\t好 的\t不 客气")
    assert ecd_learn.dialogues([CORPUS[0], longer]) == ecd_learn.dialogues([longer])  # a prefix
    shared = ecd_learn.folds([("a",), ("b",), ("a", "x", "c"), ("c",)], 2)
    assert shared[0] == shared[2] == shared[3]  # a and then c tie three sessions together


def test_learning_from_the_other_folds_answers_what_the_library_missed(tmp_path):
    sessions = ecd_learn.dialogues(CORPUS)
    labels = {}
    for n, (text, intents) in enumerate([("咋还不动身啊", ("shipping",)), ("好的", ())], 1):
        key = ecd_dev.message_key(text)
        labels[key] = ecd_dev.Label(key, intents, (), n)
    library = tmp_path / "library"
    library.mkdir()
    (library / "mini.yaml").write_text(MINI_LIBRARY, encoding="utf-8")
    results = ecd_learn.measure(sessions, labels, 2, library, keep=tmp_path / "kept")
    held_out = results[1]  # learned from 掌柜在吗… and 你好…, judged on 能便宜吗…
    assert held_out.placed >= 1
    assert (held_out.before.top1, held_out.after.top1) == (0.0, 1.0)
    assert held_out.before.abstain == held_out.after.abstain == 1.0  # 好的 still asks nothing
    learned = (tmp_path / "kept" / "learned-2.yaml").read_text(encoding="utf-8")
    assert "咋还不动身" in learned and "shipping" in learned


def test_history_imports_as_customer_and_agent_turns_in_order(tmp_path):
    from bot.service_time.imports import read_csv

    path = tmp_path / "history.csv"
    assert ecd_learn.write_history(ecd_learn.dialogues(CORPUS), path) == 8
    history = read_csv(path)
    messages = [m for batch in history.read_batches(100) for m in batch]
    assert history.conversations == 4
    assert history.roles["customer"] == 8 and history.roles["agent"] == 8
    assert [(m.role, m.text) for m in messages if m.conversation == "ecd-1"] == [
        ("customer", "有优惠吗"),
        ("agent", "满 199 减 20"),
        ("customer", "好的"),
        ("agent", "亲请拍下"),
    ]


def test_the_ceiling_files_each_missed_history_message_under_its_labelled_need(tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    (library / "mini.yaml").write_text(MINI_LIBRARY, encoding="utf-8")
    labels = {}
    for n, (text, intents) in enumerate(
        [("咋还不动身", ("shipping",)), ("掌柜在吗", ("greeting",)), ("好的", ())], 1
    ):
        key = ecd_dev.message_key(text)
        labels[key] = ecd_dev.Label(key, intents, (), n)
    filed = ecd_learn._perfect_file(library, ecd_learn.dialogues(CORPUS), labels)
    data = yaml.safe_load((library / "learned.yaml").read_text(encoding="utf-8"))
    # 咋还不动身 is missed and filed; 掌柜在吗 is already a greeting; 好的 has no need to file
    assert filed == 1
    assert data["learned"] == [{"intent": "shipping", "examples": ["咋还不动身"]}]


@pytest.mark.parametrize(("args", "says"), [(["--folds", "1"], "至少要 2 折"), ([], "只能用")])
def test_refuses_one_fold_and_the_held_back_files(tmp_path, capsys, args, says):
    corpus = tmp_path / ("train" if args else "test")
    corpus.write_text(CORPUS[0] + "\n", encoding="utf-8")
    assert ecd_learn.main(["--corpus", str(corpus), *args]) == 2
    assert says in capsys.readouterr().err
