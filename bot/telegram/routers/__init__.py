"""One Router per feature; get_routers() gives them in the order the dispatcher tries them."""

from aiogram import Router

from bot.telegram.routers import (
    admin,
    browse,
    business,
    common,
    learn,
    media,
    practice,
    product,
    settings,
    stats,
    suggest,
)


def get_routers() -> list[Router]:
    return [
        # first: during a drill the trainee's texts are answers, and other commands wait
        practice.get_router(),
        common.get_router(),
        settings.get_router(),
        browse.get_router(),
        product.get_router(),
        admin.get_router(),
        learn.get_router(),
        stats.get_router(),
        business.get_router(),
        media.get_router(),
        # last: every text that no command took is a customer message to answer
        suggest.get_router(),
    ]
