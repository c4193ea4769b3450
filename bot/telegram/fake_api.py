"""A Telegram Bot API stand-in on 127.0.0.1, for the end-to-end test and the bot benchmark.

It serves queued updates to getUpdates (long polling, at most ``limit`` a call, confirmed by
``offset`` as Telegram does), answers sendMessage, editMessageText and the rest as Telegram
would, records every call, and can be told to fail the next calls of any method: ``failures``
maps a method to a list of faults, used one per call: 429 (with retry_after) or a 5xx status,
or one of ``FAULTS``: an HTML error page, JSON that does not parse, JSON without ``ok``, an
empty body, a reset connection, or no answer at all (a timeout; held ``hold`` seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

# the answers a misbehaving proxy or Bot API emulator gives, by name
FAULTS = ("html", "bad_json", "no_ok", "empty", "reset", "timeout")
Fault = int | str


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)


class FakeBotAPI:
    def __init__(self, token: str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.token, self.host, self.port = token, host, port
        self.calls: list[Call] = []
        self._by_chat: dict[tuple[str, int | None], list[Call]] = {}
        self.failures: dict[str, list[Fault]] = {}
        self.hold = 60.0  # seconds a "timeout" fault keeps the request unanswered
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._new_update = asyncio.Event()
        self._waiters: dict[tuple[str, int | None], list[tuple[int, asyncio.Future[None]]]] = {}
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base

    async def stop(self) -> None:
        self._closing.set()  # held requests end now
        if self._runner:
            await self._runner.cleanup()

    # --- what a user does ---------------------------------------------------------------------

    async def message(
        self, chat_id: int, text: str, *, user_id: int | None = None, first_name: str = "顾客小王"
    ) -> int:
        user = {"id": user_id or chat_id, "is_bot": False, "first_name": first_name}
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": user,
            "text": text,
        }
        return await self.push({"message": message})

    async def press(
        self, chat_id: int, data: str, message_id: int, *, first_name: str = "顾客小王"
    ) -> int:
        query = {
            "id": str(next(self._message_ids)),
            "from": {"id": chat_id, "is_bot": False, "first_name": first_name},
            "chat_instance": str(chat_id),
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": "…",
            },
        }
        return await self.push({"callback_query": query})

    async def push(self, body: dict[str, Any]) -> int:
        """Queue any update body (crafted ones too); returns its update_id."""
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **body})
        self._new_update.set()
        return update_id

    # --- what the bot did ---------------------------------------------------------------------

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        return list(self._by_chat.get((method, chat_id), ()))

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        chat = call.params.get("chat_id")
        keys = [(call.method, None)] + ([(call.method, int(chat))] if chat is not None else [])
        for key in keys:  # wake only those waiting for this method and chat
            calls = self._by_chat.setdefault(key, [])
            calls.append(call)
            waiting = self._waiters.get(key, [])
            for count, future in [w for w in waiting if w[0] <= len(calls)]:
                waiting.remove((count, future))
                if not future.done():
                    future.set_result(None)

    async def wait_for(
        self, method: str, *, chat_id: int | None = None, count: int = 1, timeout: float = 30
    ) -> list[Call]:
        key = (method, chat_id)
        if len(self._by_chat.get(key, ())) < count:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(key, []).append((count, future))
            try:
                await asyncio.wait_for(future, timeout)
            except TimeoutError:
                raise TimeoutError(
                    f"no {count}× {method} for chat {chat_id} in {timeout}s"
                ) from None
        return self.sent(method, chat_id)

    # --- the HTTP side ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        pending = self.failures.get(method)
        if pending:
            fault = pending.pop(0)
            self._record(Call(f"{method}!{fault}", params))
            return await self._fault(request, method, fault)
        if method == "getUpdates":
            return self._ok(await self._get_updates(params))
        self._record(Call(method, params))
        return self._ok(self._result(method, params))

    async def _fault(self, request: web.Request, method: str, fault: Fault) -> web.Response:
        if fault == 429:
            return self._error(429, "Too Many Requests: retry after 1", retry_after=1)
        if isinstance(fault, int):
            return self._error(fault, "Internal Server Error")
        if fault == "html":  # what an Express-style emulator or a proxy answers
            page = f"<!DOCTYPE html><html><body><pre>Cannot POST {request.path}</pre></body></html>"
            return web.Response(status=404, text=page, content_type="text/html")
        if fault == "bad_json":
            return web.Response(text='{"ok": true, "result": ', content_type="application/json")
        if fault == "no_ok":
            return web.json_response({"result": True, "path": request.path})
        if fault == "empty":
            return web.Response(status=502, body=b"")
        if fault == "timeout":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.hold)
        if fault in {"reset", "timeout"}:
            if request.transport is not None:  # after a timeout the client may be gone already
                request.transport.abort()  # the connection drops without an answer
            return web.Response()
        raise ValueError(f"unknown fault {fault!r} for {method}; use one of {FAULTS}")

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_update.clear()
            timeout = min(float(params.get("timeout") or 0), 1.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        return self._updates[:limit]

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": 42, "is_bot": True, "first_name": "csbot", "username": "csbot_fake_bot"}
        if method in {"sendMessage", "editMessageText", "sendPhoto", "sendDocument"}:
            chat_id = int(params.get("chat_id", 0))
            message_id = int(params.get("message_id") or next(self._message_ids))
            return {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": params.get("text", ""),
            }
        return True

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        return {k: v for k, v in form.items() if isinstance(v, str)}

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.Response(status=status, text=json.dumps(body), content_type="application/json")


class BotProcess:
    """The real ``csbot run`` in a process of its own against a FakeBotAPI, started, killed and
    restarted at will; all it writes to stdout and stderr is kept in one file."""

    def __init__(
        self,
        api: FakeBotAPI,
        workdir: Path,
        *,
        config: str = "",
        env: dict[str, str] | None = None,
        database: str | None = None,  # storage.database; default a SQLite file in workdir
        telegram: str = "",  # more lines of the telegram: section, each "  key: value\n"
        args: tuple[str, ...] = (),  # more arguments of `csbot run` (--webhook URL …)
    ) -> None:
        self.api, self.workdir = api, workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.database = database or workdir / "bot.db"
        self.log = workdir / "bot.log"
        self.config = workdir / "config.yaml"
        self.config.write_text(
            f"telegram:\n  api_base: {api.base}\n  throttle_messages: 0\n{telegram}"
            f"storage:\n  database: {self.database}\naccess:\n  open: true\n{config}",
            encoding="utf-8",
        )
        self.env = {**os.environ, "CSBOT_TELEGRAM_TOKEN": api.token, **(env or {})}
        self.args = args
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        root = Path(__file__).resolve().parents[2]
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--config", str(self.config), *self.args,
                cwd=root, env=self.env, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
            )  # fmt: skip

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed."""
        if self.process is not None and self.running:
            self.process.kill()
            await self.process.wait()

    async def stop(self, sig: int = signal.SIGTERM, *, timeout: float = 30) -> int | None:
        """Ask it to stop; returns the exit code, or None if it had to be killed after
        ``timeout`` seconds."""
        if self.process is None:
            return None
        if self.running:
            self.process.send_signal(sig)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            await self.kill()
            return None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
