"""Masking of personal numbers: every form buyers type, and the numbers a shop must keep."""

import pytest

from bot.privacy import mask_personal
from bot.storage import TimelineMessage, open_storage


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # mobiles, as typed
        ("我电话13812345678,包邮吗", "我电话138****5678,包邮吗"),
        ("１３８１２３４５６７８", "１３８****５６７８"),
        ("１３８－１２３４－５６７８", "１３８－****－５６７８"),
        ("138.1234.5678", "138.****.5678"),
        ("138 1234 5678", "138 **** 5678"),
        ("138 - 1234 - 5678", "138 - **** - 5678"),
        ("138—1234—5678", "138—****—5678"),
        ("+8613812345678", "+86138****5678"),
        ("0086 138 1234 5678", "0086 138 **** 5678"),
        ("张三13812345678收", "张三138****5678收"),
        # landlines with their area code or a country code
        ("座机 021-66778899", "座机 021-****8899"),
        ("(021) 6677 8899", "(021) **** 8899"),
        ("+86 21 6677 8899", "+86 21 **** 8899"),
        ("0755-12345678 找王经理", "0755-****5678 找王经理"),
        # 身份证: 18 with a check digit (X too), and the old 15
        ("身份证330102199001011234", "身份证330***********1234"),
        ("证件号 11010519491231002X 麻烦登记", "证件号 110***********002X 麻烦登记"),
        ("老身份证 330102900101123", "老身份证 330********1123"),
        # bank cards: 62 (银联) alone, others after a card word
        ("退款到6222021234567890128", "退款到6222***********0128"),
        ("卡号 6222 0212 3456 7890 128", "卡号 6222 **** **** ***0 128"),
        ("银行卡：4111 1111 1111 1111", "银行卡：4111 **** **** 1111"),
        ("我的卡号是4111111111111111", "我的卡号是4111********1111"),
    ],
)
def test_personal_numbers_are_masked(text, masked):
    assert mask_personal(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "400-820-8820 是官方客服吗",  # service numbers stay
        "4008208820",
        "800-820-8820",
        "95588",
        "价格159.00元，满299减30",  # prices
        "2024-06-02 10:00 下的单",  # dates and times
        "2024.06.02 到货",
        "2024/6/2",
        "170 120斤穿什么码",  # height and weight
        "身高170cm体重60kg",
        "订单号：3687452187659084512",  # order numbers of every length
        "订单号 2024060212345678",
        "订单编号:6222021234567890128",  # a labelled order passes Luhn and starts with 62: kept
        "订单13812345678 还没发货",
        "快递单号 SF1234567890123 到哪了",
        "运单号 773012345678901",
        "商品ID:680123456789",
        "https://item.jd.com/13812345678.html",  # links
        "https://item.taobao.com/item.htm?id=680123456789",
        "4512345678901234",  # 16 digits, Luhn fails: an order number
        "4111111111111111",  # Luhn passes but no 62 and no card word: could be an order
        "2166778899",  # a bare 10-digit run is not taken for a landline
        "330102199001011235",  # an 18-digit number whose check digit is wrong
        "123456199001011234",  # no such birth place
        "13812345678901",  # a mobile's digits inside a longer number
        "",
        "亲，在吗？",
    ],
)
def test_numbers_a_shop_needs_are_kept(text):
    assert mask_personal(text) == text


async def test_storage_masks_text_sender_and_title(storage_url):
    message = TimelineMessage(
        conversation="qn-1",
        external_id="1",
        ts=1.0,
        role="customer",
        sender="张三 13812345678",
        text="身份证330102199001011234，电话１３８１２３４５６７８",
        title="李四 138.1234.5678",
    )
    async with open_storage(storage_url) as storage:
        await storage.add_timeline("csv", [message])
        exchange = await storage.add_exchange(
            chat_id=1,
            user_id=1,
            library="shop",
            text="卡号6222021234567890128",
            intents=[],
            tone="亲切",
            received_at=1.0,
        )
        [row] = await storage.db.fetch("SELECT sender, text FROM messages")
        [(title,)] = await storage.db.fetch("SELECT title FROM conversations")
        stored = await storage.exchange(exchange)
    assert row[0] == "张三 138****5678"
    assert row[1] == "身份证330***********1234，电话１３８****５６７８"
    assert title == "李四 138.****.5678"
    assert stored is not None and stored.text == "卡号6222***********0128"
