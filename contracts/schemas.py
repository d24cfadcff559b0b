"""The pandera contract of each raw table, built from the registry (`contracts/sources/`).

Each `Field` of a table becomes a typed column with its range or its allowed values; each `Rule`
a check of the whole frame under the rule's name. A contract checks many files at once: each row
carries `file_id` and its file's region (`file_pemda_code`), and a rule that holds within one file
(one row per agency and year, the regency's own row in its master, 47 SPBE indicators...) groups
by `file_id`. One call for a whole source costs what one call for one file does; a file is still
accepted or refused on its own.
"""

from __future__ import annotations

from functools import cache

import pandera.pandas as pa

from contracts.sources import Field, Table, registry

# Which file each row comes from, and its region: checked, never loaded.
FILE_COLUMNS = {
    "file_id": pa.Column(int),
    "file_pemda_code": pa.Column(str),
}
_DTYPES = {"str": str, "int": int, "float": float, "date": "datetime64[ns]"}


def _column(field: Field) -> pa.Column:
    checks = []
    if field.within is not None:
        checks.append(pa.Check.in_range(*field.within))
    if field.at_least is not None:
        checks.append(pa.Check.ge(field.at_least))
    if field.allowed is not None:
        checks.append(pa.Check.isin(list(field.allowed)))
    return pa.Column(_DTYPES[field.kind], checks, nullable=field.nullable, required=field.required)


def table_of(name: str) -> Table:
    """The registry's declaration of a raw table."""
    return next(t for s in registry().values() for t in s.tables if t.name == name)


@cache
def table_schema(name: str) -> pa.DataFrameSchema:
    """The contract of one raw table."""
    table = table_of(name)
    return pa.DataFrameSchema(
        FILE_COLUMNS | {column: _column(f) for column, f in table.fields.items()},
        checks=[pa.Check(rule.test, name=rule.name) for rule in table.rules],
        unique=list(table.unique) if table.unique else None,
        strict=True,
        coerce=True,
    )
