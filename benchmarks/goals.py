"""The benchmarks' goals (issue 18), in one place: each figure is printed beside its goal.

Every goal is a ceiling on a ratio or a size measured in the same invocation, never a time.
"""

from __future__ import annotations

# figure -> (what it is, the ceiling)
GOALS: dict[str, tuple[str, float]] = {
    "history_ratio": ("(a) one day with 30 days of history vs 1 day, warm", 1.3),
    "cold_large_ratio": ("(b) cold, ~1M events: goldpipe run-local vs DuckDB", 6.0),
    "cold_small_ratio": ("(b) cold, small day (~10k events) vs DuckDB", 6.0),
    "warm_ratio": ("(b) warm, ~1M events: the Spark jobs vs DuckDB in-process", 4.0),
    "cold_5m_ratio": ("scale: cold, ~5M events vs DuckDB", 6.0),
    "driver_5m_gib": ("scale: driver JVM peak RSS at ~5M events, GiB", 4.0),
}


def goal_table(figures: dict[str, float]) -> list[str]:
    """Lines of a table: each measured figure, its goal, and whether it is met."""
    lines = [f"{'figure':<62} {'measured':>9} {'goal':>7}  met"]
    for key, value in figures.items():
        what, ceiling = GOALS[key]
        lines.append(
            f"{what:<62} {value:>9.2f} {'<= ' + format(ceiling, 'g'):>7}  {'yes' if value <= ceiling else 'NO'}"
        )
    return lines


def print_goal_table(figures: dict[str, float]) -> None:
    for line in goal_table(figures):
        print(line, flush=True)
