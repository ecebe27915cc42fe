"""Small column helpers shared by the transformations."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from goldpipe.core.contract import UNCOUNTED_STATUSES

MONEY = "decimal(18,2)"


def required(name: str) -> Column:
    """``name`` itself, but fail the job loudly if a value is null.

    Gold columns marked required must never hold null; a bug that produced one should stop the
    run with the column's name rather than write a bad row.
    """
    return F.coalesce(F.col(name), F.raise_error(F.lit(f"required gold column {name} is null")))


def money(column: Column) -> Column:
    """Cast to gold money; with ANSI mode an overflow raises instead of turning into null."""
    return column.cast(MONEY)


def count_where(condition: Column) -> Column:
    return F.count(F.when(condition, F.lit(1)))


def counted(status: Column) -> Column:
    """Whether an order of ``status`` is a counted order (the contract's glossary): a sale."""
    return ~status.isin(*UNCOUNTED_STATUSES)
