"""/product, the product shown with each suggestion, Business chats' context, catalogue reload."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import replace

import pytest

from bot.assistants import Assistants
from bot.storage import open_storage
from bot.telegram import texts
from bot.telegram.app import create_bot, create_dispatcher
from bot.telegram.middlewares import RetryMiddleware
from tests.bot.telegram.conftest import ADMIN, FakeSession, Harness, make_config, no_sleep
from tests.bot.telegram.test_business import FakeClock, Shop
from tests.conftest import ROOT

SAMPLE = ROOT / "phrases" / "catalog" / "catalog.yaml"


def with_catalog(config, catalog=SAMPLE):
    return replace(config, library=replace(config.library, catalog=catalog))


async def make_harness(tmp_path, shared_assistants, config) -> Harness:
    assistants = Assistants(config)
    # reuse the built library, with this config's catalogue
    assistants._built = {
        name: replace_catalog(a, assistants) for name, a in shared_assistants._built.items()
    }
    session = FakeSession()
    bot = create_bot(config, session=session, retry=RetryMiddleware(sleep=no_sleep))
    storage = await open_storage(tmp_path / "csbot.db").open()
    clock = FakeClock()
    harness = Harness(
        create_dispatcher(config, assistants, storage, clock=clock), bot, session, storage
    )
    harness.clock = clock  # type: ignore[attr-defined]
    return harness


def replace_catalog(assistant, assistants: Assistants):
    from intents import Assistant

    return Assistant(
        assistant.library,
        matcher=assistant.matcher,
        topics=assistant.topics,
        catalog=assistants._catalog(assistant.library),
    )


@pytest.fixture
async def harness(tmp_path, shared_assistants) -> AsyncGenerator[Harness, None]:
    h = await make_harness(tmp_path, shared_assistants, with_catalog(make_config(tmp_path)))
    yield h
    await h.storage.close()


async def test_product_by_name_then_replies_use_it_and_say_so(harness):
    await harness.send("/product 大衣")
    assert "双面羊绒大衣" in harness.texts()[-1]
    await harness.send("什么面料")
    reply = harness.texts()[-1]
    assert "🛍 按商品：双面羊绒大衣（680987654321，来自上文（/product））" in reply
    assert "羊绒30% 羊毛70%" in reply


async def test_product_search_offers_buttons_and_a_press_sets_it(harness):
    await harness.send("/product 火箭")
    assert "没有找到" in harness.texts()[-1]
    await harness.send("/product 衣")  # 连衣裙 and 大衣
    assert harness.texts()[-1] == texts.PRODUCT_PICK.format(count=2)
    assert sorted(harness.unsigned_markup()) == ["p:680123456789", "p:680987654321"]
    await harness.press(harness.button("p:680123456789"))
    assert "法式碎花连衣裙" in harness.texts("editMessageText")[-1]
    await harness.send("/product")
    assert "法式碎花连衣裙" in harness.texts()[-1]
    await harness.send("多少钱")
    assert "159元" in harness.texts()[-1]
    await harness.send("/product off")
    assert harness.texts()[-1] == texts.PRODUCT_OFF
    await harness.send("多少钱")
    assert "159元" not in harness.texts()[-1] and "🛍" not in harness.texts()[-1]


async def test_private_chat_carries_a_pasted_link_but_not_a_named_product(harness):
    await harness.send("碎花裙有黑色吗")
    assert "来自商品名" in harness.texts()[-1]
    await harness.send("多少钱")  # the next customer pasted here may mean another product
    assert "🛍" not in harness.texts()[-1]
    await harness.send("https://item.taobao.com/item.htm?id=681122334455 在吗")
    await harness.send("多少钱")
    assert "49.9元" in harness.texts()[-1] and "来自上文（链接）" in harness.texts()[-1]


async def test_why_and_intents_show_the_topic(harness):
    await harness.send("有运费险吗")
    assert "价格/优惠/包邮 · 运费险" in harness.texts()[-1]
    await harness.press(harness.button("s:why:1"))
    why = harness.texts()[-1]
    assert "具体问题「价格/优惠/包邮 · 运费险」" in why
    await harness.send("/intents")
    price = harness.dp["assistants"].get().library.intent_ids.index("price")
    await harness.press(harness.button(f"b:shop:0:{price}"))
    assert (
        "运费险" in harness.texts("editMessageText")[-1]
        and "具体问题" in harness.texts("editMessageText")[-1]
    )


async def test_without_a_catalogue_product_says_how_to_add_one(tmp_path, shared_assistants):
    h = await make_harness(tmp_path, shared_assistants, make_config(tmp_path))
    await h.send("/product 大衣")
    assert h.texts()[-1] == texts.PRODUCT_NO_CATALOG
    await h.storage.close()


async def test_reload_with_a_broken_catalogue_keeps_the_old_one(harness, tmp_path, monkeypatch):
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nproducts:\n  - name: 无名\n", encoding="utf-8")
    assistants = harness.dp["assistants"]
    old = assistants.get()
    monkeypatch.setattr(assistants, "config", with_catalog(assistants.config, broken))
    await harness.send("/reload", user=ADMIN)
    assert "重新加载失败" in harness.texts()[-1] and f"{broken}:3:" in harness.texts()[-1]
    assert assistants.get() is old and old.catalog is not None
    await harness.send("碎花裙多少钱")
    assert "159元" in harness.texts()[-1]


async def test_business_chat_keeps_the_customers_last_product(tmp_path, shared_assistants):
    config = with_catalog(make_config(tmp_path))
    h = await make_harness(tmp_path, shared_assistants, config)
    shop = Shop(h, h.clock)
    await shop.connect()
    await shop.say("碎花裙有黑色吗")
    await shop.say("那XL呢", after=5)
    copilot = [t for t in shop.to(shop_owner()) if "李女士" in t]
    assert "黑色XL码" in copilot[-1] and "7-15天" in copilot[-1]
    assert "接着上一个问题" in copilot[-1]
    await h.storage.close()


def shop_owner() -> int:
    from tests.bot.telegram.test_business import OWNER

    return OWNER
