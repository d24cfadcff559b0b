"""The registry: one module per source, each declaring in one place what the source is.

A module of this package (`sakip.py`, `agencies.py`...) holds a `SOURCE`: the raw tables it
writes and the key a row replaces, the columns of each table's contract (`Field`), the rules its
rows must meet (`Rule`: a name, the column a report names, a vectorised test and the words for a
failure), and what its layout needs beyond a table with a header (a JSON document's shape, the
sheets of a workbook, an interpretation of its own such as the IPP scale). Scales, bands,
components and header aliases come from the seeds (`contracts/reference.py`).

Everything else follows this registry: the manifest's defaults, the raw tables, the Dagster
assets and checks, the contracts. A new index is a row in the seeds and a module here
(`docs/adding-a-source.md`). Nothing here imports pandas or pandera: the Dagster definitions
read the registry when they load.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from contracts import reference

# The reference sources of each regency load first: every other source is checked against them.
REFERENCE_SOURCES = ("agencies", "targets")


@dataclass(frozen=True)
class Field:
    """A column of a contract: its type (`str`, `int`, `float`, `date`), whether a row may leave
    it empty, whether a file may lack it, and the closed range or the values it allows."""

    kind: str
    nullable: bool = False
    required: bool = True
    within: tuple[float, float] | None = None
    at_least: float | None = None
    allowed: tuple | None = None
    missing: str | None = None  # what to say of a row that leaves it empty, if not the default


@dataclass(frozen=True)
class Failure:
    """One row that broke a rule, as its message sees it."""

    row: Any  # the row (a pandas Series), None for a rule of the whole file
    value: Any  # the focus column's value
    pemda_code: str  # the file's region
    masters: Any  # the agency masters in force (contracts.agencies.Masters)
    file_rows: Callable[[], Any]  # the failing file's rows (a frame), computed when asked


@dataclass(frozen=True)
class Rule:
    """A rule every row must meet: `test(frame)` is True where a row passes (vectorised over the
    whole batch; a rule that holds within one file groups by `file_id`). The report names
    `focus`, and says `message(failure)`. A rule of a whole file is said once per file."""

    name: str
    focus: str | None
    test: Callable[[Any], Any]
    message: Callable[[Failure], str]
    whole_file: bool = False


@dataclass(frozen=True)
class Table:
    """A raw table a source writes: its contract's columns, its rules, and the key by which a
    newer row replaces an older one."""

    name: str
    fields: dict[str, Field]
    rules: tuple[Rule, ...] = ()
    replace_key: tuple[str, ...] = ("agency_code", "evaluation_year")
    unique: tuple[str, ...] | None = None
    # What loads but deserves a word: `warning(frame, files)` -> [(file number, Issue)].
    warnings: tuple[Callable[[Any, Any], list], ...] = ()


@dataclass(frozen=True)
class Source:
    """One source: an index, an agency master or a plan's targets."""

    code: str
    description: str
    tables: tuple[Table, ...]  # the first holds a row per key; it carries the contract check
    # The numbers to read with decimal commas (besides an index's score and components).
    numbers: tuple[str, ...] = ()
    # A layout of its own: a JSON document's tables of records (`document(parsed_json)` ->
    # table -> records), or the sheets of a workbook to read (else its first visible sheet).
    document: Callable[[Any], dict[str, list[dict]]] | None = None
    sheets: tuple[str, ...] | None = None
    # An interpretation of its own, once its numbers are read: `conform(columns, options,
    # parsed)`; with `standard_conform` False it replaces the standard one (names, predicates,
    # regions and agencies of a file of scores).
    conform: Callable[[dict[str, list], Any, Any], None] | None = None
    standard_conform: bool = True
    # The regency's office that sends the files: a correction letter is addressed to its head.
    sender: str = "Bagian Organisasi"
    # Whether a regency's file holds a row per agency, or the regency's own row alone.
    per_agency: bool = True

    @property
    def raw_tables(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


@cache
def registry() -> dict[str, Source]:
    """Every source, in load order: the reference sources, then the indices of the seed."""
    found = {}
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            source = importlib.import_module(f"{__name__}.{module.name}").SOURCE
            found[source.code] = source
    indices = list(reference.indices())
    declared = set(found) - set(REFERENCE_SOURCES)
    if declared != set(indices):
        raise RuntimeError(
            f"the indices of dbt_project/seeds/indices.csv ({', '.join(indices)}) and the modules "
            f"of contracts/sources ({', '.join(sorted(declared))}) must be the same: "
            "docs/adding-a-source.md"
        )
    return {code: found[code] for code in (*REFERENCE_SOURCES, *indices)}


def spreadsheet_sources() -> list[str]:
    """The sources people write as spreadsheets (not a portal's JSON): a fill-in template is
    made for each."""
    return [code for code, found in registry().items() if found.document is None]


def source(code: str) -> Source:
    return registry()[code]
