"""Random streams and draws over numpy columns, and the rows' versions and redeliveries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from enum import IntEnum
from typing import TypeVar

import numpy as np

from goldpipe.seed.constants import DAY, EPOCH, HOUR, HOUR_WEIGHTS, REDELIVERY_RATE, SECOND, Arr, Cols

_Role = TypeVar("_Role", bound=IntEnum)


def random_stream(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *key])))


def day_start(day: date) -> int:
    return (day - EPOCH).days * DAY


def _take(cols: Cols, idx: Arr) -> Cols:
    return {k: v[idx] for k, v in cols.items()}


def concat(*parts: Cols) -> Cols:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def pick(rng: np.random.Generator, n: int, weights: Sequence[float], null_rate: float = 0.0) -> Arr:
    """Codes drawn with ``weights``; ``-1`` (null) at ``null_rate``."""
    p = np.asarray(weights, dtype=np.float64)
    codes = rng.choice(p.size, size=n, p=p / p.sum()).astype(np.int64)
    if null_rate:
        codes[rng.random(n) < null_rate] = -1
    return codes


def times_of_day(rng: np.random.Generator, start: int, n: int) -> Arr:
    hours = pick(rng, n, HOUR_WEIGHTS)
    return start + hours * HOUR + rng.integers(0, HOUR, n)


def delays(rng: np.random.Generator, n: int, median_s: float, cap: int) -> Arr:
    """Ingestion lag: mostly seconds, a long tail up to ``cap``."""
    lag = rng.lognormal(np.log(median_s * SECOND), 1.5, n)
    return np.minimum(lag, cap).astype(np.int64)


def assign_roles(
    rng: np.random.Generator, eligible: Arr, n: int, rates: Mapping[_Role, float], reserve_clean: int
) -> tuple[Arr, Arr]:
    """A role per row (0 = clean) and the clean rows, in random order.

    Each role lands on at least one eligible row whatever the scale; then ``reserve_clean``
    eligible rows stay clean (the caller forces features on them); the rest draw a role
    at its rate.
    """
    pool = rng.permutation(eligible)
    ids = np.array(list(rates), dtype=np.int64)
    if pool.size < ids.size + reserve_clean:
        raise ValueError(f"{pool.size} rows cannot hold {ids.size} roles and {reserve_clean} clean rows")
    roles = np.zeros(n, dtype=np.int64)
    roles[pool[: ids.size]] = ids
    rest = pool[ids.size + reserve_clean :]
    p = np.array(list(rates.values()), dtype=np.float64)
    drawn = np.concatenate([[0], ids])[rng.choice(ids.size + 1, size=rest.size, p=[1 - p.sum(), *p])]
    roles[rest] = drawn
    clean = np.concatenate([pool[ids.size : ids.size + reserve_clean], rest[drawn == 0]])
    return roles, clean


def add_versions(final: Cols, n_prev: Arr, ing0: Arr, gap: Arr) -> tuple[Cols, Cols, Arr]:
    """Current rows plus ``n_prev[i]`` earlier copies of row i, each ingested ``gap[i]`` apart.

    Returns (current, earlier, source row of each earlier copy); the caller edits the
    earlier copies' content.
    """
    src = np.repeat(np.arange(n_prev.size), n_prev)
    first = np.cumsum(n_prev) - n_prev
    version = np.arange(src.size) - first[src]
    prev = _take(final, src)
    prev["ingested_at"] = ing0[src] + version * gap[src]
    prev["_gap"] = gap[src]
    cur = dict(final)
    cur["ingested_at"] = ing0 + n_prev * gap
    cur["_gap"] = gap
    return cur, prev, src


def redeliver(rng: np.random.Generator, rows: Cols, forced: Arr) -> Cols:
    """Append exact copies of some rows, in arrival order.

    A copy arrives less than half its key's version gap after the original, so it never
    ties with or overtakes the next version.
    """
    mask = rng.random(rows["ingested_at"].size) < REDELIVERY_RATE
    mask[forced] = True
    dup = _take(rows, np.flatnonzero(mask))
    dup["ingested_at"] = dup["ingested_at"] + rng.integers(1, np.maximum(dup["_gap"] // 2, 2))
    out = concat(rows, dup)
    return _take(out, np.argsort(out["ingested_at"], kind="stable"))
