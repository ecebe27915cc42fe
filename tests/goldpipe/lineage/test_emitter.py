"""Delivery of OpenLineage events through openlineage-python's transports, to a loopback receiver
that is up, answers 500, answers too late or is down, and to a file: the caller never waits and
never sees an error; every event ends counted."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
from collections import Counter
from pathlib import Path

import pytest

from goldpipe.core.errors import ConfigError
from goldpipe.lineage.config import API_KEY_ENV, LineageConfig, lineage_config
from goldpipe.lineage.emitter import LineageEmitter
from goldpipe.lineage.events import Dataset, JobRun, RunFacts, run_events
from tests.support.lineage_receiver import lineage_receiver

START = dt.datetime(2026, 11, 21, 2, 0, 5, tzinfo=dt.UTC)


def events(count_jobs: int = 1) -> list:
    facts = RunFacts(
        key="uid-1",
        created=START,
        parent="schedule.nightly",
        started=START,
        ended=START + dt.timedelta(minutes=20),
        succeeded=True,
        error=None,
        dataset_namespace="file:///lake/warehouse",
        jobs=tuple(
            JobRun(f"job{i}", (Dataset("silver.orders", 1),), Dataset("gold.daily_sales_summary", 2))
            for i in range(count_jobs)
        ),
    )
    return run_events(facts, "goldpipe")


def emitter_for(config: LineageConfig) -> tuple[LineageEmitter, Counter[str]]:
    counts: Counter[str] = Counter()
    emitter = LineageEmitter(count=lambda result: counts.update([result]))
    emitter.configure(config)
    return emitter, counts


def http(url: str, timeout: float = 1.0) -> LineageConfig:
    return LineageConfig(enabled=True, transport="http", url=url, timeout_seconds=timeout)


def returns_at_once(emitter: LineageEmitter, batch: list) -> float:
    started = time.monotonic()
    emitter.emit(batch)
    return time.monotonic() - started


def test_events_reach_the_receiver_with_the_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, "k3y")
    with lineage_receiver("ok") as receiver:
        emitter, counts = emitter_for(http(receiver.url))
        emitter.emit(events(2))
        assert emitter.flush(10)
        assert counts == Counter(sent=4)
        assert [e["eventType"] for e in receiver.events] == ["START", "COMPLETE", "START", "COMPLETE"]
        assert receiver.paths == ["/api/v1/lineage"] * 4
        assert receiver.headers[0]["Authorization"] == "Bearer k3y"


@pytest.mark.parametrize("mode", ["error", "slow", "down"])
def test_a_failing_receiver_costs_the_caller_nothing(mode: str) -> None:
    with lineage_receiver("error" if mode == "error" else "slow") as receiver:
        url = receiver.url
        if mode == "down":
            with socket.socket() as s:  # a port nothing listens on
                s.bind(("127.0.0.1", 0))
                url = f"http://127.0.0.1:{s.getsockname()[1]}"
        emitter, counts = emitter_for(http(url, timeout=0.5))
        batch = events(2)
        assert returns_at_once(emitter, batch) < 0.2
        assert emitter.flush(30)  # the background sender gives up on each event in bounded time
        assert counts == Counter(failed=4)
        assert receiver.events == []
        if mode == "error":
            assert receiver.attempts == 4 * 3  # openlineage-python's retries: 1 + 2 per event


def test_flush_gives_up_after_its_timeout_and_counts_the_rest_dropped() -> None:
    with lineage_receiver("slow") as receiver:
        receiver.slow_seconds = 5
        emitter, counts = emitter_for(http(receiver.url, timeout=4))
        emitter.emit(events(2))
        started = time.monotonic()
        assert emitter.flush(0.5) is False
        assert time.monotonic() - started < 2
        assert counts["dropped"] >= 3


def test_a_full_queue_drops_instead_of_waiting() -> None:
    with lineage_receiver("slow") as receiver:
        counts: Counter[str] = Counter()
        emitter = LineageEmitter(count=lambda result: counts.update([result]), queue_size=2)
        emitter.configure(http(receiver.url, timeout=2))
        assert returns_at_once(emitter, events(4)) < 0.2
        assert counts["dropped"] >= 5  # 8 events, at most 2 queued and 1 in flight


def test_file_transport_appends_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "lineage.jsonl"
    emitter, counts = emitter_for(LineageConfig(enabled=True, transport="file", path=str(path)))
    emitter.emit(events(1))
    assert emitter.flush(10)
    emitter.emit(events(1))
    assert emitter.flush(10)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["eventType"] for e in lines] == ["START", "COMPLETE"] * 2
    assert counts == Counter(sent=4)


def test_off_by_default_sends_nothing() -> None:
    with lineage_receiver("ok") as receiver:
        emitter, counts = emitter_for(lineage_config(None))
        emitter.emit(events(1))
        emitter.configure(LineageConfig(enabled=False, url=receiver.url))
        emitter.emit(events(1))
        assert emitter.flush(1)
        assert counts == Counter() and receiver.attempts == 0


def test_config_needs_a_destination_when_enabled() -> None:
    with pytest.raises(ConfigError, match=r"lineage\.transport\.url"):
        lineage_config({"enabled": True, "transport": {"type": "http"}})
    with pytest.raises(ConfigError, match=r"lineage\.transport\.path"):
        lineage_config({"enabled": True, "transport": {"type": "file"}})
    assert lineage_config({"enabled": False, "transport": {"type": "http"}}).enabled is False
