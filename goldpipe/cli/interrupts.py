"""Ctrl-C in the CLI's local Spark commands (``run-local``, ``maintain``): one line, exit 130.

PySpark's own SIGINT handler cancels the jobs with a py4j call made from inside the handler. The
main thread is almost always in a py4j call itself, which that call re-enters: the gateway's
connection breaks, and three chained py4j tracebacks follow. The handler here makes no py4j call:
it kills the driver JVM, whose pending calls then fail at once, and their failures are taken for
the interrupt they are. Killing is safe for the data: every change Spark makes is an Iceberg
commit, atomic in the catalog, and a run commits to its own branch only.

While a run is audited and published (pyiceberg commits to ``main``, one table after another),
Ctrl-C is held back until it is done: a run is never half published.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

EXIT_CODE = 130


class Interrupted(Exception):  # noqa: N818 - what the user did, not a fault
    """Ctrl-C ended the command; the message says in what state it left the data."""


def _child_processes() -> list[int]:
    """This process's children (Linux: /proc): while PySpark launches the JVM, nothing else holds
    its process (``spark-submit``, which becomes the JVM)."""
    me = str(os.getpid())
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            if stat.read_text().rsplit(")", 1)[1].split()[1] == me:  # the field after the name: ppid
                children.append(int(stat.parent.name))
    return children


def _spark_jvm() -> subprocess.Popen[bytes] | None:
    """The driver JVM PySpark launched in this process, once it is known (None before)."""
    try:
        from pyspark import SparkContext
    except ImportError:
        return None
    return getattr(SparkContext._gateway, "proc", None)


class SparkInterrupts:
    """Ctrl-C while Spark works: see the module docstring. ``started(spark)`` after the session
    is up, because PySpark installs its own handler while it starts one."""

    def __init__(self, ignored: bool) -> None:
        self.requested = False
        # Started with SIGINT ignored (a background job of a shell): it stays ignored.
        self.handler = signal.SIG_IGN if ignored else self._handle
        self._jvm: subprocess.Popen[bytes] | None = None

    def started(self, spark: Any) -> Any:
        self._jvm = spark.sparkContext._gateway.proc
        signal.signal(signal.SIGINT, self.handler)
        return spark

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        self.requested = True
        if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
            # py4j logs every call the dead JVM breaks, with its traceback, to the root logger.
            logging.disable(logging.CRITICAL)
        jvm = self._jvm or _spark_jvm()
        if jvm is not None:
            jvm.kill()
            return
        # PySpark is launching it, and waits for it to start or to exit: it exits.
        starting = _child_processes()
        if not starting:
            raise KeyboardInterrupt  # nothing launched yet (or no /proc): Python's own stop
        for pid in starting:
            os.kill(pid, signal.SIGKILL)

    def stop_jvm(self) -> None:
        jvm = self._jvm or _spark_jvm()
        if jvm is not None and jvm.poll() is None:
            jvm.kill()
            jvm.wait(timeout=30)


@contextlib.contextmanager
def _wakeup_record() -> Iterator[Callable[[], bool]]:
    """Whether SIGINT arrived, whichever handler took it (PySpark's, while it starts a session):
    Python writes every signal's number to the wakeup descriptor."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)

    def received() -> bool:
        try:
            return bytes([signal.SIGINT]) in reader.recv(1024)
        except BlockingIOError:
            return False

    try:
        yield received
    finally:
        signal.set_wakeup_fd(previous)
        reader.close()
        writer.close()


@contextlib.contextmanager
def spark_interrupts(stopped: Callable[[], str]) -> Iterator[SparkInterrupts]:
    """Ctrl-C inside: the JVM is killed, ``stopped()`` tidies up (with Ctrl-C ignored) and says in
    what state the data is, and ``Interrupted`` carries that line out."""
    guard = SparkInterrupts(ignored=signal.getsignal(signal.SIGINT) == signal.SIG_IGN)
    previous = signal.signal(signal.SIGINT, guard.handler)
    try:
        with _wakeup_record() as received:
            try:
                yield guard
            except BaseException as exc:
                if not (guard.requested or isinstance(exc, KeyboardInterrupt) or received()):
                    raise
                interrupted = True
            else:
                interrupted = guard.requested or received()
        if interrupted:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the tidying up is short and must finish
            guard.stop_jvm()
            raise Interrupted(stopped()) from None
    finally:
        signal.signal(signal.SIGINT, previous)
        logging.disable(logging.NOTSET)


class HeldInterrupt:
    """Ctrl-C held back until the block is done (``requested`` says whether one came)."""

    def __init__(self, what: str) -> None:
        self.requested = False
        self._what = what

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        if not self.requested:
            # os.write, not print: a print here could re-enter one the main thread is in.
            os.write(2, f"interrupt: {self._what} finishes first\n".encode())
        self.requested = True


@contextlib.contextmanager
def held_interrupt(what: str) -> Iterator[HeldInterrupt]:
    held = HeldInterrupt(what)
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN if ignored else held._handle)
    try:
        yield held
    finally:
        signal.signal(signal.SIGINT, previous)
