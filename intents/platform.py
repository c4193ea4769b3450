"""What the platforms paste into a chat, taken out of the copy the matcher reads.

JD's web chat opens with a card line (``咨询订单号:[订单x] 商品ID:[数字x]``), buyers paste product
links, share texts and bare item ids, and the public corpora mask private values (``[金额x]``,
``[日期x]``, ``[地址x]``). None of it says what the customer needs: alone such a line must get no
intent, and beside a question it must add none (一个 ``[图片]`` is not a greeting, a link's
``item.htm?id=`` is not an ask). The original message is never changed: the current product
is read from the raw text (its link or ``商品ID``) by whoever needs it, and this runs only
inside :func:`intents.normalize.normalize`.
"""

from __future__ import annotations

import re

__all__ = [
    "PLATFORM_PATTERNS",
    "strip_platform",
]

# Text arrives NFKC-folded (［］ → [], ：→ :), simplified and lower case.
_KEYS = (
    "咨询订单号|订单编号|订单号|订单金额|下单时间|付款时间|成交时间|商品id|商品编号|商品链接"
    "|商品编码|sku|店铺名称"
)
_MASK = r"\[[^\[\]\s]{1,16}\]"  # [数字x], [orderid_10172263], [图片], [微笑]

_NOT_CJK = r"[^\s\u3000-\u303f\u4e00-\u9fff]"  # a link runs until a space or Chinese text

#: (what it is, pattern, replaced by). A separator "," where the pasted piece stood between
#: clauses; "" for a masked value inside a sentence (满[金额x]减吗 still asks 满减吗).
PLATFORM_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "卡片字段 (咨询订单号:…, 商品id:…, 订单号 123…)",
        re.compile(
            rf"(?:我要)?(?:{_KEYS})"
            rf"(?:\s*[:=]\s*(?:{_MASK}|[a-z0-9_.\-/:?=&%#]+)?|\s*(?:{_MASK}|[a-z]{{0,3}}\d{{6,}}))"
        ),
        ",",
    ),
    ("网址", re.compile(rf"(?:https?://|www\.){_NOT_CJK}*"), ","),
    (
        "不带 http 的商品链接 (m.tb.cn/…, item.jd.com/…)",
        re.compile(
            r"(?<![a-z0-9.\-])(?:[a-z0-9-]+\.)+(?:com|cn|net|hk)(?![a-z])"
            rf"(?:/{_NOT_CJK}*)?"
        ),
        ",",
    ),
    ("淘口令", re.compile(r"([¥$€£₤¢₳₴])[a-z0-9]{8,14}\1"), ","),
    (
        "分享文案",
        re.compile(
            r"【(?:淘宝|天猫|京东|拼多多)】"
            r"|(?:点击链接|复制这条信息|复制本条信息|长按复制|淘宝搜索)(?:直接)?(?:打开)?"
            r"(?:手机淘宝|淘宝|天猫|京东|app)?"
        ),
        ",",
    ),
    ("京东表情 (#e-s[数字x])", re.compile(rf"#e-[a-z]{_MASK}"), ","),
    (
        "图片、表情等占位 ([图片], [微笑])",
        re.compile(
            r"\[(?:图片|表情|动画表情|语音|视频|文件|位置|链接|商品|卡片|[\u4e00-\u9fff]{1,4})\]"
        ),
        ",",
    ),
    ("掩码的值 ([金额x], [orderid_…])", re.compile(_MASK), ""),
    # item ids, order and tracking numbers, phone numbers: nine digits or more, with any
    # stray letters typed onto them (5383…711e)
    ("长串数字", re.compile(r"[a-z]{0,2}\d{9,}[a-z]{0,2}"), ","),
)


# Every pattern above needs one of these; most messages have none, and skip the table.
_MAYBE = re.compile(
    r"[\[#【¥$€£₤¢₳₴:=]|\d{6}|[a-z0-9]\.[a-z]|点击链接|复制这条|复制本条|长按复制|淘宝搜索"
)


def strip_platform(text: str) -> str:
    """``text`` without platform lines, links, item ids and masked values.

    >>> strip_platform("咨询订单号:[订单x] 商品id:[数字x] 几号能发货")
    ', , 几号能发货'
    >>> strip_platform("满[金额x]减吗")
    '满减吗'
    """
    if not _MAYBE.search(text):
        return text
    for _, pattern, replacement in PLATFORM_PATTERNS:
        text = pattern.sub(replacement, text)
    return text
