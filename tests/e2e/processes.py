"""Supervised server processes for the end-to-end tier: started with their logs on disk and
stopped by pid (also when the tests fail). On Linux with util-linux's setpriv, the kernel also
kills them if the test process itself is killed (parent-death signal); children they start
(spark-submit's JVMs) are not covered by that."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# Linux's parent-death signal: a server outlives a SIGKILLed pytest otherwise, holding its ports
# and files. util-linux's setpriv sets it just before exec (preexec_fn is unsafe with threads).
_SETPRIV = shutil.which("setpriv")


def die_with_parent(argv: Sequence[str]) -> list[str]:
    return [_SETPRIV, "--pdeathsig", "KILL", "--", *argv] if _SETPRIV else list(argv)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class ProcessDiedError(RuntimeError):
    """A supervised process exited: waiting for it any longer is pointless."""


def wait_until(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    interval: float = 0.5,
    details: Callable[[], str] = lambda: "",
) -> T:
    """Poll ``probe`` until it returns something truthy; fail with ``details()`` on timeout."""
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


@dataclass
class Supervisor:
    """Starts named processes, remembers their pids, stops them in reverse order."""

    logs: Path
    started: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(
        self, name: str, argv: Sequence[str | os.PathLike[str]], env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            die_with_parent([str(a) for a in argv]),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
        )
        log.close()
        (self.logs / f"{name}.pid").write_text(f"{process.pid}\n")
        self.started.append((name, process))
        return process

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def alive(self, name: str) -> bool:
        """True while ``name`` runs; ``ProcessDiedError`` (which ``wait_until`` does not swallow)
        with the end of its log once it exited."""
        for started_name, process in self.started:
            if started_name == name and process.poll() is not None:
                raise ProcessDiedError(
                    f"{name} exited with {process.returncode}:\n{log_tail(self.log(name))}"
                )
        return True

    def stop(self, name: str, timeout: float = 15.0) -> None:
        for entry in [e for e in self.started if e[0] == name]:
            _terminate(entry[1], timeout)
            self.started.remove(entry)

    def stop_all(self, timeout: float = 15.0) -> None:
        while self.started:
            _terminate(self.started.pop()[1], timeout)


def _terminate(process: subprocess.Popen[bytes], timeout: float) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)
