"""The pure decisions of table maintenance: which branches go, which procedures run with what."""

from __future__ import annotations

import datetime as dt

import pytest

from goldpipe.core.maintenance import (
    EXPIRE_SNAPSHOTS,
    REMOVE_ORPHAN_FILES,
    REWRITE_DATA_FILES,
    REWRITE_MANIFESTS,
    MaintenancePolicy,
    Ref,
    dated_refs,
    drop_branch_sql,
    procedures,
    stale_branch_properties,
    stale_failed_branches,
    unset_properties_sql,
)
from goldpipe.core.names import branch_created_property
from spark_apps.maintenance import parse_args

NOW = dt.datetime(2026, 11, 30, 5, 0, tzinfo=dt.UTC)


def _ref(name: str, age: dt.timedelta, kind: str = "BRANCH") -> Ref:
    return Ref(name, kind, NOW - age)


def test_only_audit_branches_older_than_the_retention_are_stale() -> None:
    day = dt.timedelta(days=1)
    refs = [
        _ref("main", 30 * day),
        _ref("goldpipe-run-old", 30 * day, "TAG"),
        _ref("audit_old_tag", 30 * day, "TAG"),  # a tag, even if so named, is not a branch
        _ref("someone_elses", 30 * day),
        _ref("audit_failed_b", 8 * day),
        _ref("audit_failed_a", 7 * day + dt.timedelta(seconds=1)),
        _ref("audit_at_the_limit", 7 * day),
        _ref("audit_young", 6 * day),
    ]
    assert stale_failed_branches(refs, NOW, 7) == ("audit_failed_a", "audit_failed_b")
    assert stale_failed_branches(refs, NOW, 1) == (
        "audit_at_the_limit",
        "audit_failed_a",
        "audit_failed_b",
        "audit_young",
    )


def test_a_branch_just_cut_from_a_main_8_days_old_is_not_stale() -> None:
    """Issue 21, finding 7: a run cuts its branch from main's head; main has not moved for 8 days,
    so the branch's head is 8 days old a minute after the cut. Its cut time decides."""
    day, minute = dt.timedelta(days=1), dt.timedelta(minutes=1)
    main_head = NOW - 8 * day
    refs = [
        Ref("main", "BRANCH", main_head),
        Ref("audit_just_cut", "BRANCH", main_head),  # cut a minute ago, nothing written yet
        Ref("audit_cut_long_ago", "BRANCH", main_head),  # a failed run, cut 8 days ago
        Ref("audit_undated", "BRANCH", main_head),  # cut before goldpipe dated its cuts
        Ref("audit_written_since", "BRANCH", NOW - minute),  # cut 9 days ago, written to a minute ago
    ]
    properties = {
        branch_created_property("audit_just_cut"): (NOW - minute).isoformat(),
        branch_created_property("audit_cut_long_ago"): (NOW - 8 * day).isoformat(),
        branch_created_property("audit_written_since"): (NOW - 9 * day).isoformat(),
        "write.parquet.compression-codec": "zstd",
    }
    dated = dated_refs(refs, properties)
    assert dated[1].created_at == NOW - minute and dated[3].created_at is None
    assert stale_failed_branches(dated, NOW, 7) == ("audit_cut_long_ago", "audit_undated")
    # Without the dates the head alone decides: the finding's bug.
    assert "audit_just_cut" in stale_failed_branches(refs, NOW, 7)


def test_an_unreadable_or_zone_less_cut_time_falls_back_to_the_head() -> None:
    head = NOW - dt.timedelta(days=8)
    refs = [Ref("audit_a", "BRANCH", head), Ref("audit_b", "BRANCH", head)]
    properties = {
        branch_created_property("audit_a"): "yesterday",
        branch_created_property("audit_b"): NOW.replace(tzinfo=None).isoformat(),
    }
    assert [r.created_at for r in dated_refs(refs, properties)] == [None, None]
    assert stale_failed_branches(dated_refs(refs, properties), NOW, 7) == ("audit_a", "audit_b")


def test_cut_times_of_gone_and_dropped_branches_are_removed() -> None:
    refs = [Ref("main", "BRANCH", NOW), Ref("audit_kept", "BRANCH", NOW), Ref("audit_old", "BRANCH", NOW)]
    refs.append(Ref("audit_tagged", "TAG", NOW))  # a tag so named has no cut time to keep
    properties = {
        branch_created_property(name): NOW.isoformat()
        for name in ("audit_kept", "audit_old", "audit_published", "audit_tagged")
    }
    properties["owner"] = "root"
    assert stale_branch_properties(properties, refs, ("audit_old",)) == (
        branch_created_property("audit_old"),
        branch_created_property("audit_published"),
        branch_created_property("audit_tagged"),
    )
    assert unset_properties_sql("lake", "gold.t", ("goldpipe.branch-created.audit_x", "it's")) == (
        "ALTER TABLE lake.gold.t UNSET TBLPROPERTIES IF EXISTS ('goldpipe.branch-created.audit_x', 'it\\'s')"
    )


def test_procedures_in_order_with_arguments_from_the_policy_and_now() -> None:
    policy = MaintenancePolicy(
        snapshot_max_age_days=7,
        retain_last_snapshots=5,
        orphan_file_min_age_days=3,
        compaction=True,
        compaction_min_input_files=4,
        compaction_target_file_size_mb=64,
    )
    calls = procedures("gold.daily_sales_summary", policy, NOW, dry_run=False)
    assert [c.name for c in calls] == [
        REWRITE_DATA_FILES,
        REWRITE_MANIFESTS,
        EXPIRE_SNAPSHOTS,
        REMOVE_ORPHAN_FILES,
    ]
    sql = [c.sql("lake") for c in calls]
    assert sql[0] == (
        "CALL lake.system.rewrite_data_files(table => 'gold.daily_sales_summary', options => "
        "map('min-input-files', '4', 'target-file-size-bytes', '67108864'))"
    )
    assert sql[1] == "CALL lake.system.rewrite_manifests(table => 'gold.daily_sales_summary')"
    assert sql[2] == (
        "CALL lake.system.expire_snapshots(table => 'gold.daily_sales_summary', older_than => "
        "TIMESTAMP '2026-11-23 05:00:00.000000+00:00', retain_last => 5)"
    )
    assert sql[3] == (
        "CALL lake.system.remove_orphan_files(table => 'gold.daily_sales_summary', older_than => "
        "TIMESTAMP '2026-11-27 05:00:00.000000+00:00', dry_run => false, prefix_listing => true)"
    )


def test_switched_off_steps_are_left_out_and_a_dry_run_only_lists_orphans() -> None:
    policy = MaintenancePolicy(remove_orphan_files=False, rewrite_manifests=False, compaction=False)
    assert [c.name for c in procedures("t", policy, NOW, dry_run=False)] == [EXPIRE_SNAPSHOTS]
    assert procedures("t", policy, NOW, dry_run=True) == []
    [dry] = procedures("t", MaintenancePolicy(), NOW, dry_run=True)
    assert dry.name == REMOVE_ORPHAN_FILES and ("dry_run", "true") in dry.args


def test_now_in_another_zone_is_written_in_utc_and_a_naive_now_is_refused() -> None:
    berlin = NOW.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert procedures("t", MaintenancePolicy(), berlin, dry_run=False) == procedures(
        "t", MaintenancePolicy(), NOW, dry_run=False
    )
    with pytest.raises(ValueError, match="no time zone"):
        procedures("t", MaintenancePolicy(), NOW.replace(tzinfo=None), dry_run=False)


def test_quotes_in_names_cannot_leave_the_literal() -> None:
    [call] = procedures(
        "gold.x'); DROP TABLE y; --",
        MaintenancePolicy(rewrite_manifests=False, remove_orphan_files=False),
        NOW,
        dry_run=False,
    )
    assert "table => 'gold.x\\'); DROP TABLE y; --'" in call.sql("lake")
    assert (
        drop_branch_sql("lake", "gold.t", "audit_x")
        == "ALTER TABLE lake.gold.t DROP BRANCH IF EXISTS `audit_x`"
    )


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (MaintenancePolicy(orphan_file_min_age_days=0), "orphan file min age must be at least 1 day"),
        (MaintenancePolicy(retain_last_snapshots=0), "snapshots to retain must be at least 1"),
        (MaintenancePolicy(snapshot_max_age_days=0), "snapshot max age (days) must be at least 1"),
        (MaintenancePolicy(failed_branch_retention_days=8), "failed-branch retention must be at most 7"),
        (MaintenancePolicy(compaction_min_input_files=1), "compaction min input files must be at least 2"),
    ],
)
def test_bad_policies_are_named(policy: MaintenancePolicy, message: str) -> None:
    assert any(message in p for p in policy.problems())


def test_the_defaults_are_fine() -> None:
    assert MaintenancePolicy().problems() == []


def test_the_entrypoint_refuses_a_bad_policy_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse_args(["--orphan-file-min-age-days", "0"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("spark_apps/maintenance.py: error: orphan file min age must be at least 1 day")
    args, policy = parse_args(["--no-rewrite-manifests", "--compaction", "--catalog", "prod"])
    assert args.catalog == "prod" and not policy.rewrite_manifests and policy.compaction
