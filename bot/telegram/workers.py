"""``csbot run --webhook URL --workers N``: one bot served by N processes on one port.

Each worker is a ``csbot run --webhook URL`` of its own with CSBOT_WORKER=1…N: they listen on
telegram.webhook_listen together (SO_REUSEPORT, the kernel spreads the connections), share the
database and Redis, and only worker 1 sets the webhook and the menus. A worker that dies is
started again under its number, so it takes back the updates it had claimed. SIGTERM/SIGINT
stop them all gracefully.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.telegram.app import WORKER_ENV

log = logging.getLogger(__name__)

RESTART_DELAY = 1.0  # seconds before a worker that died is started again
STOP_SECONDS = 15.0  # a worker gets this long to stop before it is killed


def worker_command(url: str, config: Path | None) -> list[str]:
    command = [sys.executable, "-m", "bot", "run", "--webhook", url]
    if config is not None:
        command += ["--config", str(config)]
    return command


def serve_workers(url: str, count: int, *, config: Path | None = None) -> int:
    """Run ``count`` workers until a signal; returns the exit code."""
    command = worker_command(url, config)
    workers: dict[int, subprocess.Popen[bytes]] = {}
    stopping = False

    def start(number: int) -> None:
        env = {**os.environ, WORKER_ENV: str(number)}
        workers[number] = subprocess.Popen(command, env=env)
        log.info("第 %d 个工作进程已启动（pid %d）", number, workers[number].pid)

    def on_signal(sig: int, _frame: object) -> None:
        nonlocal stopping
        if stopping:  # a second signal: no more waiting
            for process in workers.values():
                if process.poll() is None:
                    process.kill()
            return
        stopping = True
        log.info("收到 %s，正在停止 %d 个工作进程", signal.Signals(sig).name, len(workers))
        for process in workers.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for number in range(1, count + 1):
        start(number)
    died: dict[int, float] = {}
    while not stopping:
        time.sleep(0.2)
        for number, process in list(workers.items()):
            code = process.poll()
            if code is None or stopping:
                continue
            if code == 1 and number not in died and _all_failed_at_start(workers):
                log.error("工作进程都没能启动（见上面的提示），退出")
                return 1
            if number not in died:
                log.warning("第 %d 个工作进程退出了（代码 %s），%.0f 秒后重启", number, code, 1)
                died[number] = time.monotonic() + RESTART_DELAY
            elif time.monotonic() >= died[number]:
                del died[number]
                start(number)
    deadline = time.monotonic() + STOP_SECONDS
    for process in workers.values():
        try:
            process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    log.info("%d 个工作进程都已停止", len(workers))
    return 0


def _all_failed_at_start(workers: dict[int, subprocess.Popen[bytes]]) -> bool:
    """Every worker ended with 1 (a start-up error: no token, a broken config …)."""
    return all(p.poll() == 1 for p in workers.values())
