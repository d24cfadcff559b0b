"""Turn what a reader found into canonical frames: one per raw table, one row per source row.

Everything that needs interpreting happens here, before validation: header aliases, the evaluation
year, decimal commas, predicates as written, agency names, the IPP scale. What cannot be
interpreted becomes an Issue naming the cell; the pandera contract then checks the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from contracts import reference
from contracts.agencies import directory
from contracts.bands import normalize_predicate
from contracts.failures import Issue, SourceFileError
from contracts.text import fold
from ingest import readers
from ingest.numbers import NumberFormatError, parse_number, round_half_up

SPBE_DOMAINS = ("kebijakan_internal", "tata_kelola", "manajemen", "layanan")
IPP_SHEETS = ["Lampiran I", "Lampiran II"]
MERIT_2025_CATEGORIES = {"dasar", "berkembang", "menengah", "maju"}
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_TITLE_YEAR = re.compile(r"tahun\s+(20\d{2})(?!\d)", re.IGNORECASE)
# The raw tables each source writes; the first is the one with a row per agency and year.
_EXTRA_TABLES = {"spbe": ("spbe_indicator",)}


def raw_tables(index_code: str) -> tuple[str, ...]:
    return (index_code, *_EXTRA_TABLES.get(index_code, ()))


_NON_NUMERIC = {"agency_name", "predicate", "local_code", "note", "pemda_code", "announced_on"}


@dataclass
class Parsed:
    """A source file read into canonical frames (table name -> frame) plus what could not be read."""

    index_code: str
    frames: dict[str, pd.DataFrame]
    issues: list[Issue] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Options:
    """Per-source settings from the manifest."""

    pemda_code: str = "32.16"
    sheet: str | None = None
    scale: float | None = None  # IPP: 5 or 100 when the decree states it


DEFAULT_OPTIONS = Options()


def parse_file(
    index_code: str, path: Path, options: Options = DEFAULT_OPTIONS, name: str | None = None
) -> Parsed:
    """Read and conform one source file; raises SourceFileError for a file that cannot be read.

    `name` is the file's original name when `path` is its landed copy (the year may be in it).
    """
    if index_code not in reference.indices():
        raise SourceFileError("unknown_source", f"no layout for index '{index_code}'")
    suffix = path.suffix.lower()
    if index_code == "spip":
        return _spip(path, options)
    if index_code == "spbe":
        return _spbe(path)
    known = set(reference.column_aliases(index_code))
    if suffix in {".xlsx", ".xlsm"}:
        if index_code == "ipp":
            tables = readers.read_xlsx(path, IPP_SHEETS, known, require_all=False)
        else:
            tables = readers.read_xlsx(path, [options.sheet] if options.sheet else None, known)
    elif suffix in {".csv", ".txt"}:
        tables = [readers.read_csv(path, known)]
    else:
        raise SourceFileError(
            "unsupported_format", f"'{suffix}' files are not read for {index_code}"
        )
    parsed = Parsed(index_code, {})
    frames = [_tabular_frame(index_code, t, name or path.name, parsed) for t in tables]
    frame = pd.concat(frames, ignore_index=True)
    if frame.empty:
        raise SourceFileError("empty_file", "the table has a header but no data rows")
    _conform_scores(frame, index_code, options, parsed)
    parsed.frames[index_code] = frame
    return parsed


def _tabular_frame(
    index_code: str, table: readers.Table, file_name: str, parsed: Parsed
) -> pd.DataFrame:
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
    frame["evaluation_year"] = _evaluation_year(frame, table, file_name)
    return frame


def _evaluation_year(frame: pd.DataFrame, table: readers.Table, file_name: str) -> pd.Series:
    """Year column, else title block, else file name; refuse the file when two of them disagree."""
    title_years = set(_TITLE_YEAR.findall(table.title)) or set(_YEAR.findall(table.title))
    name_years = set(_YEAR.findall(Path(file_name).stem))
    stated = {
        where: int(years.pop())
        for where, years in (("title block", title_years), ("file name", name_years))
        if len(years) == 1
    }
    _refuse_disagreement(stated, table)
    single = next(iter(stated.values()), None)
    if "evaluation_year" in frame and frame["evaluation_year"].map(_parse_year).notna().any():
        years = frame["evaluation_year"].map(_parse_year)
        distinct = sorted(set(years.dropna().astype(int)))
        if single is not None and distinct != [single]:
            _refuse_disagreement(stated | {"year column": ", ".join(map(str, distinct))}, table)
        if single is not None:
            years = years.fillna(single)
        return years.astype("Int64")
    if single is None:
        raise SourceFileError(
            "year_unknown",
            "no evaluation year: add a 'Tahun' column, a title such as 'TAHUN 2024', "
            "or the year in the file name",
            sheet=table.sheet,
        )
    return pd.Series(single, index=frame.index, dtype="Int64")


def _refuse_disagreement(years: dict[str, object], table: readers.Table) -> None:
    if len({str(y) for y in years.values()}) > 1:
        said = ", ".join(f"{where} says {year}" for where, year in years.items())
        raise SourceFileError(
            "year_disagreement", f"the evaluation year is not clear: {said}", sheet=table.sheet
        )


def _parse_year(value: object) -> float | None:
    try:
        number = parse_number(value)
    except NumberFormatError:
        return None
    return number if number is not None and number == int(number) else None


def _conform_scores(frame: pd.DataFrame, index_code: str, options: Options, parsed: Parsed) -> None:
    """Parse numbers, normalize predicates, resolve agencies: in place, recording what fails."""
    for column in _numeric_columns(index_code) & set(frame.columns):
        frame[column] = _numbers(frame, column, parsed)
    if index_code == "merit":
        _refuse_merit_2025_model(frame)
    if index_code == "ipp":
        _ipp_scale(frame, options)
    if "predicate" in frame:
        frame["predicate"] = frame["predicate"].map(
            lambda p: (
                None
                if p is None or str(p).strip() == ""
                else normalize_predicate(index_code, p) or str(p).strip()
            )
        )
    for text_column in ("agency_name", "local_code", "note", "pemda_code"):
        if text_column in frame:
            frame[text_column] = frame[text_column].map(_clean_text)
    frame["pemda_code"] = frame.get("pemda_code", options.pemda_code)
    if "agency_name" in frame:
        frame["agency_code"] = [
            directory(p).resolve(n)
            for p, n in zip(frame["pemda_code"], frame["agency_name"], strict=True)
        ]


def _numeric_columns(index_code: str) -> set[str]:
    canonical = set(reference.column_aliases(index_code).values())
    canonical |= {c.code for c in reference.components(index_code)}
    return canonical - _NON_NUMERIC - {"no", "evaluation_year"}


def _clean_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = " ".join(str(value).split())
    return text or None


def _numbers(frame: pd.DataFrame, column: str, parsed: Parsed) -> pd.Series:
    values = []
    for sheet, row, cell in zip(
        frame["source_sheet"], frame["source_row"], frame[column], strict=True
    ):
        try:
            values.append(parse_number(cell))
        except NumberFormatError as exc:
            parsed.issues.append(
                Issue(
                    "number_format",
                    str(exc),
                    sheet=sheet,
                    row=int(row),
                    column=parsed.labels.get(column, column),
                    value=str(cell),
                )
            )
            values.append(None)
    return pd.Series(values, index=frame.index, dtype="float64")


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
    frame["score"] = native.map(lambda v: v if pd.isna(v) else round_half_up(v * 5 / scale))


def _records_frame(index_code: str, records: list[dict], parsed: Parsed) -> pd.DataFrame:
    aliases = reference.column_aliases(index_code)
    rows = [{aliases.get(fold(k), k): v for k, v in record.items()} for record in records]
    parsed.labels.update({aliases.get(fold(k), k): k for r in records for k in r})
    frame = pd.DataFrame(rows, dtype=object)
    frame.insert(0, "source_row", range(1, len(frame) + 1))
    frame.insert(0, "source_sheet", None)
    frame["evaluation_year"] = frame["evaluation_year"].map(_parse_year).astype("Int64")
    return frame


def _spip(path: Path, options: Options) -> Parsed:
    """A CKAN datastore answer (`success`, `result.records`, `result.total`)."""
    document = readers.read_json(path)
    if not isinstance(document, dict) or document.get("success") is not True:
        error = document.get("error") if isinstance(document, dict) else None
        raise SourceFileError("portal_error", f"the portal answered success=false: {error}")
    records = (document.get("result") or {}).get("records")
    if not records:
        raise SourceFileError("empty_file", "the portal answer holds no records")
    parsed = Parsed("spip", {})
    frame = _records_frame("spip", records, parsed)
    _conform_scores(frame, "spip", options, parsed)
    parsed.frames["spip"] = frame
    return parsed


def _spbe(path: Path) -> Parsed:
    """A KemenPAN-RB evaluation document: one regency, one year, its domains and indicators."""
    document = readers.read_json(path)
    if not isinstance(document, dict) or "indeks" not in document:
        raise SourceFileError("invalid_document", "not an SPBE evaluation: no 'indeks' field")
    parsed = Parsed("spbe", {})
    head = {k: v for k, v in document.items() if k not in {"domain", "indikator"}}
    domains = {
        fold(d.get("kode")).replace(" ", "_"): d.get("indeks") for d in document.get("domain", [])
    }
    if set(domains) != set(SPBE_DOMAINS):
        raise SourceFileError(
            "spbe_domains",
            f"an SPBE evaluation has the four domains {list(SPBE_DOMAINS)}; this one has "
            f"{sorted(domains)}",
            column="domain",
        )
    frame = _records_frame("spbe", [head | domains], parsed)
    _conform_scores(frame, "spbe", DEFAULT_OPTIONS, parsed)
    parsed.frames["spbe"] = frame
    indicators = document.get("indikator") or []
    if indicators:
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
