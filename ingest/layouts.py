"""Turn what a reader found into canonical frames: one per raw table, one row per source row.

Everything that needs interpreting happens here, before validation: header aliases, the evaluation
year, decimal commas, predicates as written, the region and agency each row names, the IPP scale.
What cannot be interpreted becomes an Issue naming the cell; the pandera contract then checks the
result. Besides the six indices there are two reference sources per regency: its agency master
and its targets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

import pandas as pd

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
_KAB = re.compile(r"\bkab\b")
# CKAN names a search's rank `rank`, or `rank <field>` for a search of one field.
CKAN_RANK = re.compile(r"rank( \S+)?")


@dataclass
class Parsed:
    """A source file read into canonical frames (table name -> frame) plus what could not be read."""

    index_code: str
    frames: dict[str, pd.DataFrame]
    issues: list[Issue] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


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
    frames = [_tabular_frame(index_code, t, name or path.name, options, parsed) for t in tables]
    frame = pd.concat(frames, ignore_index=True)
    if frame.empty:
        raise SourceFileError("empty_file", "the table has a header but no data rows")
    if index_code == "agencies":
        _conform_master(frame, options, parsed)
    else:
        _conform_scores(frame, index_code, options, masters, parsed)
    parsed.frames[raw_tables(index_code)[0]] = frame
    return parsed


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


def _tabular_frame(
    index_code: str, table: readers.Table, file_name: str, options: Options, parsed: Parsed
) -> pd.DataFrame:
    _refuse_another_regions_title(table, options.pemda_code)
    aliases = reference.column_aliases(index_code)
    columns: list[str] = []
    for position, header in enumerate(table.headers, start=1):
        name = aliases.get(fold(header), header or f"(column {position} without a header)")
        if name in columns:
            raise SourceFileError(
                "duplicate_column",
                f"two headers mean '{name}'",
                sheet=table.sheet,
                row=table.header_row,
                column=header,
            )
        columns.append(name)
        parsed.labels.setdefault(name, header)
    padded = [row + [None] * (len(columns) - len(row)) for _, row in table.rows]
    frame = pd.DataFrame(padded, columns=columns, dtype=object)
    frame = frame.drop(columns=["no"], errors="ignore")
    frame.insert(0, "source_row", [n for n, _ in table.rows])
    frame.insert(0, "source_sheet", table.sheet)
    if index_code != "agencies":  # a master holds dates of regulations, not evaluation years
        frame["evaluation_year"] = _evaluation_year(frame, table, file_name, parsed)
    return frame


def _evaluation_year(
    frame: pd.DataFrame, table: readers.Table, file_name: str, parsed: Parsed
) -> pd.Series:
    """Year column, else title block, else file name; refuse the file when two of them disagree.
    A year cell that holds anything but a year (a date, a text) is named as such."""
    stated = _years_stated(table.title, file_name)
    _refuse_disagreement(stated, table.sheet)
    single = next(iter(stated.values()), None)
    if "evaluation_year" in frame:
        years = pd.Series(
            _cells(frame, "evaluation_year", parsed, _year, "year_format"),
            index=frame.index,
            dtype="Int64",
        )
        distinct = sorted(set(years.dropna().astype(int)))
        if distinct:
            if single is not None and distinct != [single]:
                column = {"year column": ", ".join(map(str, distinct))}
                _refuse_disagreement(stated | column, table.sheet)
            return years.fillna(single) if single is not None else years
    if single is None:
        _refuse_a_year_column_without_years(frame, parsed)
        raise SourceFileError(
            "year_unknown",
            "no evaluation year: add a 'Tahun' column, a title such as 'TAHUN 2024', "
            "or the year in the file name",
            sheet=table.sheet,
        )
    return pd.Series(single, index=frame.index, dtype="Int64")


def _refuse_a_year_column_without_years(frame: pd.DataFrame, parsed: Parsed) -> None:
    """A year column is there but no cell of it is a year (dates, text): say so, rather than
    send the file's owner looking for a column that is there."""
    unread = [i for i in parsed.issues if i.check == "year_format"]
    if "evaluation_year" in frame and unread:
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
    frame: pd.DataFrame, index_code: str, options: Options, masters: Masters, parsed: Parsed
) -> None:
    """Parse numbers, normalize predicates, resolve regions and agencies: in place, recording
    what fails. Targets go through here too: they name agencies and bands as scores do."""
    for column in _numeric_columns(index_code) & set(frame.columns):
        frame[column] = _numbers(frame, column, parsed)
    if index_code == "merit":
        _refuse_merit_2025_model(frame)
    if index_code == "ipp":
        _ipp_scale(frame, options)
    for text_column in ("agency_name", "local_code", "note", "pemda_code", "plan_document"):
        if text_column in frame:
            frame[text_column] = frame[text_column].map(_clean_text)
    if "predicate" in frame:
        frame["predicate"] = _bands_as_written(frame["predicate"], index_code)
    if "target_band_code" in frame:
        frame["index_code"] = frame["index_code"].map(lambda c: fold(c).replace(" ", "_"))
        scores = frame.get("target_score", pd.Series(None, index=frame.index, dtype="float64"))
        frame["target_band_code"] = [
            _band_as_written(band, code) or _band_of_target_score(score, code)
            for band, code, score in zip(
                frame["target_band_code"], frame["index_code"], scores, strict=True
            )
        ]
    stated = frame.get("pemda_code", pd.Series(None, index=frame.index, dtype=object))
    frame["pemda_code"] = stated.fillna(options.pemda_code)
    if "agency_name" in frame:
        frame["agency_code"] = [
            masters.directory(p).resolve(n)
            for p, n in zip(frame["pemda_code"], frame["agency_name"], strict=True)
        ]


def _band_as_written(text: object, index_code: str) -> str | None:
    if text is None or str(text).strip() == "":
        return None
    known = index_code in reference.indices()
    return (normalize_predicate(index_code, text) if known else None) or str(text).strip()


def _band_of_target_score(score: float, index_code: str) -> str | None:
    """A plan that states a target as a score alone (`nilai SAKIP 70`) targets the band the
    score falls in (SOURCES.md, targets)."""
    if pd.isna(score) or index_code not in reference.indices():
        return None
    band = band_of(index_code, score)
    return band.code if band else None


def _bands_as_written(column: pd.Series, index_code: str) -> pd.Series:
    return column.map(lambda text: _band_as_written(text, index_code))


def _conform_master(frame: pd.DataFrame, options: Options, parsed: Parsed) -> None:
    """Trim the text of a master and read `valid_from` as a date; the file names its regency."""
    for column in set(frame.columns) - {"source_sheet", "source_row", "valid_from"}:
        frame[column] = frame[column].map(_clean_text)
    frame["agency_code"] = frame["agency_code"].str.upper()
    frame["pemda_code"] = options.pemda_code
    if "valid_from" in frame:
        frame["valid_from"] = _dates(frame, "valid_from", parsed)


def _dates(frame: pd.DataFrame, column: str, parsed: Parsed) -> pd.Series:
    values = _cells(frame, column, parsed, _date, "date_format")
    return pd.Series(pd.to_datetime(values), index=frame.index)


def _date(cell: object) -> datetime | None:
    if cell is None or (isinstance(cell, float) and cell != cell) or str(cell).strip() == "":
        return None
    if isinstance(cell, date):
        return datetime(cell.year, cell.month, cell.day)
    try:
        return datetime.strptime(str(cell).strip()[:10], "%Y-%m-%d")
    except ValueError:
        raise ValueError("not a date: write it as YYYY-MM-DD") from None


def _numeric_columns(index_code: str) -> set[str]:
    if index_code not in reference.indices():
        return _NUMERIC.get(index_code, set())
    canonical = set(reference.column_aliases(index_code).values())
    canonical |= {c.code for c in reference.components(index_code)}
    return canonical - _NON_NUMERIC - {"no", "evaluation_year"}


def _clean_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = " ".join(str(value).split())
    return text or None


def _numbers(frame: pd.DataFrame, column: str, parsed: Parsed) -> pd.Series:
    values = _cells(frame, column, parsed, parse_number, "number_format")
    return pd.Series(values, index=frame.index, dtype="float64")


def _cells(
    frame: pd.DataFrame, column: str, parsed: Parsed, parse: Callable[[object], object], check: str
) -> list[object]:
    """Each cell of `column` parsed; a cell that cannot be is None, and an Issue naming it."""
    values = []
    for sheet, row, cell in zip(
        frame["source_sheet"], frame["source_row"], frame[column], strict=True
    ):
        try:
            values.append(parse(cell))
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


def _refuse_merit_2025_model(frame: pd.DataFrame) -> None:
    categories = {fold(p) for p in frame.get("predicate", pd.Series(dtype=object)).dropna()}
    scores = frame.get("score", pd.Series(dtype="float64")).dropna()
    if categories & MERIT_2025_CATEGORIES or (len(scores) and scores.between(0, 1).all()):
        raise SourceFileError(
            "unsupported_model",
            "this merit file follows the PermenPAN-RB 19/2025 model (scores 0-1, categories "
            "Dasar..Maju), which kinerja does not support yet; it reads the PermenPAN-RB 40/2018 "
            "model (100-400, categories I-IV)",
        )


def _ipp_scale(frame: pd.DataFrame, options: Options) -> None:
    """Keep the decree's native scale and value; `score` is always 0-5, rounded to two decimals."""
    native = frame["score"]
    values = native.dropna()
    fits = {5.0: values.between(0, 5).all(), 100.0: values.between(0, 100).all()}
    if options.scale is not None:
        scale = float(options.scale)
        if not fits.get(scale, False):
            raise SourceFileError(
                "scale_mismatch",
                f"the manifest says IPP scale 0-{scale:g} but the values run "
                f"{values.min():g}..{values.max():g}",
                column="Nilai Indeks",
            )
    elif any(c in frame for c in ("kebijakan", "sdm", "inovasi")) or (
        len(values) and values.max() <= 5
    ):
        scale = 5.0
    elif fits[100.0] and values.min() > 5:
        scale = 100.0
    else:
        raise SourceFileError(
            "scale_unknown",
            f"IPP values run {values.min():g}..{values.max():g}, which fits neither the 0-5 "
            "scale nor the 0-100 scale; state `scale:` for this source in the manifest",
            column="Nilai Indeks",
        )
    frame["native_scale"] = scale
    frame["native_score"] = native
    frame["score"] = native.map(lambda v: v if pd.isna(v) else rescale_half_up(v, 5, scale))


def _records_frame(
    index_code: str, records: list[dict], parsed: Parsed, file_name: str
) -> pd.DataFrame:
    """JSON records as a frame, one row per record (its `row` is the record's number)."""
    aliases = reference.column_aliases(index_code)
    rows = [{aliases.get(fold(k), k): v for k, v in record.items()} for record in records]
    parsed.labels.update({aliases.get(fold(k), k): k for r in records for k in r})
    frame = pd.DataFrame(rows, dtype=object)
    frame.insert(0, "source_row", range(1, len(frame) + 1))
    frame.insert(0, "source_sheet", None)
    if "evaluation_year" in frame:
        years = _cells(frame, "evaluation_year", parsed, _year, "year_format")
        frame["evaluation_year"] = pd.Series(years, index=frame.index, dtype="Int64")
        stated = _years_stated("", file_name)
        distinct = sorted(set(frame["evaluation_year"].dropna().astype(int)))
        if stated and distinct and distinct != list(stated.values()):
            column = {"records": ", ".join(map(str, distinct))}
            _refuse_disagreement(stated | column, None)
    return frame


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
    frame = _records_frame("spip", [_without_portal_fields(r) for r in records], parsed, file_name)
    _conform_scores(frame, "spip", options, masters, parsed)
    parsed.frames["spip"] = frame
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
    frame = _records_frame("spbe", [head | domains], parsed, file_name)
    _conform_scores(frame, "spbe", options, masters, parsed)
    parsed.frames["spbe"] = frame
    indicators = _list_of_objects(document.get("indikator") or [], "indikator")
    if indicators:
        parsed.labels |= {
            "indicator_no": "nomor",
            "indicator_name": "nama",
            "domain_code": "domain",
            "maturity_level": "tingkat_kematangan",
        }
        parsed.frames["spbe_indicator"] = pd.DataFrame(
            {
                "source_sheet": None,
                "source_row": range(1, len(indicators) + 1),
                "evaluation_year": frame["evaluation_year"].iloc[0],
                "agency_code": frame["agency_code"].iloc[0],
                "indicator_no": [i.get("nomor") for i in indicators],
                "indicator_name": [i.get("nama") for i in indicators],
                "domain_code": [i.get("domain") for i in indicators],
                "maturity_level": [i.get("tingkat_kematangan") for i in indicators],
            }
        )
    return parsed
