"""The shop's product catalogue (catalog.yaml, CONTRACT §7): loaded with line-numbered errors,
and the product a message is about, found from a link, an item id, or a name even slightly off."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from intents.library import Library, LibraryError, Problem, _Loader
from intents.normalize import normalize

__all__ = [
    "CATALOG_VERSION",
    "JIN_PER_KG",
    "KEY_ALIASES",
    "KEY_COLORS",
    "KEY_FABRIC",
    "KEY_HEIGHT",
    "KEY_ID",
    "KEY_NAME",
    "KEY_PRICE",
    "KEY_PRODUCTS",
    "KEY_RESTOCK",
    "KEY_SIZE",
    "KEY_SIZES",
    "KEY_SOLD_OUT",
    "KEY_VERSION",
    "KEY_WEIGHT",
    "Catalog",
    "CatalogError",
    "Product",
    "SizeRow",
    "catalog_values",
    "common_pieces",
    "load_catalog",
    "parse_range",
]

CATALOG_VERSION = 1
KEY_VERSION = "version"
KEY_PRODUCTS = "products"
# product keys
KEY_ID = "id"
KEY_NAME = "name"
KEY_ALIASES = "aliases"
KEY_PRICE = "price"
KEY_COLORS = "colors"
KEY_FABRIC = "fabric"
KEY_SIZES = "sizes"
KEY_SOLD_OUT = "sold_out"
KEY_RESTOCK = "restock"
# size-row keys
KEY_SIZE = "size"
KEY_HEIGHT = "height"
KEY_WEIGHT = "weight"

#: One kg is two 斤; weights are kept in 斤, heights in cm.
JIN_PER_KG = 2.0
# lists written as one string in a hand-edited file or a spreadsheet cell: 雾霾蓝、米白、黑色
_LIST_SPLIT = re.compile(r"\s*[、,，;；|]\s*|\s+")
_NUMBER = r"\d+(?:\.\d+)?"
_RANGE = re.compile(
    rf"^\s*(?P<lo>{_NUMBER})?\s*(?P<unit1>cm|厘米|公分|m|米|斤|kg|公斤|千克)?\s*"
    rf"(?:(?P<dash>[-~～至到]|以下|以内|以上)\s*(?P<hi>{_NUMBER})?)?\s*"
    rf"(?P<unit>cm|厘米|公分|m|米|斤|kg|公斤|千克)?\s*(?P<tail>以下|以内|以上)?\s*$",
    re.IGNORECASE,
)
_ID_PATTERNS = [
    # Taobao / Tmall item pages (desktop, mobile, 天猫超市, 天猫国际): …item.htm?…id=680123456789
    re.compile(
        r"(?:taobao\.com|tmall\.com|tmall\.hk)/\S*?[?&](?:id|itemid|item_id)=(\d{5,})", re.I
    ),
    # JD: item.jd.com/100012345678.html, item.m.jd.com/product/100012345678.html
    re.compile(r"jd\.(?:com|hk)/(?:product/)?(\d{5,})\.html", re.I),
    # pasted order and chat lines: 商品ID:680123456789, 宝贝ID：…, 商品编号 …
    re.compile(r"(?:商品|宝贝|产品)\s*(?:id|编号|编码)\s*[:：=]?\s*(\d{5,})", re.I),
    re.compile(r"[?&](?:id|itemid|item_id|skuid)=(\d{5,})", re.I),
]


@dataclass(frozen=True, slots=True)
class SizeRow:
    """One line of a size chart; a missing range is None (a chart by weight only, say)."""

    size: str
    height: tuple[float, float] | None = None  # cm
    weight: tuple[float, float] | None = None  # 斤
    height_text: str = ""
    weight_text: str = ""


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    price: str = ""
    colors: tuple[str, ...] = ()
    fabric: str = ""
    sizes: tuple[SizeRow, ...] = ()
    sold_out: tuple[str, ...] = ()
    restock: str = ""
    line: int = field(default=0, compare=False)

    @property
    def size_names(self) -> tuple[str, ...]:
        return tuple(row.size for row in self.sizes)

    def sold_out_pairs(self) -> list[tuple[str | None, str | None]]:
        """sold_out as (colour, size): 黑色/XL, 灰色 → (灰色, None), XXL → (None, XXL)."""
        sizes = {s.lower(): s for s in self.size_names}
        pairs: list[tuple[str | None, str | None]] = []
        for entry in self.sold_out:
            color, slash, size = entry.partition("/")
            if slash:
                pairs.append((color or None, sizes.get(size.lower(), size) or None))
            elif color in self.colors or color.lower() not in sizes:
                pairs.append((color, None))
            else:
                pairs.append((None, sizes[color.lower()]))
        return pairs

    def stock(self, color: str | None, size: str | None) -> tuple[bool, list[str]]:
        """Whether this colour and/or size is sold out, and which of its variants are.

        >>> p = Product("1", "裙", colors=("黑色", "米白"), sizes=(SizeRow("M"), SizeRow("XL")),
        ...             sold_out=("黑色/XL",))
        >>> p.stock("黑色", "XL"), p.stock("黑色", None), p.stock("米白", "XL")
        ((True, ['黑色XL']), (False, ['黑色XL']), (False, []))
        """
        out = False
        variants: list[str] = []
        for c, s in self.sold_out_pairs():
            if (color is not None and c is not None and c != color) or (
                size is not None and s is not None and s != size
            ):
                continue
            if c is None and s is None:
                continue
            covered = (c is None or c == color) and (s is None or s == size)
            if color is None and size is None:
                covered = False
            out = out or covered
            variants.append(f"{c or ''}{s or ''}")
        return out, variants


class CatalogError(LibraryError):
    """A catalogue that breaks the schema; ``problems`` say where and what. A LibraryError, so
    that every place that refuses a broken library (start-up, /reload) refuses it too."""


class Catalog:
    """The shop's products, and which one a message is about.

    >>> catalog = load_catalog("phrases/catalog/catalog.yaml")
    >>> catalog.detect("碎花裙子有黑色吗").name
    '法式碎花连衣裙'
    """

    def __init__(
        self,
        products: Iterable[Product],
        *,
        path: Path | None = None,
        common: Iterable[str] = (),
    ) -> None:
        self.products = tuple(products)
        self.path = path
        self._by_id = {p.id: p for p in self.products}
        self._names = [
            (p, normalize(n)) for p in self.products for n in (p.name, *p.aliases) if normalize(n)
        ]
        self._names.sort(key=lambda pn: -len(pn[1]))  # the longest name found in the text wins
        # a two-character piece of one product's names (碎花, 大衣) points to it; pieces shared by
        # several products, or common in customers' messages (这件, 颜色), point nowhere
        owners: dict[str, set[str]] = {}
        for product, name in self._names:
            for piece in _bigrams(name):
                owners.setdefault(piece, set()).add(product.id)
        stop = set(common)
        self._pieces = {
            b: next(iter(o)) for b, o in owners.items() if len(o) == 1 and b not in stop
        }

    def __len__(self) -> int:
        return len(self.products)

    def get(self, product_id: str) -> Product | None:
        return self._by_id.get(str(product_id).strip())

    def search(self, query: str, *, limit: int = 8) -> list[Product]:
        """Products whose id, name or alias fits ``query`` best (for a /product search)."""
        exact = self.get(query)
        if exact:
            return [exact]
        text = normalize(query)
        scored: dict[str, tuple[int, Product]] = {}
        for product, name in self._names:
            score = 100 if text and text in name else len(_bigrams(text) & _bigrams(name))
            if score and score > scored.get(product.id, (0, product))[0]:
                scored[product.id] = (score, product)
        ranked = sorted(scored.values(), key=lambda sp: -sp[0])
        return [p for _, p in ranked[:limit]]

    def linked(self, text: str) -> tuple[str | None, Product | None]:
        """The item id of a link or 商品ID line in ``text``, and its product if catalogued."""
        raw = unicodedata.normalize("NFKC", text)
        for pattern in _ID_PATTERNS:
            hit = pattern.search(raw)
            if hit:
                return hit.group(1), self._by_id.get(hit.group(1))
        return None, None

    def named(self, text: str) -> Product | None:
        """The product whose name or alias the text mentions (碎花裙子 → 碎花裙), if one clearly."""
        plain = normalize(text).replace(" ", "")
        for product, name in self._names:
            if name in plain:
                return product
        votes: dict[str, int] = {}
        for piece in _bigrams(plain):
            owner = self._pieces.get(piece)
            if owner:
                votes[owner] = votes.get(owner, 0) + 1
        if not votes:
            return None
        ranked = sorted(votes.items(), key=lambda v: -v[1])
        if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
            return None  # two products fit as well: guessing would mislead staff
        return self._by_id[ranked[0][0]]

    def detect(self, text: str) -> Product | None:
        """The product a message is about: a link or item id first, else a name."""
        _, product = self.linked(text)
        return product or self.named(text)


def common_pieces(library: Library, *, share: float = 0.01) -> set[str]:
    """Two-character pieces common in a library's examples (这件, 颜色): no product's name."""
    counts: dict[str, int] = {}
    examples = [normalize(e) for i in library.intents for e in i.examples]
    for example in examples:
        for piece in _bigrams(example):
            counts[piece] = counts.get(piece, 0) + 1
    floor = max(3, share * len(examples))
    return {piece for piece, n in counts.items() if n >= floor}


def _bigrams(text: str) -> set[str]:
    chars = [ch for ch in text if ch > "\u2e7f"]
    return {a + b for a, b in itertools.pairwise(chars)}


def parse_range(text: str, kind: str) -> tuple[float, float] | None:
    """A chart range in cm (``kind="height"``) or 斤 (``"weight"``); None if it is no range.

    >>> parse_range("1.58-1.65m", "height"), parse_range("50-55kg", "weight")
    ((158.0, 165.0), (100.0, 110.0))
    """
    hit = _RANGE.match(unicodedata.normalize("NFKC", str(text)).replace(" ", ""))
    if not hit or not (hit["lo"] or hit["hi"]):
        return None
    lo = float(hit["lo"]) if hit["lo"] else None
    hi = float(hit["hi"]) if hit["hi"] else None
    open_end = hit["dash"] if hit["dash"] in {"以下", "以内", "以上"} else hit["tail"]
    if lo is not None and hi is None:
        hi = lo
        if open_end in {"以下", "以内"}:
            lo = 0.0
        elif open_end == "以上":
            hi = 999.0
    elif lo is None:
        lo = 0.0 if open_end != "以上" else hi
    assert lo is not None and hi is not None
    unit = (hit["unit"] or hit["unit1"] or "").lower()
    if kind == "height":
        if unit in {"m", "米"} or (not unit and hi < 3):
            lo, hi = lo * 100, hi * 100 if hi < 999 else hi
    elif unit in {"kg", "公斤", "千克"} or (not unit and hi <= 75):
        # a bare weight up to 75 is kg: 75斤 would be a child's weight on an adult chart
        lo, hi = lo * JIN_PER_KG, hi * JIN_PER_KG if hi < 999 else hi
    if lo > hi:
        lo, hi = hi, lo
    return round(lo, 1), round(hi, 1)


def load_catalog(path: str | Path, *, common: Iterable[str] = ()) -> Catalog:
    """Load and validate a catalogue file; raise CatalogError listing every problem."""
    path = Path(path)
    reader = _CatalogReader(path)
    products = reader.read()
    if reader.problems:
        raise CatalogError(reader.problems)
    return Catalog(products, path=path, common=common)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _CatalogReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def error(self, node: yaml.Node | int, message: str) -> None:
        line = node if isinstance(node, int) else _line(node)
        self.problems.append(Problem(self.path, line, message))

    def read(self) -> list[Product]:
        if not self.path.is_file():
            self.error(0, "找不到商品目录文件：请检查 library.catalog 或 --catalog 的路径")
            return []
        try:
            root = yaml.compose(self.path.read_text(encoding="utf-8"), Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            self.error(mark.line + 1 if mark else 0, f"YAML 语法错误：{exc.problem or exc.context}")
            return []
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
            self.error(0, f"读不了这个文件：{exc}")
            return []
        if not isinstance(root, yaml.MappingNode):
            self.error(root or 1, "商品目录应该是「version: 1」和「products:」列表")
            return []
        top = {str(k.value): v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
        version = top.get(KEY_VERSION)
        if version is None:
            self.error(root, f"缺少 {KEY_VERSION}: {CATALOG_VERSION}")
        elif getattr(version, "value", None) != str(CATALOG_VERSION):
            self.error(version, f"{KEY_VERSION} 必须是 {CATALOG_VERSION}")
        products = top.get(KEY_PRODUCTS)
        if not isinstance(products, yaml.SequenceNode) or not products.value:
            self.error(products or root, f"{KEY_PRODUCTS} 应该是商品列表（每项以「- id:」开头）")
            return []
        out: list[Product] = []
        seen: dict[str, int] = {}
        for node in products.value:
            product = self.product(node)
            if product is None:
                continue
            if product.id in seen:
                self.error(node, f"商品 id {product.id} 重复了（第一次在第 {seen[product.id]} 行）")
                continue
            seen[product.id] = product.line
            out.append(product)
        return out

    def product(self, node: yaml.Node) -> Product | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, "每个商品应该是「键: 值」的映射（id、name、colors …）")
            return None
        fields = {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        product_id = self.scalar(fields.get(KEY_ID), node, f"商品缺少 {KEY_ID}（链接里的商品ID）")
        name = self.scalar(fields.get(KEY_NAME), node, f"商品 {product_id} 缺少 {KEY_NAME}")
        where = f"商品 {product_id or name or '（没有 id）'}"
        price = ""
        if KEY_PRICE in fields:
            price = self.scalar(fields[KEY_PRICE], node, f"{where} 的 {KEY_PRICE} 是空的")
            price = price.removesuffix("元").strip()
            try:
                value = float(price)
            except ValueError:
                self.error(fields[KEY_PRICE], f"{where} 的 {KEY_PRICE} 应该是数字（元），如 159")
                price = ""
            else:
                price = f"{value:g}"
        colors = self.strings(fields.get(KEY_COLORS), f"{where} 的 {KEY_COLORS}")
        sizes = self.sizes(fields.get(KEY_SIZES), where)
        sold_out = self.strings(fields.get(KEY_SOLD_OUT), f"{where} 的 {KEY_SOLD_OUT}")
        known_sizes = {s.size.lower() for s in sizes}
        for entry in sold_out:
            color, slash, size = entry.partition("/")
            if slash and (color not in colors or size.lower() not in known_sizes):
                message = f"{entry!r} 的颜色或尺码不在这个商品的 {KEY_COLORS}/{KEY_SIZES} 里"
            elif not slash and color not in colors and color.lower() not in known_sizes:
                message = f"{entry!r} 既不是它的颜色也不是它的尺码"
            else:
                continue
            self.error(fields[KEY_SOLD_OUT], f"{where} 的 {KEY_SOLD_OUT}: {message}")
        if not product_id or not name:
            return None  # reported above, after every other field was checked too
        return Product(
            id=product_id,
            name=name,
            aliases=tuple(self.strings(fields.get(KEY_ALIASES), f"{where} 的 {KEY_ALIASES}")),
            price=price,
            colors=tuple(colors),
            fabric=self.optional(fields.get(KEY_FABRIC)),
            sizes=tuple(sizes),
            sold_out=tuple(sold_out),
            restock=self.optional(fields.get(KEY_RESTOCK)),
            line=_line(node),
        )

    def sizes(self, node: yaml.Node | None, where: str) -> list[SizeRow]:
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(
                node, f"{where} 的 {KEY_SIZES} 应该是列表，每项如 {{size: M, height: 158-165cm}}"
            )
            return []
        rows = []
        for item in node.value:
            if isinstance(item, yaml.ScalarNode):  # a size without a chart: sizes: [S, M, L]
                rows.append(SizeRow(str(item.value).strip()))
                continue
            if not isinstance(item, yaml.MappingNode):
                self.error(item, f"{where} 的尺码应该是 {{size: M, height: …, weight: …}}")
                continue
            fields = {str(k.value): v for k, v in item.value if isinstance(k, yaml.ScalarNode)}
            size = self.scalar(fields.get(KEY_SIZE), item, f"{where} 的尺码缺少 {KEY_SIZE}")
            if not size:
                continue
            ranges: dict[str, tuple[tuple[float, float] | None, str]] = {}
            for key, unit in ((KEY_HEIGHT, "cm"), (KEY_WEIGHT, "斤")):
                text = self.optional(fields.get(key))
                parsed = parse_range(text, key) if text else None
                if text and parsed is None:
                    self.error(
                        fields[key],
                        f"{where} {size} 码的 {key} {text!r} 看不懂：写成如 158-165{unit}",
                    )
                ranges[key] = (parsed, text)
            rows.append(
                SizeRow(
                    size,
                    ranges[KEY_HEIGHT][0],
                    ranges[KEY_WEIGHT][0],
                    ranges[KEY_HEIGHT][1],
                    ranges[KEY_WEIGHT][1],
                )
            )
        return rows

    def scalar(self, node: yaml.Node | None, parent: yaml.Node, missing: str) -> str:
        if node is None:
            self.error(parent, missing)
            return ""
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            self.error(
                node, missing if not str(getattr(node, "value", "")).strip() else "应该是一段文字"
            )
            return ""
        return str(node.value).strip()

    def optional(self, node: yaml.Node | None) -> str:
        return str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""

    def strings(self, node: yaml.Node | None, where: str) -> list[str]:
        if node is None:
            return []
        if isinstance(node, yaml.ScalarNode):  # 雾霾蓝、米白、黑色 in one string
            return [s for s in _LIST_SPLIT.split(str(node.value).strip()) if s]
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{where} 应该是列表")
            return []
        out = []
        for item in node.value:
            if isinstance(item, yaml.ScalarNode) and str(item.value).strip():
                out.append(str(item.value).strip())
            else:
                self.error(item, f"{where} 的每一项应该是一段文字")
        return out


def catalog_values(product: Product) -> Mapping[str, str]:
    """The product's facts as template values ({product}, {colors}, {fabric}, {price} …)."""
    return {
        "product": product.name,
        "product_id": product.id,
        "colors": "、".join(product.colors),
        "color_count": str(len(product.colors)),
        "fabric": product.fabric,
        "price": product.price,
        "sizes": "、".join(product.size_names),
        "restock": product.restock,
    }
