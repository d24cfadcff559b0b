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
from contracts.bands import band_of, normalize_predicate
from contracts.failures import Issue, SourceFileError
from contracts.text import fold
from ingest import readers, workbooks
from ingest.numbers import parse_number, rescale_half_up
from ingest.options import Options, raw_tables, sources

SPBE_DOMAINS = ("kebijakan_internal", "tata_kelola", "manajemen", "layanan")
IPP_SHEETS = ["Lampiran I", "Lampiran II"]
MERIT_2025_CATEGORIES = {"dasar", "berkembang", "menengah", "maju"}
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_TITLE_YEAR = re.compile(r"tahun\s+(20\d{2})(?!\d)", re.IGNORECASE)
_NUMERIC = {"targets": {"target_score"}}
_NON_NUMERIC = {"agency_name", "predicate", "local_code", "note", "pemda_code", "announced_on"}
_TEXT = ("agency_name", "local_code", "note", "pemda_code", "plan_document")
_KAB = re.compile(r"\bkab\b")
# CKAN names a search's rank `rank`, or `rank <field>` for a search of one field.
CKAN_RANK = re.compile(r"rank( \S+)?")

Columns = dict[str, list]


@dataclass
class Parsed:
    """A source file read into canonical tables (raw table name -> columns) plus what could not
    be read, and each canonical column's header as the file writes it."""

    index_code: str
    frames: dict[str, Columns]
    issues: list[Issue] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


def rows_of(columns: Columns) -> int:
    return len(next(iter(columns.values()), []))


def parse_file(
    index_code: str, path: Path, options: Options, masters: Masters, name: str | None = None
) -> Parsed:
    """Read and conform one source file; raises SourceFileError for a file that cannot be read.

    `name` is the file's original name when `path` is its landed copy (the year may be in it).
    `masters` resolves agency names to codes in each row's regency.
    """
    if index_code not in sources():
        raise SourceFileError("unknown_source", f"no layout for source '{index_code}'")
    if reference.region_name(options.pemda_code) is None:
        raise SourceFileError(
            "unknown_region",
            f"'{options.pemda_code}' is not a region of the Kemendagri list "
            "(dbt_project/seeds/regions.csv)",
        )
    readers.refuse_oversized(path, options.limits)
    suffix = path.suffix.lower()
    if index_code == "spip":
        return _spip(path, options, masters, name or path.name)
    if index_code == "spbe":
        return _spbe(path, options, masters, name or path.name)
    known = set(reference.column_aliases(index_code))
    if suffix in {".xlsx", ".xlsm"}:
        if index_code == "ipp":
            tables = workbooks.read_xlsx(path, IPP_SHEETS, known, options.limits, require_all=False)
        else:
            sheets = [options.sheet] if options.sheet else None
            tables = workbooks.read_xlsx(path, sheets, known, options.limits)
    elif suffix in {".csv", ".txt"}:
        tables = [readers.read_csv(path, known)]
    else:
        raise SourceFileError(
            "unsupported_format", f"'{suffix}' files are not read for {index_code}"
        )
    parsed = Parsed(index_code, {})
    columns = _stacked(
        [_tabular_columns(index_code, t, name or path.name, options, parsed) for t in tables]
    )
    if not rows_of(columns):
        raise SourceFileError("empty_file", "the table has a header but no data rows")
    if index_code == "agencies":
        _conform_master(columns, options, parsed)
    else:
        _conform_scores(columns, index_code, options, masters, parsed)
    parsed.frames[raw_tables(index_code)[0]] = columns
    return parsed


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
    from contracts.schemas import within_region

    for code in _regions_named(table.title):
        if not within_region(code, pemda_code):
            raise SourceFileError(
                "region_disagreement",
                f"the title names {reference.region_name(code)} ({code}), but the file belongs to "
                f"{pemda_code} ({reference.region_name(pemda_code)}) by its folder or the manifest",
                sheet=table.sheet,
                value=table.title,
            )


def _tabular_columns(
    index_code: str, table: readers.Table, file_name: str, options: Options, parsed: Parsed
) -> Columns:
    _refuse_another_regions_title(table, options.pemda_code)
    aliases = reference.column_aliases(index_code)
    names: list[str] = []
    for position, header in enumerate(table.headers, start=1):
        name = aliases.get(fold(header), header or f"(column {position} without a header)")
        if name in names:
            raise SourceFileError(
                "duplicate_column",
                f"two headers mean '{name}'",
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
    if index_code != "agencies":  # a master holds dates of regulations, not evaluation years
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
        years = _cells(columns, "evaluation_year", parsed, _year, "year_format")
        distinct = sorted({y for y in years if y is not None})
        if distinct:
            if single is not None and distinct != [single]:
                column = {"year column": ", ".join(map(str, distinct))}
                _refuse_disagreement(stated | column, table.sheet)
            return [single if y is None else y for y in years]
    if single is None:
        _refuse_a_year_column_without_years(columns, parsed)
        raise SourceFileError(
            "year_unknown",
            "no evaluation year: add a 'Tahun' column, a title such as 'TAHUN 2024', "
            "or the year in the file name",
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
            f"the column '{first.column}' holds dates or text, not evaluation years "
            f"({len(unread)} cell(s)): write the year that was evaluated alone (2024), or put "
            "it in the title or the file name",
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
        for where, years in (("title block", title_years), ("file name", name_years))
        if len(years) == 1
    }


def _refuse_disagreement(years: dict[str, object], sheet: str | None) -> None:
    if len({str(y) for y in years.values()}) > 1:
        said = ", ".join(f"{where} says {year}" for where, year in years.items())
        raise SourceFileError(
            "year_disagreement", f"the evaluation year is not clear: {said}", sheet=sheet
        )


def _year(value: object) -> int | None:
    """An evaluation year cell: a whole number such as 2024 (or `2024,0`); None when blank."""
    if isinstance(value, date | datetime) or (
        isinstance(value, str) and re.fullmatch(r"\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}.*", value)
    ):
        raise ValueError(
            "a date is not an evaluation year: write the year that was evaluated alone (2024)"
        )
    number = parse_number(value)
    if number is None:
        return None
    if number != int(number) or not 1990 <= number <= 2100:
        raise ValueError(f"'{value}' is not an evaluation year (a year such as 2024)")
    return int(number)


def _conform_scores(
    columns: Columns, index_code: str, options: Options, masters: Masters, parsed: Parsed
) -> None:
    """Parse numbers, normalize predicates, resolve regions and agencies: in place, recording
    what fails. Targets go through here too: they name agencies and bands as scores do."""
    for column in _numeric_columns(index_code) & set(columns):
        columns[column] = _cells(columns, column, parsed, parse_number, "number_format")
    if index_code == "merit":
        _refuse_merit_2025_model(columns)
    if index_code == "ipp":
        _ipp_scale(columns, options)
    for text_column in _TEXT:
        if text_column in columns:
            columns[text_column] = [_clean_text(v) for v in columns[text_column]]
    if "predicate" in columns:
        columns["predicate"] = [_band_as_written(t, index_code) for t in columns["predicate"]]
    if "target_band_code" in columns:
        columns["index_code"] = [fold(c).replace(" ", "_") for c in columns["index_code"]]
        scores = columns.get("target_score", [None] * rows_of(columns))
        columns["target_band_code"] = [
            _band_as_written(band, code) or _band_of_target_score(score, code)
            for band, code, score in zip(
                columns["target_band_code"], columns["index_code"], scores, strict=True
            )
        ]
    stated = columns.get("pemda_code", [None] * rows_of(columns))
    columns["pemda_code"] = [options.pemda_code if p is None else p for p in stated]
    if "agency_name" in columns:
        columns["agency_code"] = [
            masters.directory(p).resolve(n)
            for p, n in zip(columns["pemda_code"], columns["agency_name"], strict=True)
        ]


def _band_as_written(text: object, index_code: str) -> str | None:
    if text is None or str(text).strip() == "":
        return None
    return _band_text(str(text), index_code)


@lru_cache(maxsize=1 << 14)
def _band_text(text: str, index_code: str) -> str:
    """A predicate as written (` bb `, `Pelayanan Prima`) as its band code where it is one."""
    known = index_code in reference.indices()
    return (normalize_predicate(index_code, text) if known else None) or text.strip()


def _band_of_target_score(score: float | None, index_code: str) -> str | None:
    """A plan that states a target as a score alone (`nilai SAKIP 70`) targets the band the
    score falls in (SOURCES.md, targets)."""
    if score is None or index_code not in reference.indices():
        return None
    band = band_of(index_code, score)
    return band.code if band else None


def _conform_master(columns: Columns, options: Options, parsed: Parsed) -> None:
    """Trim the text of a master and read `valid_from` as a date; the file names its regency."""
    for column in set(columns) - {"source_sheet", "source_row", "valid_from"}:
        columns[column] = [_clean_text(v) for v in columns[column]]
    columns["agency_code"] = [None if c is None else c.upper() for c in columns["agency_code"]]
    columns["pemda_code"] = [options.pemda_code] * rows_of(columns)
    if "valid_from" in columns:
        columns["valid_from"] = _cells(columns, "valid_from", parsed, _date, "date_format")


def _date(cell: object) -> datetime | None:
    if cell is None or (isinstance(cell, float) and cell != cell) or str(cell).strip() == "":
        return None
    if isinstance(cell, date):
        return datetime(cell.year, cell.month, cell.day)
    try:
        return datetime.strptime(str(cell).strip()[:10], "%Y-%m-%d")
    except ValueError:
        raise ValueError("not a date: write it as YYYY-MM-DD") from None


@cache
def _numeric_columns(index_code: str) -> frozenset[str]:
    if index_code not in reference.indices():
        return frozenset(_NUMERIC.get(index_code, set()))
    canonical = set(reference.column_aliases(index_code).values())
    canonical |= {c.code for c in reference.components(index_code)}
    return frozenset(canonical - _NON_NUMERIC - {"no", "evaluation_year"})


def _clean_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return _clean(str(value))


@lru_cache(maxsize=1 << 16)
def _clean(text: str) -> str | None:
    """Text with its spaces collapsed; agency names recur in every file of a regency."""
    return " ".join(text.split()) or None


def _cells(
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
                    str(exc),
                    sheet=sheet,
                    row=int(row),
                    column=parsed.labels.get(column, column),
                    value=str(cell),
                )
            )
            values.append(None)
    return values


def _refuse_merit_2025_model(columns: Columns) -> None:
    categories = {fold(p) for p in columns.get("predicate", []) if _clean_text(p) is not None}
    scores = [s for s in columns.get("score", []) if s is not None]
    if categories & MERIT_2025_CATEGORIES or (scores and all(0 <= s <= 1 for s in scores)):
        raise SourceFileError(
            "unsupported_model",
            "this merit file follows the PermenPAN-RB 19/2025 model (scores 0-1, categories "
            "Dasar..Maju), which kinerja does not support yet; it reads the PermenPAN-RB 40/2018 "
            "model (100-400, categories I-IV)",
        )


def _ipp_scale(columns: Columns, options: Options) -> None:
    """Keep the decree's native scale and value; `score` is always 0-5, rounded to two decimals."""
    native = columns["score"]
    values = [v for v in native if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    fits = {5.0: low >= 0 and high <= 5, 100.0: low >= 0 and high <= 100}
    if options.scale is not None:
        scale = float(options.scale)
        if not fits.get(scale, False):
            raise SourceFileError(
                "scale_mismatch",
                f"the manifest says IPP scale 0-{scale:g} but the values run {low:g}..{high:g}",
                column="Nilai Indeks",
            )
    elif any(c in columns for c in ("kebijakan", "sdm", "inovasi")) or (values and high <= 5):
        scale = 5.0
    elif fits[100.0] and low > 5:
        scale = 100.0
    else:
        raise SourceFileError(
            "scale_unknown",
            f"IPP values run {low:g}..{high:g}, which fits neither the 0-5 scale nor the 0-100 "
            "scale; state `scale:` for this source in the manifest",
            column="Nilai Indeks",
        )
    columns["native_scale"] = [scale] * len(native)
    columns["native_score"] = native
    columns["score"] = [v if v is None else rescale_half_up(v, 5, scale) for v in native]


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
        years = _cells(columns, "evaluation_year", parsed, _year, "year_format")
        columns["evaluation_year"] = years
        stated = _years_stated("", file_name)
        distinct = sorted({y for y in years if y is not None})
        if stated and distinct and distinct != list(stated.values()):
            column = {"records": ", ".join(map(str, distinct))}
            _refuse_disagreement(stated | column, None)
    return columns


def _list_of_objects(value: object, where: str) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        found = (
            type(value).__name__ if not isinstance(value, list) else "a list holding non-objects"
        )
        raise SourceFileError(
            "wrong_type", f"'{where}' must be a list of objects; found {found}", column=where
        )
    return value


def _without_portal_fields(record: dict) -> dict:
    """A CKAN datastore record without the portal's own fields: `_id` (always), `_full_text` and
    `rank` (after a search). Any other unknown field is a layout change and still refuses."""
    return {
        key: value
        for key, value in record.items()
        if not key.startswith("_") and not CKAN_RANK.fullmatch(key)
    }


def _spip(path: Path, options: Options, masters: Masters, file_name: str) -> Parsed:
    """A CKAN datastore answer (`success`, `result.records`, `result.total`)."""
    document = readers.read_json(path, options.limits)
    if not isinstance(document, dict) or document.get("success") is not True:
        error = document.get("error") if isinstance(document, dict) else None
        raise SourceFileError("portal_error", f"the portal answered success=false: {error}")
    result = document.get("result")
    if not isinstance(result, dict):
        raise SourceFileError(
            "wrong_type", "'result' must be an object with 'records'", column="result"
        )
    records = _list_of_objects(result.get("records", []), "result.records")
    if not records:
        raise SourceFileError("empty_file", "the portal answer holds no records")
    total = result.get("total", len(records))
    if not isinstance(total, int) or isinstance(total, bool) or total != len(records):
        raise SourceFileError(
            "total_mismatch",
            f"the answer says total {total!r} but holds {len(records)} records: a page is "
            "missing (fetch it again with paging) or the answer was cut",
            column="result.total",
            value=str(total),
        )
    parsed = Parsed("spip", {})
    records = [_without_portal_fields(r) for r in records]
    columns = _records_columns("spip", records, parsed, file_name)
    _conform_scores(columns, "spip", options, masters, parsed)
    parsed.frames["spip"] = columns
    return parsed


def _spbe(path: Path, options: Options, masters: Masters, file_name: str) -> Parsed:
    """A KemenPAN-RB evaluation document: one regency, one year, its domains and indicators."""
    document = readers.read_json(path, options.limits)
    if not isinstance(document, dict) or "indeks" not in document:
        raise SourceFileError("invalid_document", "not an SPBE evaluation: no 'indeks' field")
    parsed = Parsed("spbe", {})
    head = {k: v for k, v in document.items() if k not in {"domain", "indikator"}}
    domains = {
        fold(d.get("kode")).replace(" ", "_"): d.get("indeks")
        for d in _list_of_objects(document.get("domain", []), "domain")
    }
    if set(domains) != set(SPBE_DOMAINS):
        raise SourceFileError(
            "spbe_domains",
            f"an SPBE evaluation has the four domains {list(SPBE_DOMAINS)}; this one has "
            f"{sorted(domains)}",
            column="domain",
        )
    columns = _records_columns("spbe", [head | domains], parsed, file_name)
    _conform_scores(columns, "spbe", options, masters, parsed)
    parsed.frames["spbe"] = columns
    indicators = _list_of_objects(document.get("indikator") or [], "indikator")
    if indicators:
        parsed.labels |= {
            "indicator_no": "nomor",
            "indicator_name": "nama",
            "domain_code": "domain",
            "maturity_level": "tingkat_kematangan",
        }
        count = len(indicators)
        parsed.frames["spbe_indicator"] = {
            "source_sheet": [None] * count,
            "source_row": list(range(1, count + 1)),
            "evaluation_year": [columns["evaluation_year"][0]] * count,
            "agency_code": [columns["agency_code"][0]] * count,
            "indicator_no": [i.get("nomor") for i in indicators],
            "indicator_name": [i.get("nama") for i in indicators],
            "domain_code": [i.get("domain") for i in indicators],
            "maturity_level": [i.get("tingkat_kematangan") for i in indicators],
        }
    return parsed
