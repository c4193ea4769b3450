"""Everything aiogram: the dispatcher factory, one Router per feature, middlewares, keyboards."""
