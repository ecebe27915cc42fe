"""The contract's tables as pyiceberg schemas, partition specs and Arrow schemas."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from goldpipe.core.contract import TableContract

if TYPE_CHECKING:
    import pyarrow as pa
    from pyiceberg.catalog import Catalog
    from pyiceberg.partitioning import PartitionSpec
    from pyiceberg.schema import Schema
    from pyiceberg.table import Table
    from pyiceberg.types import IcebergType

_DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")


def iceberg_type(name: str) -> IcebergType:
    from pyiceberg import types as t

    simple: dict[str, IcebergType] = {
        "string": t.StringType(),
        "int": t.IntegerType(),
        "long": t.LongType(),
        "double": t.DoubleType(),
        "boolean": t.BooleanType(),
        "date": t.DateType(),
        "timestamptz": t.TimestamptzType(),
    }
    if name in simple:
        return simple[name]
    m = _DECIMAL.match(name)
    if m:
        return t.DecimalType(int(m.group(1)), int(m.group(2)))
    raise ValueError(f"unsupported contract type {name!r}")


def contract_type_of(itype: IcebergType) -> str:
    """The contract's name for an Iceberg type (inverse of ``iceberg_type``), or its own string."""
    from pyiceberg import types as t

    names = {
        t.StringType: "string",
        t.IntegerType: "int",
        t.LongType: "long",
        t.DoubleType: "double",
        t.BooleanType: "boolean",
        t.DateType: "date",
        t.TimestamptzType: "timestamptz",
    }
    for cls, name in names.items():
        if isinstance(itype, cls):
            return name
    if isinstance(itype, t.DecimalType):
        return f"decimal({itype.precision},{itype.scale})"
    return str(itype)


def iceberg_schema(contract: TableContract) -> Schema:
    from pyiceberg.schema import Schema
    from pyiceberg.types import NestedField

    fields = [
        NestedField(i, c.name, iceberg_type(c.type), required=c.required)
        for i, c in enumerate(contract.columns, start=1)
    ]
    return Schema(*fields)


def partition_spec(contract: TableContract, schema: Schema) -> PartitionSpec:
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.transforms import DayTransform, IdentityTransform

    fields = []
    for i, (column, transform) in enumerate(contract.partitioning):
        source_id = schema.find_field(column).field_id
        if transform == "day":
            fields.append(PartitionField(source_id, 1000 + i, DayTransform(), f"{column}_day"))
        elif transform == "identity":
            fields.append(PartitionField(source_id, 1000 + i, IdentityTransform(), column))
        else:
            raise ValueError(f"unsupported transform {transform!r}")
    return PartitionSpec(*fields)


def arrow_schema(contract: TableContract) -> pa.Schema:
    return iceberg_schema(contract).as_arrow()


def create_table(
    catalog: Catalog, contract: TableContract, properties: dict[str, str] | None = None
) -> Table:
    """Create ``contract``'s table (format v2) with its partition spec; the namespace too."""
    catalog.create_namespace_if_not_exists(contract.namespace)
    schema = iceberg_schema(contract)
    return catalog.create_table(
        contract.identifier,
        schema=schema,
        partition_spec=partition_spec(contract, schema),
        properties={"format-version": "2", **(properties or {})},
    )
