"""`csbot catalog import products.csv`: a shop's spreadsheet, one row per product, as catalog.yaml.

Columns (a header row, English or Chinese names; UTF-8 or GBK, as Excel saves it):

    id (商品ID), name (名称), aliases (别名), price (价格), colors (颜色), fabric (面料),
    sizes (尺码), sold_out (缺货), restock (补货)

Lists are separated by 、 , ， ; or ；. A size cell lists one size after another, each as
``尺码 身高 体重``, e.g. ``S 150-158cm 80-95斤；M 158-165cm 95-110斤`` (either range may be
left out).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from bot.cli.common import ChineseHelp, ConfigOption, err, fail, get_config, out
from bot.textfiles import decode
from intents.catalog import CatalogError, load_catalog

catalog_app = typer.Typer(
    cls=ChineseHelp, help="商品目录：从表格导入，检查。", no_args_is_help=True
)

COLUMNS = {
    "id": ("id", "商品id", "商品ID", "宝贝id", "item_id"),
    "name": ("name", "名称", "商品名", "商品名称", "宝贝名称"),
    "aliases": ("aliases", "别名", "简称"),
    "price": ("price", "价格", "售价"),
    "colors": ("colors", "颜色", "颜色分类"),
    "fabric": ("fabric", "面料", "材质", "成分"),
    "sizes": ("sizes", "尺码", "尺码表"),
    "sold_out": ("sold_out", "缺货", "售罄"),
    "restock": ("restock", "补货", "补货时间"),
}
_LISTS = ("aliases", "colors", "sold_out")
_SPLIT = re.compile(r"\s*[、,，;；\n]\s*")
_SIZE_SPLIT = re.compile(r"\s*[;；\n]\s*")
_HEIGHT = re.compile(
    r"^[\d.~～\-至到]+\s*(?:cm|厘米|公分|m|米)$|^[\d.]+\s*(?:cm|m)?(?:以下|以上)$", re.I
)
_WEIGHT = re.compile(
    r"^[\d.~～\-至到]+\s*(?:斤|kg|公斤|千克)$|^[\d.]+\s*(?:斤|kg)?(?:以下|以上)$", re.I
)


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise ValueError(f"{path}: 找不到这个文件")
    try:
        return decode(path.read_bytes())
    except UnicodeDecodeError:
        pass
    raise ValueError(f"{path}: 读不了这个文件：请另存为 UTF-8 或 GBK 编码的 CSV")


def _header(row: list[str], path: Path) -> dict[str, int]:
    names = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    for n, cell in enumerate(row):
        key = names.get(cell.strip().lower())
        if key is not None:
            found.setdefault(key, n)
    missing = [k for k in ("id", "name") if k not in found]
    if missing:
        wanted = "、".join(f"{k}（{COLUMNS[k][1]}）" for k in missing)
        raise ValueError(f"{path}:1: 表头缺少 {wanted} 列")
    return found


def _sizes(cell: str, where: str) -> list[dict[str, str]]:
    rows = []
    for entry in filter(None, _SIZE_SPLIT.split(cell.strip())):
        size, *rest = entry.split()
        row = {"size": size}
        for token in rest:
            if _HEIGHT.match(token):
                row["height"] = token
            elif _WEIGHT.match(token):
                row["weight"] = token
            else:
                raise ValueError(
                    f"{where}: 尺码 {size} 的 {token!r} 看不懂：写成如 158-165cm 或 95-110斤"
                )
        rows.append(row)
    return rows


def csv_to_catalog(path: Path) -> dict[str, Any]:
    """The catalogue mapping for a products CSV; ValueError names the line of a bad cell."""
    reader = csv.reader(io.StringIO(_read_text(path)))
    rows = list(reader)
    if not rows:
        raise ValueError(f"{path}:1: 文件是空的")
    columns = _header(rows[0], path)
    products = []
    for n, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        cell = {k: (row[i].strip() if i < len(row) else "") for k, i in columns.items()}
        if not cell["id"] or not cell["name"]:
            raise ValueError(f"{path}:{n}: 每行都要有商品ID和名称")
        product: dict[str, Any] = {"id": cell["id"], "name": cell["name"]}
        for key in ("aliases", "price", "colors", "fabric", "sizes", "sold_out", "restock"):
            value = cell.get(key, "")
            if not value:
                continue
            if key in _LISTS:
                product[key] = [v for v in _SPLIT.split(value) if v]
            elif key == "sizes":
                product[key] = _sizes(value, f"{path}:{n}")
            elif key == "price":
                try:
                    product[key] = float(value.removesuffix("元"))
                except ValueError:
                    raise ValueError(f"{path}:{n}: 价格 {value!r} 应该是数字，如 159") from None
                if product[key].is_integer():
                    product[key] = int(product[key])
            else:
                product[key] = value
        products.append(product)
    return {"version": 1, "products": products}


@catalog_app.command("import")
def import_csv(
    file: Annotated[Path, typer.Argument(help="商品表格 CSV：每行一个商品")],
    out_path: Annotated[
        Path | None, typer.Option("--out", help="写到哪个 catalog.yaml（默认：与 CSV 同名）")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """把商品表格 CSV 转成 catalog.yaml，并用目录加载器检查一遍。"""
    get_config(config)  # every command checks its config (CONTRACT §5); the import needs none of it
    target = out_path or file.with_suffix(".yaml")
    try:
        data = csv_to_catalog(file)
    except (OSError, ValueError) as exc:
        fail(str(exc))
    text = (
        "# csbot catalog import "
        + file.name
        + "\n"
        + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None)
    )
    scratch = target.with_name(target.name + ".new")
    scratch.write_text(text, encoding="utf-8")
    try:
        catalog = load_catalog(scratch)
    except CatalogError as exc:
        scratch.unlink()
        for problem in exc.problems:
            err.print(str(problem).replace(str(scratch), str(target)), markup=False)
        fail(f"没有写入 {target}：请按上面的提示改 {file} 再导入")
    scratch.replace(target)  # an existing catalogue is replaced only by a valid one
    out.print(f"已写入 {target}：{len(catalog)} 个商品。", markup=False)
