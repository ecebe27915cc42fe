"""A table's maintenance report: the JSON the job records in a table property and the controller reads."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from goldpipe.core.maintenance import set_property_sql
from goldpipe.core.maintenance_report import COUNTS, REPORT_PROPERTY, MaintenanceRecord, parse_record

RECORD = MaintenanceRecord(
    run_id="goldpipe-maintenance-1764565200000000000-1a2b3c4d",
    table="gold.daily_sales_summary",
    finished_at=dt.datetime(2026, 12, 1, 5, 3, tzinfo=dt.UTC),
    expired_snapshots=3,
    deleted_data_files=2,
    deleted_orphan_files=1,
    rewritten_manifests=4,
    compacted_data_files=0,
    dropped_branches=1,
)


def test_a_record_reads_back_as_written() -> None:
    assert parse_record(RECORD.to_json()) == RECORD
    assert COUNTS == (
        "expired_snapshots", "deleted_data_files", "deleted_orphan_files", "rewritten_manifests",
        "compacted_data_files", "dropped_branches",
    )  # fmt: skip
    assert RECORD.counts()["expired_snapshots"] == 3


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "not json",
        "[]",
        '{"run_id": "r", "table": "gold.t"}',  # no finished_at
        '{"run_id": "r", "table": "gold.t", "finished_at": "2026-12-01T05:03:00"}',  # no zone
        '{"run_id": "r", "table": "gold.t", "finished_at": "2026-12-01T05:03:00+00:00", "dropped_branches": -1}',
        '{"run_id": "r", "table": "gold.t", "finished_at": "2026-12-01T05:03:00+00:00", "expired_snapshots": "3"}',
    ],
)
def test_an_unreadable_record_is_none_not_an_error(text: str | None) -> None:
    assert parse_record(text) is None


def test_a_count_missing_from_an_older_record_reads_as_zero() -> None:
    older = '{"run_id": "r", "table": "gold.t", "finished_at": "2026-12-01T05:03:00+00:00"}'
    record = parse_record(older)
    assert record is not None and set(record.counts().values()) == {0}


def test_five_tables_fit_in_one_event_message() -> None:
    """Four gold tables and the audit's record; an Event message is cut at 1024 characters."""
    widest = dataclasses.replace(
        RECORD, table="gold.product_performance_analytics", **dict.fromkeys(COUNTS, 99999)
    )
    assert len("maintenance completed: " + "; ".join([widest.line()] * 5)) <= 1024


def test_the_property_is_set_in_a_quoted_literal() -> None:
    sql = set_property_sql("lake", "gold.t", REPORT_PROPERTY, '{"a":"it\'s"}')
    assert (
        sql
        == "ALTER TABLE lake.gold.t SET TBLPROPERTIES ('goldpipe.maintenance.last-report' = '{\"a\":\"it\\'s\"}')"
    )
