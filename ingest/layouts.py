"""Turn what a reader found into canonical columns: one table per raw table, one row per source row.

Everything that needs interpreting happens here, before validation: header aliases, the evaluation
year, decimal commas, predicates as written, the region and agency each row names, the IPP scale.
What cannot be interpreted becomes an Issue naming the cell; the pandera contract then checks the
result. Besides the six indices there are two reference sources per regency: its agency master
and its targets.

A file's table is plain columns (`Columns`: canonical name -> its cells, row by row), not a data
frame: a source's thousands of small files become one frame per raw table only when they are
checked together (`contracts/validate.py`), so a file costs its cells, not a frame's overhead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path

from contracts import reference
from contracts.agencies import Masters
from contracts.bands import normalize_predicate
from contracts.failures import Issue, SourceFileError
from contracts.messages import said
from contracts.sources import Source, registry
from contracts.text import fold
from ingest import readers, workbooks
from ingest.numbers import parse_number
from ingest.options import Options, raw_tables

_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_TITLE_YEAR = re.compile(r"tahun\s+(20\d{2})(?!\d)", re.IGNORECASE)
_NON_NUMERIC = {
    "agency_name", "predicate", "local_code", "note", "pemda_code", "announced_on",
    "indicator_name", "domain_code",
}  # fmt: skip
_TEXT = ("agency_name", "local_code", "note", "pemda_code", "plan_document")
_KAB = re.compile(r"\bkab\b")
# Where a file states its evaluation year, as a message names it.
_PLACES = {
    "title": said("the title block"),
    "file_name": said("the file name"),
    "year_column": said("the year column"),
    "records": said("the records"),
}

Columns = dict[str, list]


@dataclass
class Parsed:
    """A source file read into canonical tables (raw table name -> columns) plus what could not
    be read, and each canonical column's header as the file writes it."""

    index_code: str
    frames: dict[str, Columns]
    issues: list[Issue] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def years(self) -> tuple[int, int] | None:
        """The first and last evaluation year of its rows; known for a refused file too, to tell
        which later file corrects it."""
        columns = self.frames.get(raw_tables(self.index_code)[0], {})
        years = [y for y in columns.get("evaluation_year", []) if isinstance(y, int)]
        return (min(years), max(years)) if years else None


def rows_of(columns: Columns) -> int:
    return len(next(iter(columns.values()), []))


def parse_file(
    source_code: str, path: Path, options: Options, masters: Masters, name: str | None = None
) -> Parsed:
    """Read and conform one source file; raises SourceFileError for a file that cannot be read.

    `name` is the file's original name when `path` is its landed copy (the year may be in it).
    `masters` resolves agency names to codes in each row's regency.
    """
    if source_code not in registry():
        raise SourceFileError(
            "unknown_source", said("no layout for source '{source}'", source=source_code)
        )
    source = registry()[source_code]
    if reference.region_name(options.pemda_code) is None:
        raise SourceFileError(
            "unknown_region",
            said(
                "'{region}' is not a region of the Kemendagri list (dbt_project/seeds/regions.csv)",
                region=options.pemda_code,
            ),
        )
    readers.refuse_oversized(path, options.limits)
    name = name or path.name
    parsed = Parsed(source_code, {})
    if source.document is not None:
        tables = source.document(readers.read_json(path, options.limits))
        main, *more = source.raw_tables
        parsed.frames = {t: _records_columns(source_code, tables[t], parsed, name) for t in tables}
        _conform(source, parsed.frames[main], options, masters, parsed)
        for table in more:  # one document, one row of the main table: its agency and year
            if parsed.frames.get(table):
                rows = len(parsed.frames[table]["source_row"])
                for column in ("evaluation_year", "agency_code"):
                    parsed.frames[table][column] = [parsed.frames[main][column][0]] * rows
        parsed.frames = {t: c for t, c in parsed.frames.items() if rows_of(c)}
        return parsed
    known = set(reference.column_aliases(source_code))
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        if source.sheets:
            sheets = list(source.sheets)
            tables = workbooks.read_xlsx(path, sheets, known, options.limits, require_all=False)
        else:
            sheets = [options.sheet] if options.sheet else None
            tables = workbooks.read_xlsx(path, sheets, known, options.limits)
    elif suffix in {".csv", ".txt"}:
        tables = [readers.read_csv(path, known)]
    else:
        raise SourceFileError(
            "unsupported_format",
            said("'{suffix}' files are not read for {source}", suffix=suffix, source=source_code),
        )
    dated = "evaluation_year" in source.tables[0].fields
    columns = _stacked(
        [_tabular_columns(source_code, t, name, options, parsed, dated) for t in tables]
    )
    if not rows_of(columns):
        raise SourceFileError("empty_file", said("the table has a header but no data rows"))
    _conform(source, columns, options, masters, parsed)
    parsed.frames[source.raw_tables[0]] = columns
    return parsed


def _conform(
    source: Source, columns: Columns, options: Options, masters: Masters, parsed: Parsed
) -> None:
    """The standard reading of a file of scores (numbers, the source's own interpretation, text,
    predicates, regions, agencies), or the source's own alone."""
    if not source.standard_conform:
        source.conform(columns, options, parsed)
        return
    for column in _numeric_columns(source.code) & set(columns):
        columns[column] = cells(columns, column, parsed, parse_number, "number_format")
    if source.conform is not None:
        source.conform(columns, options, parsed)
    for text_column in _TEXT:
        if text_column in columns:
            columns[text_column] = [clean_text(v) for v in columns[text_column]]
    if "predicate" in columns:
        columns["predicate"] = [band_as_written(t, source.code) for t in columns["predicate"]]
    stated = columns.get("pemda_code", [None] * rows_of(columns))
    columns["pemda_code"] = [options.pemda_code if p is None else p for p in stated]
    if "agency_name" in columns:
        columns["agency_code"] = [
            masters.directory(p).resolve(n)
            for p, n in zip(columns["pemda_code"], columns["agency_name"], strict=True)
        ]


def _stacked(tables: list[Columns]) -> Columns:
    """The tables of a file's sheets one below the other; a column one sheet lacks is empty there."""
    if len(tables) == 1:
        return tables[0]
    names = list(dict.fromkeys(name for table in tables for name in table))
    return {
        name: [cell for table in tables for cell in table.get(name, [None] * rows_of(table))]
        for name in names
    }


def _regions_named(text: str) -> list[str]:
    """The regions of the region list a title names (`... KABUPATEN BEKASI`), the longest name
    first at each place so that `Kabupaten Bandung Barat` is not also read as `Kabupaten Bandung`."""
    folded = " " + _KAB.sub("kabupaten", fold(text)) + " "
    pattern, codes = _region_names_pattern()
    return [codes[match.group()] for match in pattern.finditer(folded)]


@cache
def _region_names_pattern() -> tuple[re.Pattern, dict[str, str]]:
    """One pattern for every region name of the region list (folded), longest first, and the
    code each name stands for."""
    codes = {fold(r.pemda_name): r.pemda_code for r in reference.regions().values()}
    names = sorted(codes, key=len, reverse=True)
    return re.compile(r"(?<= )(?:" + "|".join(map(re.escape, names)) + r")(?= )"), codes


def _refuse_another_regions_title(table: readers.Table, pemda_code: str) -> None:
    from contracts.sources._index import within_region

    for code in _regions_named(table.title):
        if not within_region(code, pemda_code):
            raise SourceFileError(
                "region_disagreement",
                said(
                    "the title names {named} ({code}), but the file belongs to {region} "
                    "({region_name}) by its folder or the manifest",
                    named=reference.region_name(code),
                    code=code,
                    region=pemda_code,
                    region_name=reference.region_name(pemda_code),
                ),
                sheet=table.sheet,
                value=table.title,
            )


def _tabular_columns(
    source_code: str,
    table: readers.Table,
    file_name: str,
    options: Options,
    parsed: Parsed,
    dated: bool,
) -> Columns:
    """A sheet's rows as canonical columns; `dated`: the source's rows have an evaluation year
    (a master holds dates of regulations instead)."""
    _refuse_another_regions_title(table, options.pemda_code)
    aliases = reference.column_aliases(source_code)
    names: list[str] = []
    for position, header in enumerate(table.headers, start=1):
        name = aliases.get(fold(header), header or f"(column {position} without a header)")
        if name in names:
            raise SourceFileError(
                "duplicate_column",
                said("two headers mean '{name}'", name=name),
                sheet=table.sheet,
                row=table.header_row,
                column=header,
            )
        names.append(name)
        parsed.labels.setdefault(name, header)
    columns: Columns = {
        "source_sheet": [table.sheet] * len(table.rows),
        "source_row": [n for n, _ in table.rows],
    }
    for position, name in enumerate(names):
        if name != "no":
            columns[name] = [
                row[position] if position < len(row) else None for _, row in table.rows
            ]
    if dated:
        columns["evaluation_year"] = _evaluation_year(columns, table, file_name, parsed)
    return columns


def _evaluation_year(
    columns: Columns, table: readers.Table, file_name: str, parsed: Parsed
) -> list[int | None]:
    """Year column, else title block, else file name; refuse the file when two of them disagree.
    A year cell that holds anything but a year (a date, a text) is named as such."""
    stated = _years_stated(table.title, file_name)
    _refuse_disagreement(stated, table.sheet)
    single = next(iter(stated.values()), None)
    if "evaluation_year" in columns:
        years = cells(columns, "evaluation_year", parsed, _year, "year_format")
        distinct = sorted({y for y in years if y is not None})
        if distinct:
            if single is not None and distinct != [single]:
                column = {"year_column": ", ".join(map(str, distinct))}
                _refuse_disagreement(stated | column, table.sheet)
            return [single if y is None else y for y in years]
    if single is None:
        _refuse_a_year_column_without_years(columns, parsed)
        raise SourceFileError(
            "year_unknown",
            said(
                "no evaluation year: add a 'Tahun' column, a title such as 'TAHUN 2024', "
                "or the year in the file name"
            ),
            sheet=table.sheet,
        )
    return [single] * len(columns["source_row"])


def _refuse_a_year_column_without_years(columns: Columns, parsed: Parsed) -> None:
    """A year column is there but no cell of it is a year (dates, text): say so, rather than
    send the file's owner looking for a column that is there."""
    unread = [i for i in parsed.issues if i.check == "year_format"]
    if "evaluation_year" in columns and unread:
        first = unread[0]
        raise SourceFileError(
            "year_format",
            said(
                "the column '{column}' holds dates or text, not evaluation years ({cells} "
                "cell(s)): write the year that was evaluated alone (2024), or put it in the "
                "title or the file name",
                column=first.column,
                cells=len(unread),
            ),
            sheet=first.sheet,
            row=first.row,
            column=first.column,
            value=first.value,
        )


def _years_stated(title: str, file_name: str) -> dict[str, int]:
    """The one year a title block or a file name states, where it states exactly one."""
    title_years = set(_TITLE_YEAR.findall(title)) or set(_YEAR.findall(title))
    name_years = set(_YEAR.findall(Path(file_name).stem))
    return {
        where: int(years.pop())
        for where, years in (("title", title_years), ("file_name", name_years))
        if len(years) == 1
    }


def _refuse_disagreement(years: dict[str, object], sheet: str | None) -> None:
    if len({str(y) for y in years.values()}) > 1:
        says = [
            said("{where} says {year}", where=_PLACES[where], year=y) for where, y in years.items()
        ]
        raise SourceFileError(
            "year_disagreement",
            said("the evaluation year is not clear: {years}", years=says),
            sheet=sheet,
        )


def _year(value: object) -> int | None:
    """An evaluation year cell: a whole number such as 2024 (or `2024,0`); None when blank."""
    if isinstance(value, date | datetime) or (
        isinstance(value, str) and re.fullmatch(r"\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}.*", value)
    ):
        raise ValueError(
            said("a date is not an evaluation year: write the year that was evaluated alone (2024)")
        )
    number = parse_number(value)
    if number is None:
        return None
    if number != int(number) or not 1990 <= number <= 2100:
        raise ValueError(
            said("'{value}' is not an evaluation year (a year such as 2024)", value=value)
        )
    return int(number)


def band_as_written(text: object, index_code: str) -> str | None:
    """A predicate or band as written, as its band code where it is one; None when blank."""
    if text is None or str(text).strip() == "":
        return None
    return _band_text(str(text), index_code)


@lru_cache(maxsize=1 << 14)
def _band_text(text: str, index_code: str) -> str:
    """A predicate as written (` bb `, `Pelayanan Prima`) as its band code where it is one."""
    known = index_code in reference.indices()
    return (normalize_predicate(index_code, text) if known else None) or text.strip()


def parse_date(cell: object) -> datetime | None:
    if cell is None or (isinstance(cell, float) and cell != cell) or str(cell).strip() == "":
        return None
    if isinstance(cell, date):
        return datetime(cell.year, cell.month, cell.day)
    try:
        return datetime.strptime(str(cell).strip()[:10], "%Y-%m-%d")
    except ValueError:
        raise ValueError(said("not a date: write it as YYYY-MM-DD")) from None


@cache
def _numeric_columns(source_code: str) -> frozenset[str]:
    """The columns read as numbers: an index's score, components and other numbers of its
    header aliases, and the numbers the source declares."""
    numbers = set(registry()[source_code].numbers)
    if source_code in reference.indices():
        canonical = set(reference.column_aliases(source_code).values())
        canonical |= {c.code for c in reference.components(source_code)}
        numbers |= canonical - _NON_NUMERIC - {"no", "evaluation_year"}
    return frozenset(numbers)


def clean_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return _clean(str(value))


@lru_cache(maxsize=1 << 16)
def _clean(text: str) -> str | None:
    """Text with its spaces collapsed; agency names recur in every file of a regency."""
    return " ".join(text.split()) or None


def cells(
    columns: Columns, column: str, parsed: Parsed, parse: Callable[[object], object], check: str
) -> list[object]:
    """Each cell of `column` parsed; a cell that cannot be is None, and an Issue naming it.
    A value met again (a year, a predicate, `75,50`) is parsed once."""
    values = []
    known: dict[tuple[type, object], object] = {}
    for sheet, row, cell in zip(
        columns["source_sheet"], columns["source_row"], columns[column], strict=True
    ):
        key = (type(cell), cell if isinstance(cell, str | int | float | None) else id(cell))
        if key in known:
            values.append(known[key])
            continue
        try:
            values.append(parse(cell))
            known[key] = values[-1]
        except ValueError as exc:
            parsed.issues.append(
                Issue(
                    check,
                    exc.args[0] if exc.args else str(exc),
                    sheet=sheet,
                    row=int(row),
                    column=parsed.labels.get(column, column),
                    value=str(cell),
                )
            )
            values.append(None)
    return values


def _records_columns(
    index_code: str, records: list[dict], parsed: Parsed, file_name: str
) -> Columns:
    """JSON records as columns, one row per record (its `row` is the record's number)."""
    aliases = reference.column_aliases(index_code)
    renamed = [{aliases.get(fold(k), k): v for k, v in record.items()} for record in records]
    parsed.labels.update({aliases.get(fold(k), k): k for r in records for k in r})
    names = list(dict.fromkeys(name for record in renamed for name in record))
    columns: Columns = {
        "source_sheet": [None] * len(records),
        "source_row": list(range(1, len(records) + 1)),
    }
    columns |= {name: [record.get(name) for record in renamed] for name in names}
    if "evaluation_year" in columns:
        years = cells(columns, "evaluation_year", parsed, _year, "year_format")
        columns["evaluation_year"] = years
        stated = _years_stated("", file_name)
        distinct = sorted({y for y in years if y is not None})
        if stated and distinct and distinct != list(stated.values()):
            column = {"records": ", ".join(map(str, distinct))}
            _refuse_disagreement(stated | column, None)
    return columns
