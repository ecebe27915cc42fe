"""The DuckDB reading of the data contract on random silver rows: the contract's invariants hold
for every seed."""

from __future__ import annotations

import random

import pytest

from goldpipe.core import contract as c
from tests.support.contract_rows import D, Row, customer, event, gold, item, order, product, summary

# --- invariants ------------------------------------------------------------------------------


def _random_silver(seed: int) -> dict[str, list[Row]]:
    rng = random.Random(seed)
    statuses: list[str | None] = [*c.ORDER_STATUSES, None, "lost"]
    event_types: list[str | None] = [*c.EVENT_TYPES, None, "click"]
    hours = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)] + ["2024-03-11T00:00:00"]
    orders, items, events = [], [], []
    for n in range(120):
        oid, at = f"o{n}", rng.choice(hours)
        customer_id = rng.choice([None, *(f"c{i}" for i in range(15))])
        for version in range(rng.randint(1, 3)):
            orders.append(order(oid, customer_id, rng.choice(statuses), at=at, version=version))
        for line in range(rng.randint(0, 4)):
            quantity = rng.choice([None, -1, 0, 1, 2, 3, 7])
            price = rng.choice([None, "-1.00", "0.00", "0.99", "12.34", "250.00"])
            discount = rng.choice([None, "-0.50", "0.00", "0.10", "5.00", "1000.00"])
            pid = rng.choice([None, *(f"p{i}" for i in range(12))])
            for version in range(rng.randint(1, 2)):
                items.append(
                    item(
                        oid,
                        line,
                        pid,
                        quantity=quantity,
                        price=price,
                        discount=discount,
                        at=at,
                        version=version,
                    )
                )
    for n in range(300):
        pid = rng.choice([None, *(f"p{i}" for i in range(14))])
        cid = rng.choice([None, *(f"c{i}" for i in range(18))])
        events.append(
            event(
                f"e{n}",
                rng.choice(event_types),
                customer_id=cid,
                product_id=pid,
                session_id=rng.choice(["s1", "s2", None]),
                at=rng.choice(hours),
            )
        )
    customers = [
        customer(f"c{i}", signup=rng.choice(["10:00", "2023-05-05T00:00:00", None])) for i in range(12)
    ]
    products = [product(f"p{i}", rng.choice(["books", "games", None])) for i in range(10)]
    return {"orders": orders, "items": items, "events": events, "customers": customers, "products": products}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_contract_invariants(seed: int) -> None:
    silver = _random_silver(seed)
    result = gold(
        orders=silver["orders"],
        items=silver["items"],
        events=silver["events"],
        customers=silver["customers"],
        products=silver["products"],
    )
    s = summary(result)
    customers, products = result["daily_customer_analytics"], result["product_performance_analytics"]
    assert sum(p["units_sold"] for p in products) == s["units_sold"]
    assert sum(p["net_revenue"] for p in products) == s["net_revenue"]
    assert sum(r["net_revenue"] for r in customers) == s["net_revenue"]
    assert sum(r["units"] for r in customers) == s["units_sold"]
    assert sum(r["orders"] for r in customers) == s["orders"]
    assert s["gross_revenue"] - s["discount_total"] == s["net_revenue"]
    assert s["orders"] > 0 and s["units_sold"] > 0 and result["rejected_rows"]  # the data exercises them
    for name, rows in result.items():
        key = c.GOLD_TABLES[name].key
        keys = [tuple(r[k] for k in key) for r in rows]
        assert len(set(keys)) == len(keys)
        assert all(v is not None for k in keys for v in k)
        for col in c.GOLD_TABLES[name].columns:
            if col.type in ("long", "decimal(18,2)", "int"):
                assert all(r[col.name] is None or r[col.name] >= 0 for r in rows), (name, col.name)
    assert sorted(p["revenue_rank"] for p in products) == list(range(1, len(products) + 1))
    assert all(r["rejected_count"] > 0 for r in result["rejected_rows"])
    assert all(r["first_activity_ts"] <= r["last_activity_ts"] for r in customers)
    assert all(r["event_date"] == D for rows in result.values() for r in rows)
