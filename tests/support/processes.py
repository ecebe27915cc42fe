"""Supervised server processes for the test tiers that start real servers (the end-to-end tier,
the production-profile tier): started with their logs on disk and stopped by pid (also when the
tests fail). On Linux with util-linux's setpriv, the kernel also kills them if the test process
itself is killed (parent-death signal); children they start (spark-submit's JVMs) are not
covered by that."""

from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from localcluster.daemons import ProcessDiedError, free_port, log_tail, wait_until

# The waiting helpers are the cluster harness's (localcluster.daemons), here for the test tiers.
__all__ = [
    "ProcessDiedError", "Supervisor", "die_with_parent", "free_port", "listening_addresses", "log_tail",
    "wait_until",
]  # fmt: skip

# Linux's parent-death signal: a server outlives a SIGKILLed pytest otherwise, holding its ports
# and files. util-linux's setpriv sets it just before exec (preexec_fn is unsafe with threads).
_SETPRIV = shutil.which("setpriv")


def die_with_parent(argv: Sequence[str], user: str | None = None) -> list[str]:
    """``argv`` with the parent-death signal set; with ``user`` (needs root and setpriv), run as
    that user and its groups instead (servers such as PostgreSQL refuse to run as root)."""
    if user is not None:
        if _SETPRIV is None:
            raise RuntimeError(f"running as {user} needs util-linux's setpriv, which is not on PATH")
        # setpriv sets the parent-death signal after changing the user (a change of user clears
        # it): such a server still dies with a SIGKILLed test process (checked by hand).
        as_user = ["--reuid", user, "--regid", user, "--init-groups"]
        return [_SETPRIV, *as_user, "--pdeathsig", "KILL", "--", *argv]
    return [_SETPRIV, "--pdeathsig", "KILL", "--", *argv] if _SETPRIV else list(argv)


@dataclass
class Supervisor:
    """Starts named processes, remembers their pids, stops them in reverse order."""

    logs: Path
    started: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    # The signal that asks a process to stop, when it is not SIGTERM (PostgreSQL: SIGQUIT).
    stop_signals: dict[int, signal.Signals] = field(default_factory=dict)

    def start(
        self,
        name: str,
        argv: Sequence[str | os.PathLike[str]],
        env: Mapping[str, str] | None = None,
        *,
        user: str | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
        cwd: Path | None = None,
    ) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            die_with_parent([str(a) for a in argv], user),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
        log.close()
        (self.logs / f"{name}.pid").write_text(f"{process.pid}\n")
        self.started.append((name, process))
        self.stop_signals[process.pid] = stop_signal
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
            _terminate(entry[1], timeout, self.stop_signals.get(entry[1].pid, signal.SIGTERM))
            self.started.remove(entry)

    def stop_all(self, timeout: float = 15.0) -> None:
        while self.started:
            process = self.started.pop()[1]
            _terminate(process, timeout, self.stop_signals.get(process.pid, signal.SIGTERM))


def _terminate(process: subprocess.Popen[bytes], timeout: float, stop_signal: signal.Signals) -> None:
    if process.poll() is not None:
        return
    process.send_signal(stop_signal)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


def listening_addresses(pid: int) -> set[tuple[str, int]]:
    """The (address, port) pairs on which process ``pid`` has a listening TCP socket, from
    /proc (Linux): IPv4-mapped IPv6 addresses are given as IPv4, a wildcard as 0.0.0.0 or ::."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = set()
    for table in ("tcp", "tcp6"):
        lines = Path(f"/proc/{pid}/net/{table}").read_text(encoding="ascii").splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: TCP_LISTEN
                continue
            address_hex, port_hex = local.split(":")
            found.add((_proc_address(address_hex), int(port_hex, 16)))
    return found


def _proc_address(hex_address: str) -> str:
    """An address of /proc/net/tcp{,6}: 32-bit words in host (little-endian) byte order."""
    raw = b"".join(bytes.fromhex(hex_address[i : i + 8])[::-1] for i in range(0, len(hex_address), 8))
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw))
    v6 = ipaddress.IPv6Address(raw)
    return str(v6.ipv4_mapped or v6)
