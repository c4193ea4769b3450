"""A product's facts in a reply: what a clause mentions (colour, size, height, weight), size
advice from the chart, stock, and the library's ``product_replies`` templates that word them."""

from __future__ import annotations

import itertools
import re
import unicodedata
import warnings
from dataclasses import dataclass

from intents.catalog import JIN_PER_KG, Product, SizeRow

__all__ = [
    "Advice",
    "Measures",
    "advise",
    "mentioned_color",
    "mentioned_size",
    "named_color",
    "named_size",
    "parse_measures",
    "size_fits",
]

# a colour word a product may not have (有红色吗 of a dress in 雾霾蓝、米白、黑色)
_COLOR_WORD = re.compile(r"([红橙黄绿青蓝紫黑白灰粉棕咖米杏驼卡其藏酱墨银金]{1,2})色")
# a letter size (s, m, l, xl, xxl, 2xl) or 均码, standing alone
_SIZE_LETTERS = re.compile(r"(?<![a-z])(\d?x{0,3}[sml]|均码)(?![a-z])")
_CN_DIGITS = re.compile(r"[零一二两三四五六七八九十百]+")
_NUM = r"(\d+(?:\.\d+)?)"
_HEIGHT_PATTERNS = [
    (re.compile(r"(?<![\d.])([12])\s*(?:米|m)\s*(\d{1,2})(?![\d.])"), "m+"),  # 1米7, 1米65
    (re.compile(rf"(?<![\d.]){_NUM}\s*(?:米|m)(?![a-z\d])", re.I), "m"),  # 1.7m, 1.65米
    (re.compile(rf"(?<![\d.]){_NUM}\s*(?:cm|厘米|公分)", re.I), "cm"),  # 170cm
    (re.compile(rf"(?:身高|个子|高)\s*{_NUM}"), "cm?"),  # 身高170, 身高1.7
]
_WEIGHT_PATTERNS = [
    (re.compile(rf"(?<![\d.]){_NUM}\s*(?:kg|公斤|千克)", re.I), "kg"),  # 60kg, 60公斤
    (re.compile(rf"(?<![\d.]){_NUM}\s*斤"), "jin"),  # 120斤
    (re.compile(rf"(?:体重|重)\s*{_NUM}"), "?"),  # 体重60
]
# 165/50, 160 100: a height and a weight written side by side without units
_PAIR = re.compile(
    r"(?<![\d.])(1[4-9]\d)\s*[/,，、 ]\s*(\d{2,3}(?:\.\d)?)(?![\d.]|\s*(?:元|块|件|天))"
)
_BARE_HEIGHT = re.compile(r"(?<![\d.])(1[4-9]\d)(?![\d.]|\s*(?:元|块|件|天|斤|kg|公斤|号))")


@dataclass(frozen=True, slots=True)
class Measures:
    """A customer's height (cm) and weight (斤), as far as the message says them."""

    height: float | None = None
    weight: float | None = None

    def __bool__(self) -> bool:
        return self.height is not None or self.weight is not None

    def merged(self, newer: Measures) -> Measures:
        return Measures(
            newer.height if newer.height is not None else self.height,
            newer.weight if newer.weight is not None else self.weight,
        )

    def describe(self) -> str:
        """身高170cm、体重120斤, as staff and customers say them."""
        parts = []
        if self.height is not None:
            parts.append(f"身高{self.height:g}cm")
        if self.weight is not None:
            parts.append(f"体重{self.weight:g}斤")
        return "、".join(parts)


def _arabic(text: str) -> str:
    """一米七 → 1米7, 一百二十斤 → 120斤 (cn2an, loaded only when a message spells numbers)."""
    if not _CN_DIGITS.search(text):
        return text
    import cn2an  # ~0.2 s to import: only messages with Chinese numerals pay it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cn2an warns on pieces it leaves as they are
        try:
            return str(cn2an.transform(text, "cn2an"))
        except (ValueError, KeyError, IndexError):
            return text


def parse_measures(text: str) -> Measures:
    """Height and weight however buyers write them.

    >>> parse_measures("我一米七 一百二十斤"), parse_measures("165/50")
    (Measures(height=170.0, weight=120.0), Measures(height=165.0, weight=100.0))
    """
    raw = _arabic(unicodedata.normalize("NFKC", text).lower())
    height = weight = None
    spans: list[tuple[int, int]] = []
    for pattern, unit in _HEIGHT_PATTERNS:
        hit = pattern.search(raw)
        if not hit:
            continue
        if unit == "m+":
            tail = hit.group(2)
            value = int(hit.group(1)) * 100 + (int(tail) * 10 if len(tail) == 1 else int(tail))
        else:
            value = float(hit.group(1))
            if unit == "m" or (unit == "cm?" and value < 3):
                value *= 100
        if 50 <= value <= 230:
            height = float(round(value, 1))
            spans.append(hit.span())
            break
    for pattern, unit in _WEIGHT_PATTERNS:
        hit = pattern.search(raw)
        if not hit or any(a <= hit.start() < b for a, b in spans):
            continue
        value = float(hit.group(1))
        if unit == "kg" or (unit == "?" and value <= 75):
            value *= JIN_PER_KG
        if 30 <= value <= 500:
            weight = float(round(value, 1))
            spans.append(hit.span())
            break
    if height is None or weight is None:
        pair = _PAIR.search(raw)
        if pair and not any(a <= pair.start() < b for a, b in spans):
            height = height if height is not None else float(pair.group(1))
            if weight is None:
                value = float(pair.group(2))
                weight = value * JIN_PER_KG if value <= 75 else value
        elif height is None:
            bare = _BARE_HEIGHT.search(raw)
            if bare and not any(a <= bare.start() < b for a, b in spans):
                height = float(bare.group(1))
    return Measures(height, weight)


def mentioned_color(product: Product, text: str) -> tuple[str | None, str | None]:
    """(the product's colour the text names, a colour word it names that the product lacks)."""
    for color in sorted(product.colors, key=len, reverse=True):
        stem = color.removesuffix("色")
        if (
            color in text
            or (len(stem) >= 1 and stem + "的" in text)
            or (len(stem) > 1 and stem in text)
        ):
            return color, None
    word = named_color(text)
    if word:
        for color in product.colors:
            if color.removesuffix("色") in word:
                return color, None
        return None, word
    return None, None


def named_color(text: str) -> str | None:
    """A colour word the text names, with no product to hold it against (黑色呢 → 黑色)."""
    hit = _COLOR_WORD.search(text)
    return hit.group(0) if hit else None


def named_size(text: str) -> tuple[str, str] | None:
    """A letter size the text names, with no product to hold it against: (the size, as written).

    >>> named_size("那xl呢"), named_size("2xl有吗"), named_size("small")
    (('XL', 'xl'), ('XXL', '2xl'), None)
    """
    hit = _SIZE_LETTERS.search(unicodedata.normalize("NFKC", text).lower())
    return (_letters(hit.group(1)).upper(), hit.group(1)) if hit else None


def _letters(token: str) -> str:
    return re.sub(r"^(\d)xl$", lambda m: "x" * int(m.group(1)) + "l", token)


def mentioned_size(product: Product, text: str) -> tuple[str | None, str | None]:
    """(the product's size the text names, a size it names that the product lacks)."""
    lower = unicodedata.normalize("NFKC", text).lower()
    names = {s.lower(): s for s in product.size_names}
    for token in _SIZE_LETTERS.findall(lower):
        token = _letters(token)
        if token in names:
            return names[token], None
        return None, token.upper()
    for token in re.findall(r"(?<!\d)(\d{2})\s*(?:码|号|的|呢|吗|有)", lower):
        if token in names:
            return names[token], None
    return None, None


@dataclass(frozen=True, slots=True)
class Advice:
    """Size advice: ``kind`` names the template that words it."""

    kind: str  # size_advice | size_between | size_by_height | size_need_weight | size_need_height
    # | size_outside
    size: str = ""
    other: str = ""
    chart: str = ""  # the chart's range for the measure that fell outside it


def _fit(rows: tuple[SizeRow, ...], value: float, attr: str) -> tuple[list[str], str]:
    """Sizes fitting a measure: one, two at a shared edge or in a gap, or none (outside)."""
    charted = [(getattr(r, attr), r.size) for r in rows if getattr(r, attr) is not None]
    if not charted:
        return [], "none"
    inside = [size for (lo, hi), size in charted if lo <= value <= hi]
    if len(inside) == 1:
        return inside, "in"
    if inside:  # on the edge shared by two sizes: the bigger one is the safer first advice
        return [inside[-1], inside[0]], "edge"
    lowest, highest = charted[0][0][0], charted[-1][0][1]
    if value < lowest or value > highest:
        return [], "outside"
    for ((_, hi), size), ((lo, _), bigger) in itertools.pairwise(charted):
        if hi < value < lo:  # in the gap between two rows
            return [bigger, size], "gap"
    return [], "outside"


def _order(rows: tuple[SizeRow, ...], sizes: list[str]) -> list[str]:
    rank = {r.size: n for n, r in enumerate(rows)}
    return sorted(dict.fromkeys(sizes), key=lambda s: -rank[s])


def advise(product: Product, measures: Measures) -> Advice:
    """The size to name first from the product's chart.

    >>> from intents.catalog import load_catalog
    >>> dress = load_catalog("phrases/catalog/catalog.yaml").get("680123456789")
    >>> advise(dress, Measures(160, 100)), advise(dress, Measures(160, 130)).kind
    (Advice(kind='size_advice', size='M', other='', chart=''), 'size_between')
    """
    rows = product.sizes
    has_height = any(r.height for r in rows)
    has_weight = any(r.weight for r in rows)
    by_height: list[str] = []
    by_weight: list[str] = []
    if measures.height is not None and has_height:
        by_height, where = _fit(rows, measures.height, "height")
        if where == "outside":
            return Advice("size_outside", chart=_span(rows, "height", "height_text"))
    if measures.weight is not None and has_weight:
        by_weight, where = _fit(rows, measures.weight, "weight")
        if where == "outside":
            return Advice("size_outside", chart=_span(rows, "weight", "weight_text"))
    if by_height and by_weight:
        common = [s for s in by_height if s in by_weight]
        if common:
            return Advice("size_advice", common[0])
        first, second = _order(rows, [by_height[0], by_weight[0]])
        return Advice("size_between", first, second)
    found = by_height or by_weight
    if not found:
        if measures.height is not None and has_weight:
            return Advice("size_need_weight")
        return Advice("size_need_height")
    if len(found) > 1:
        return Advice("size_between", found[0], found[1])
    if by_height and measures.weight is None and has_weight:
        return Advice("size_by_height", found[0])
    return Advice("size_advice", found[0])


def _span(rows: tuple[SizeRow, ...], attr: str, text_attr: str) -> str:
    charted = [r for r in rows if getattr(r, attr) is not None]
    first, last = charted[0], charted[-1]
    return f"{first.size}码{getattr(first, text_attr)}到{last.size}码{getattr(last, text_attr)}"


def size_fits(row: SizeRow) -> str:
    """What one size fits: 身高158-165cm、体重95-110斤."""
    parts = []
    if row.height_text:
        parts.append(f"身高{row.height_text}")
    if row.weight_text:
        parts.append(f"体重{row.weight_text}")
    return "、".join(parts)
