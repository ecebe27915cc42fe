"""The cluster's processes: started detached (they outlive `python -m localcluster up`), with
their output in ``logs/<name>.log`` and their pid in ``run/<name>.pid``, and stopped by that pid.

A pid file also records the process's start time (from /proc), so ``stop`` never signals a
process that merely got a recycled pid. With ``die_with_parent`` (the test tiers) the kernel
also kills a process when the one that started it dies (util-linux's setpriv).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
SETPRIV = shutil.which("setpriv")


def _start_time(pid: int) -> str | None:
    """Field 22 of /proc/<pid>/stat (clock ticks since boot), None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    return stat.rsplit(")", 1)[1].split()[19]


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class ProcessDiedError(RuntimeError):
    """A supervised process exited: waiting for it any longer is pointless."""


def free_port(address: str = "127.0.0.1") -> int:
    """A TCP port on ``address`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def wait_until(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    interval: float = 0.5,
    details: Callable[[], str] = lambda: "",
) -> T:
    """Poll ``probe`` until it returns something truthy; fail with ``details()`` on timeout. An
    exception of the probe is retried (and named on timeout), but ProcessDiedError ends it."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = probe()
            if result:
                return result
        except ProcessDiedError:
            raise
        except Exception as exc:
            last_error = exc
        if time.monotonic() > deadline:
            extra = details()
            raise TimeoutError(
                f"{what}: not within {timeout:.0f}s"
                + (f" (last error: {last_error})" if last_error else "")
                + (f"\n{extra}" if extra else "")
            )
        time.sleep(interval)


@dataclass(frozen=True)
class Daemons:
    logs: Path
    run: Path
    die_with_parent: bool = False

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def start(
        self, name: str, argv: Sequence[str | os.PathLike[str]], env: Mapping[str, str] | None = None
    ) -> int:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.run.mkdir(parents=True, exist_ok=True)
        command = [str(a) for a in argv]
        if self.die_with_parent and SETPRIV:
            command = [SETPRIV, "--pdeathsig", "KILL", "--", *command]
        with self.log(name).open("ab") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(env) if env is not None else None,
                # Its own session: a Ctrl-C of `make cluster` does not reach it.
                start_new_session=not self.die_with_parent,
            )
        (self.run / f"{name}.pid").write_text(f"{process.pid} {_start_time(process.pid)}\n")
        return process.pid

    def pid(self, name: str) -> int | None:
        """The pid of ``name`` while it runs (None: never started, or gone)."""
        try:
            pid_text, started = (self.run / f"{name}.pid").read_text().split()
        except (OSError, ValueError):
            return None
        pid = int(pid_text)
        if _start_time(pid) != started or Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return None
        return pid

    def alive(self, name: str) -> bool:
        """True while ``name`` runs; ProcessDiedError (with the end of its log) once it exited."""
        if self.pid(name) is None:
            raise ProcessDiedError(f"{name} exited:\n{log_tail(self.log(name))}")
        return True

    def stop(self, name: str, timeout: float = 20.0, stop_signal: int = signal.SIGTERM) -> None:
        """Ask ``name`` to stop, kill it after ``timeout``; forget its pid file."""
        pid = self.pid(name)
        if pid is not None:
            _signal(pid, stop_signal)
            deadline = time.monotonic() + timeout
            while self.pid(name) is not None and time.monotonic() < deadline:
                _reap(pid)
                time.sleep(0.2)
            if self.pid(name) is not None:
                _signal(pid, signal.SIGKILL)
                while self.pid(name) is not None:
                    _reap(pid)
                    time.sleep(0.1)
        (self.run / f"{name}.pid").unlink(missing_ok=True)

    def names(self) -> list[str]:
        """Every daemon with a pid file, oldest first."""
        files = sorted(self.run.glob("*.pid"), key=lambda p: p.stat().st_mtime) if self.run.is_dir() else []
        return [f.stem for f in files]


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _reap(pid: int) -> None:
    """Collect the exit status of a child of this process (a test session's daemons are)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
