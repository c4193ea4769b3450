import textwrap
from pathlib import Path

import pytest

from intents import LibraryError
from intents.catalog import Catalog, CatalogError, load_catalog, parse_range
from tests.conftest import ROOT

SAMPLE = ROOT / "phrases" / "catalog" / "catalog.yaml"

GOOD = """\
version: 1
products:
  - id: "680123456789"
    name: 法式碎花连衣裙
    aliases: [碎花裙]
    price: 159
    colors: [雾霾蓝, 米白, 黑色]
    fabric: 聚酯纤维95% 氨纶5%
    sizes:
      - {size: S, height: 150-158cm, weight: 80-95斤}
      - {size: M, height: 158-165cm, weight: 95-110斤}
    sold_out: [黑色/M, 米白]
    restock: 7-15天
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    return [str(p) for p in caught.value.problems]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(SAMPLE)


def test_good_catalogue_loads_every_fact(tmp_path):
    [dress] = load_catalog(write(tmp_path, GOOD)).products
    assert (dress.id, dress.name, dress.price) == ("680123456789", "法式碎花连衣裙", "159")
    assert dress.colors == ("雾霾蓝", "米白", "黑色")
    assert dress.sizes[1].height == (158.0, 165.0) and dress.sizes[1].weight == (95.0, 110.0)
    assert dress.sold_out_pairs() == [("黑色", "M"), ("米白", None)]
    assert dress.stock("黑色", "M") == (True, ["黑色M"])
    assert dress.stock("米白", "S")[0] and not dress.stock("雾霾蓝", "M")[0]


def test_a_broken_catalogue_is_a_library_error_so_reload_keeps_the_old_one():
    assert issubclass(CatalogError, LibraryError)


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ('  - id: "680123456789"\n', "  - sku: x\n", 3, "缺少 id"),
        ("    price: 159", "    price: 便宜", 6, "price 应该是数字"),
        ("height: 158-165cm", "height: 高个子", 11, "看不懂"),
        ("sold_out: [黑色/M, 米白]", "sold_out: [红色/M]", 12, "不在这个商品"),
        ("sold_out: [黑色/M, 米白]", "sold_out: [XXXL]", 12, "既不是它的颜色也不是它的尺码"),
        ("version: 1", "version: 2", 1, "version 必须是 1"),
        ("colors: [雾霾蓝, 米白, 黑色]", "colors: [雾霾蓝, 米白", 8, "YAML"),
    ],
)
def test_broken_catalogue_reports_path_line_and_what(tmp_path, old, new, line, words):
    path = write(tmp_path, GOOD.replace(old, new, 1))
    found = problems_of(path)
    assert any(p.startswith(f"{path}:{line}:") and words in p for p in found), found


def test_duplicate_ids_and_missing_file(tmp_path):
    path = write(tmp_path, GOOD + GOOD[GOOD.index("  - id") :])
    assert any("重复" in p and p.startswith(f"{path}:14:") for p in problems_of(path))
    assert "找不到" in problems_of(tmp_path / "nope.yaml")[0]


def test_lenient_forms_a_hand_written_catalogue_uses(tmp_path):
    text = GOOD.replace('"680123456789"', "680123456789").replace(
        "colors: [雾霾蓝, 米白, 黑色]", "colors: 雾霾蓝、米白、黑色"
    )
    [dress] = load_catalog(write(tmp_path, text + "    extra_key: 更多的键也可以\n")).products
    assert dress.id == "680123456789" and dress.colors == ("雾霾蓝", "米白", "黑色")


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("150-158cm", "height", (150.0, 158.0)),
        ("1.50-1.58m", "height", (150.0, 158.0)),
        ("150~158", "height", (150.0, 158.0)),
        ("80-95斤", "weight", (80.0, 95.0)),
        ("40-47.5kg", "weight", (80.0, 95.0)),
        ("40-47公斤", "weight", (80.0, 94.0)),
        ("45-55", "weight", (90.0, 110.0)),  # bare weights up to 75 are kg
        ("90-110", "weight", (90.0, 110.0)),
        ("175cm以上", "height", (175.0, 999.0)),
        ("高个子", "height", None),
    ],
)
def test_chart_ranges(text, kind, expected):
    assert parse_range(text, kind) == expected


@pytest.mark.parametrize(
    ("message", "product"),
    [
        ("https://item.taobao.com/item.htm?spm=a1z10.1&id=680987654321 这件有货吗", "680987654321"),
        ("https://detail.tmall.com/item.htm?id=680123456789&skuId=1", "680123456789"),
        ("https://item.jd.com/100045678912.html", "100045678912"),
        ("https://item.m.jd.com/product/100045678912.html?x=1", "100045678912"),
        ("商品ID：681122334455\n这个多少钱", "681122334455"),
        ("宝贝ID: 681122334455", "681122334455"),
        ("碎花裙子有黑色吗", "680123456789"),  # an alias, slightly off
        ("那件大衣呢", "680987654321"),  # a distinctive piece of its name
        ("法式碎花連衣裙有M嗎", "680123456789"),  # 繁体
        ("纯棉T恤什么面料", "681122334455"),
        ("这件衣服有什么颜色", None),  # nothing names a product
        ("https://item.taobao.com/item.htm?id=999999999", None),  # not in the catalogue
    ],
)
def test_product_detection(catalog, message, product):
    found = catalog.detect(message)
    assert (found.id if found else None) == product


def test_search_by_name_or_id(catalog):
    assert [p.id for p in catalog.search("680987654321")] == ["680987654321"]
    assert catalog.search("大衣")[0].name == "双面羊绒大衣"
    assert catalog.search("火箭") == []
