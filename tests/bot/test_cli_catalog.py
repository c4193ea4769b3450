"""The catalogue, the current product and conversations through the `csbot` commands."""

import json

from bot.cli import app
from tests.bot.test_cli import run_match, runner
from tests.conftest import ROOT

SAMPLE = ROOT / "phrases" / "catalog" / "catalog.yaml"
DRESS = "680123456789"


def jsonl(*records: object) -> bytes:
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records
    ).encode()


def test_match_jsonl_carries_product_and_need_within_a_conversation():
    records = run_match(
        jsonl(
            {"text": "碎花裙有黑色吗", "conversation": "c1"},
            {"text": "那XL呢", "conversation": "c1"},
            {"text": "那XL呢", "conversation": "c2"},  # another conversation knows nothing
            {"text": "我160 100斤", "product": DRESS},
            "不是 JSON 的一行: 有运费险吗",
            {"no": "text"},
        ),
        "--jsonl",
        "--catalog",
        str(SAMPLE),
    )
    assert len(records) == 6
    black, xl, other, size, plain, odd = records
    assert black["product"] == DRESS and "有货" in black["replies"][0]
    assert (
        xl["product"] == DRESS and "黑色XL码" in xl["replies"][0] and "7-15天" in xl["replies"][0]
    )
    assert xl["intents"][0]["intent"] == black["intents"][0]["intent"]
    assert other["product"] is None and "XL码" not in other["replies"][0]
    assert size["product"] == DRESS and "M码" in size["replies"][0]
    assert plain["text"] == "不是 JSON 的一行: 有运费险吗"
    assert plain["intents"][0] == {
        "intent": "price",
        "score": plain["intents"][0]["score"],
        "topic": "freight_insurance",
    }
    assert odd["text"] == '{"no": "text"}' and set(odd) == {"text", "intents", "replies", "product"}


def test_match_topic_is_null_for_a_general_phrasing():
    [record] = run_match("能便宜点吗\n".encode())
    assert record["intents"][0]["intent"] == "price" and record["intents"][0]["topic"] is None


def test_match_product_option_and_links():
    records = run_match(
        "这款有什么颜色\nhttps://item.jd.com/100045678912.html 什么面料\n".encode(),
        "--catalog",
        str(SAMPLE),
        "--product",
        DRESS,
    )
    assert records[0]["product"] == DRESS and "雾霾蓝、米白、黑色" in records[0]["replies"][0]
    assert records[1]["product"] == "100045678912" and "棉98%" in records[1]["replies"][0]


def test_suggest_shows_the_topic_and_the_product_assumed():
    result = runner.invoke(app, ["suggest", "碎花裙有运费险吗", "--catalog", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert (
        "运费险" in result.output
        and "商品：法式碎花连衣裙（680123456789，来自商品名）" in result.output
    )
    bad = runner.invoke(app, ["suggest", "多少钱", "--catalog", str(SAMPLE), "--product", "1"])
    assert bad.exit_code == 2 and "没有 id 为 1 的商品" in bad.output


def test_chat_is_one_conversation_with_product_commands():
    result = runner.invoke(
        app,
        ["chat", "--catalog", str(SAMPLE)],
        input="/product 大衣\n有黑色吗\n那M码呢\n/product off\n/product 连衣裙\n多少钱\n",
    )
    assert result.exit_code == 0, result.output
    assert "当前商品：双面羊绒大衣（680987654321）" in result.output
    assert "黑色M码有货" in result.output  # 那M码呢 re-asked the stock of black
    assert "已取消当前商品" in result.output
    assert "159元" in result.output


def test_validate_checks_the_configured_catalogue(tmp_path):
    broken = tmp_path / "catalog.yaml"
    broken.write_text("version: 1\nproducts:\n  - id: 1\n    price: 便宜\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"library:\n  catalog: {broken}\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", "--config", str(config)])
    assert result.exit_code == 1
    assert f"{broken}:3: 商品 1 缺少 name" in result.output
    assert f"{broken}:4:" in result.output and "price 应该是数字" in result.output
    assert runner.invoke(app, ["validate", str(SAMPLE)]).exit_code == 0


def test_catalog_import_turns_a_spreadsheet_into_a_valid_catalogue(tmp_path):
    csv_file = tmp_path / "products.csv"
    csv_file.write_bytes(
        (
            "商品ID,名称,别名,价格,颜色,面料,尺码,缺货,补货\n"
            "680123456789,法式碎花连衣裙,碎花裙、碎花连衣裙,159元,雾霾蓝、米白、黑色,"
            "聚酯纤维95% 氨纶5%,S 150-158cm 80-95斤；M 158-165cm 95-110斤,黑色/M,7-15天\n"
            "100045678912,高腰直筒牛仔裤,牛仔裤,129,浅蓝、黑色,棉98%,25 80-90斤；26 90-100斤,,\n"
        ).encode("gbk")  # as Excel saves a CSV on a Chinese Windows
    )
    result = runner.invoke(app, ["catalog", "import", str(csv_file)])
    assert result.exit_code == 0, result.output
    from intents.catalog import load_catalog

    catalog = load_catalog(tmp_path / "products.yaml")
    dress = catalog.get("680123456789")
    assert dress.price == "159" and dress.colors == ("雾霾蓝", "米白", "黑色")
    assert dress.sizes[1].weight == (95.0, 110.0) and dress.sold_out == ("黑色/M",)
    assert catalog.get("100045678912").sizes[0].height is None


def test_catalog_import_refuses_bad_rows_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "catalog.yaml"
    target.write_text("old", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,price\n1,裙子,很便宜\n", encoding="utf-8")
    result = runner.invoke(app, ["catalog", "import", str(bad), "--out", str(target)])
    assert result.exit_code == 1 and f"{bad}:2:" in result.output
    assert target.read_text(encoding="utf-8") == "old"
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("id,name,sold_out,colors\n1,裙子,红色,黑色\n", encoding="utf-8")
    result = runner.invoke(app, ["catalog", "import", str(unknown), "--out", str(target)])
    assert result.exit_code == 1 and "既不是它的颜色也不是它的尺码" in result.output
    assert target.read_text(encoding="utf-8") == "old"


def test_eval_reports_the_share_answered_on_an_answers_file(tmp_path):
    answers = tmp_path / "answers.tsv"
    answers.write_text(
        "text\tproduct\tconversation\tfacts\n"
        "有运费险吗\t\t\t运费险\n"
        f"我160 100斤\t{DRESS}\t\t首=M\n"
        "碎花裙有黑色吗\t\tc1\t有货\n"
        "那XL呢\t\tc1\t7-15天\n"
        "发顺丰吗\t\t\t火星快递\n",  # a fact no reply has: one miss
        encoding="utf-8",
    )
    result = runner.invoke(app, ["eval", str(answers), "--catalog", str(SAMPLE), "--errors", "5"])
    assert result.exit_code == 0, result.output
    assert "80.0%（4/5）" in result.output
    assert "answers.tsv:6: 发顺丰吗 → 缺 火星快递" in result.output


def test_config_catalog_path_is_relative_to_the_config_file(tmp_path):
    from bot.config import load_config

    (tmp_path / "shop").mkdir()
    config = tmp_path / "shop" / "config.yaml"
    config.write_text("library:\n  catalog: my.yaml\n  context_minutes: 5\n", encoding="utf-8")
    settings = load_config(config)
    assert settings.library.catalog == tmp_path / "shop" / "my.yaml"
    assert settings.library.context_minutes == 5
    example = load_config(ROOT / "config.example.yaml")
    assert example.library.catalog == SAMPLE  # the example points at the shipped sample


def test_a_broken_catalogue_stops_every_command_with_path_and_line(tmp_path):
    broken = tmp_path / "catalog.yaml"
    broken.write_text("version: 1\nproducts: []\n", encoding="utf-8")
    result = runner.invoke(app, ["suggest", "多少钱", "--catalog", str(broken)])
    assert result.exit_code == 1 and f"{broken}:2:" in result.output
