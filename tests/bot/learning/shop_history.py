"""A shop's chat history with known needs that the shipped library matches poorly, and a
separate labelled set of new phrasings of the same needs (no text shared with the history).

Written for these tests; the conversations are generated from these lines with a fixed seed.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Need:
    intent: str
    history: tuple[str, ...]  # how this shop's customers asked
    heldout: tuple[str, ...]  # new phrasings, for measuring only
    replies: tuple[str, ...]  # how this shop's agents answered


NEEDS = (
    Need(
        "shipping",  # where is my parcel
        (
            "我的东西到哪里了", "我买的到哪了", "宝贝到哪啦", "怎么还没收到", "东西咋还没来",
            "咋还没到货", "我的包裹到哪了", "买的东西走到哪了", "我那单到哪了", "货到哪儿了",
            "东西怎么还没到呀", "我的衣服到哪了", "还要多久才到", "我的单子到哪一步了",
        ),
        (
            "我的裙子到哪了", "我的快件到哪里了", "买的裤子咋还没来", "东西到底到哪了",
            "我那件到哪儿了", "怎么还没送到", "我的订单到哪了", "衣服咋还没到",
        ),
        (
            "亲，帮您查了，包裹已经到您所在的城市了，今天或明天就能派送哦",
            "亲，物流显示还在运输中，预计后天到，请耐心等等～",
            "您好，快递已经在路上了，这边帮您催一下快递员",
        ),
    ),
    Need(
        "shipping",  # change the address before it ships
        (
            "地址能改吗", "改个地址", "收货地址写错了能改不", "地址改一下", "改下电话",
            "收件人写错了", "拍的时候地址填错了", "能改成别的地址吗", "换个收货地址",
            "帮我改下收货人", "地址写错了怎么办", "电话号码填错了", "改一下收件地址",
            "能换个地址发吗",
        ),
        (
            "收货地址能改不", "我想改地址", "地址填错了咋办", "手机号写错了", "收件人名字错了",
            "帮忙换下地址", "能改收件电话吗", "地址弄错了",
        ),
        (
            "好的亲，还没发货的话可以改，您把新的收货地址和电话发我，我备注给仓库发货",
            "亲，已经帮您改好收货信息了，会按新地址发快递的",
            "您好，订单还没出库，地址可以修改，请把正确的收件人和电话发给我，改好再发货",
        ),
    ),
    Need(
        "quality",  # is it genuine
        (
            "怎么知道是真的", "是不是原装", "是不是水货", "是不是正版", "是真的吗",
            "怎么证明是正品", "不会是仿的吧", "是原厂的吗", "货是真是假", "你家是正规渠道吗",
            "能保证是真货吗", "有没有授权", "是原单吗",
        ),
        (
            "我咋知道是不是真的", "是不是原装正品", "这个是真货不", "会不会卖假的",
            "是正规的货吗", "能保证是原装吗", "是不是仿冒的", "是原厂货不",
        ),
        (
            "亲，我们是品牌授权店，所有商品都是正品，支持专柜验货哦",
            "您好，本店商品均为正品，假一赔十，您放心购买",
            "亲，正规渠道进货，每件都有防伪标签，可以扫码查验真伪",
        ),
    ),
    Need(
        "invoice",  # a receipt in the parcel
        (
            "能出个小票吗", "开个单据", "有没有收据", "能给个购物清单吗", "要个凭证",
            "能开个收款单吗", "给我打个小票", "有纸质单据吗", "能开销售单吗", "需要个购物凭证",
            "能出具收据不", "有小票吗",
        ),
        (
            "可以给个小票不", "能开收据吗", "要个销售凭证", "给开张单据", "有购物小票吗",
            "能打个清单吗", "需要收款凭证", "能给张收据不",
        ),
        (
            "亲，可以的，发货时会随包裹放一张购物小票，和发票一样能报销",
            "您好，需要收据或发票的话下单时备注一下，我们开好一起寄出",
            "亲，可以给您出具购物凭证，电子发票也能开，备注抬头就行",
        ),
    ),
    Need(
        "color",  # which shade
        (
            "要浅一点的", "有没有亮一点的", "比较喜欢蓝色", "有深一点的吗", "想要素一点的",
            "有没有艳一点的", "喜欢粉的", "有淡一点的颜色吗", "想要暗一点的", "我喜欢绿色的",
            "有没有显白的色", "想要低调点的颜色",
        ),
        (
            "有没有浅色的", "要亮色的", "比较喜欢紫色", "深色有吗", "想要淡色的",
            "有颜色鲜艳点的吗", "我喜欢黄色", "有素色的吗",
        ),
        (
            "亲，浅色的话推荐米白和雾霾蓝，深色有藏青和黑色",
            "您好，这款有蓝色、粉色和绿色，颜色都是实物拍摄的",
            "亲，显白的话推荐奶白色，颜色比较温柔，色差很小",
        ),
    ),
    Need(
        "hesitation",  # not now, later
        (
            "过两天再拍", "钱不够等几天", "等我发了工资", "月底再买", "下个月再来拍",
            "等我攒攒钱", "过几天再说", "周末再下单", "等活动再拍", "发工资了再来",
            "这两天手头紧", "过阵子再买",
        ),
        (
            "过几天再拍", "等发工资再来", "手头有点紧", "下周再买", "等我有钱了再说",
            "月初再拍", "过段时间再来", "钱还不够",
        ),
        (
            "好的亲，不着急，您考虑好了随时来找我",
            "没关系的亲，先加购物车，考虑好了再下单，活动的时候更划算",
            "好的，您再考虑考虑，有问题随时问我哦",
        ),
    ),
)  # fmt: skip

#: Chat that asks nothing: agents answer it politely, and it must not be learned as a need.
NONE_HISTORY = (
    "好的", "嗯嗯", "哦哦", "知道了", "行吧", "收到", "今天好热啊", "我在上班", "刚下班",
    "哈哈哈", "我家猫好可爱", "午饭吃什么好", "我拍了", "好滴", "ok",
)  # fmt: skip
NONE_REPLIES = ("好的亲～", "嗯嗯亲，还有什么需要随时找我哦", "哈哈亲，辛苦啦")
NONE_HELDOUT = (
    "嗯呢", "好嘞", "明白了", "我知道啦", "今天下雨了", "刚吃完饭", "我在开会", "好热",
    "周末去哪玩", "我儿子在哭", "晚上吃火锅", "困死了",
)  # fmt: skip

#: What the library already answers well, with this shop's replies: nothing to learn there.
KNOWN = (
    ("包邮吗", "亲，满99元包邮哦"),
    ("有S码吗", "亲，S码有货的"),
    ("什么时候发货", "亲，今天下午五点前拍下当天发货"),
    ("能便宜点吗", "亲，已经是活动价了哦"),
)


def heldout() -> list[tuple[str, str]]:
    """(text, intent) of the labelled new phrasings."""
    return [(text, need.intent) for need in NEEDS for text in need.heldout]


def conversations(seed: int = 7, count: int = 160) -> list[list[tuple[str, str]]]:
    """Conversations as (role, text) turns: a greeting, one or two asks, thanks."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        turns: list[tuple[str, str]] = []
        if rng.random() < 0.4:
            turns += [("customer", "在吗"), ("agent", "在的亲，有什么可以帮您")]
        for _ in range(rng.choice((1, 1, 2))):
            roll = rng.random()
            if roll < 0.7:
                need = rng.choice(NEEDS)
                turns += [
                    ("customer", rng.choice(need.history)),
                    ("agent", rng.choice(need.replies)),
                ]
            elif roll < 0.85:
                text, reply = rng.choice(KNOWN)
                turns += [("customer", text), ("agent", reply)]
            else:
                turns += [
                    ("customer", rng.choice(NONE_HISTORY)),
                    ("agent", rng.choice(NONE_REPLIES)),
                ]
        if rng.random() < 0.5:
            turns += [("customer", "谢谢"), ("agent", "不客气亲，欢迎下次光临")]
        out.append(turns)
    return out


def history_csv(seed: int = 7, count: int = 160) -> str:
    """The conversations in the CSV that `csbot import csv` reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["timestamp", "conversation", "role", "sender", "text"])
    start = datetime(2024, 6, 1, 9, 0, 0)
    for n, turns in enumerate(conversations(seed, count)):
        at = start + timedelta(hours=n)
        for role, text in turns:
            at += timedelta(seconds=20)
            sender = "小美" if role == "agent" else f"tb_{n:04d}"
            writer.writerow([at.isoformat(sep=" "), f"qn-{n:04d}", role, sender, text])
    return buffer.getvalue()
