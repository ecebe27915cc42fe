"""Numpy columns -> Arrow tables of the contract's schemas: ids, strings, money, timestamps."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from goldpipe.core import contract as ct
from goldpipe.lakehouse.schema import arrow_schema
from goldpipe.seed.constants import (
    BRANDS,
    CATEGORIES,
    COUNTRIES,
    NOUNS,
    NULL,
    Arr,
    Cols,
)


def contract_table(contract: ct.TableContract, **columns: pa.Array) -> pa.Table:
    schema = arrow_schema(contract)
    return pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)


def large_strings(values: Sequence[str]) -> pa.Array:
    return pa.array(values, pa.large_string())


def string_column(codes: Arr, dictionary: pa.Array) -> pa.Array:
    return dictionary.take(pa.array(codes, mask=codes < 0))


def _join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    """Element-wise concatenation; a null part makes the result null."""
    args = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else p for p in (*parts, sep)]
    return pc.binary_join_element_wise(*args)


def id_column(prefix: str, nums: Arr, width: int) -> pa.Array:
    """``prefix`` + zero-padded number; a negative number is null."""
    digits = pc.utf8_lpad(pc.cast(pa.array(nums, mask=nums < 0), pa.large_string()), width, padding="0")
    return _join(prefix, digits)


def int_column(values: Arr) -> pa.Array:
    null = values == NULL
    return pa.array(np.where(null, 0, values).astype(np.int32), mask=null)


def ts_column(micros: Arr) -> pa.Array:
    null = micros == NULL
    return pa.array(np.where(null, 0, micros), pa.timestamp("us", tz="UTC"), mask=null)


def money_column(cents: Arr) -> pa.Array:
    """Exact ``decimal(12,2)`` from integer cents: the 128-bit little-endian unscaled value."""
    valid = cents != NULL
    low = np.where(valid, cents, 0).astype(np.int64)
    words = np.column_stack([low, low >> 63])
    validity = None if valid.all() else pa.array(valid).buffers()[1]
    return pa.Array.from_buffers(
        pa.decimal128(12, 2), low.size, [validity, pa.py_buffer(np.ascontiguousarray(words))]
    )


def customers_table(cols: Cols, prefix: str, width: int) -> pa.Table:
    ids = id_column(prefix, cols["num"], width)
    email = _join(pc.utf8_lower(ids), "@example.com")
    email = pc.if_else(pa.array(cols["has_email"] == 1), email, pa.scalar(None, pa.large_string()))
    return contract_table(
        ct.CUSTOMERS,
        customer_id=ids,
        email=email,
        country=string_column(cols["country"], large_strings(COUNTRIES)),
        segment=string_column(cols["segment"], large_strings(ct.SEGMENTS)),
        signup_ts=ts_column(cols["signup"]),
        ingested_at=ts_column(cols["ingested_at"]),
    )


def products_table(cols: Cols) -> pa.Table:
    brand = string_column(cols["brand"], large_strings(BRANDS))
    nouns = large_strings([noun for group in NOUNS for noun in group])
    model = pc.cast(pa.array(cols["model"]), pa.large_string())
    name = _join(pc.fill_null(brand, "Generic"), string_column(cols["noun"], nouns), model, sep=" ")
    return contract_table(
        ct.PRODUCTS,
        product_id=id_column("P", cols["num"], 6),
        name=name,
        category=string_column(cols["category"], large_strings(CATEGORIES)),
        brand=brand,
        list_price=money_column(cols["price"]),
        ingested_at=ts_column(cols["ingested_at"]),
    )
