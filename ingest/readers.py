"""Readers that find the table inside a spreadsheet, CSV or JSON file as people and portals make them.

They tolerate a title block above the header, a `No` column, blank rows and a trailing total or
average row, and keep every cell's row number as the user sees it in the file. What they cannot
read faithfully they refuse with the reason: a file over its limits, a text that mixes encodings
or holds NUL bytes, a row with more cells than the header, the header repeated inside the data,
JSON with duplicate keys, NaN or nesting deeper than its limit.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from contracts.failures import SourceFileError
from contracts.messages import said
from contracts.text import fold
from ingest.limits import Limits

HEADER_SEARCH_ROWS = 30
DELIMITERS = (";", ",", "\t", "|")
_SUMMARY_ROW = re.compile(r"^(jumlah|rata rata|rerata|total|average)\b")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# A multi-byte UTF-8 sequence: its presence beside bytes that are not UTF-8 means mixed encodings.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_ZIP_MAGIC = b"PK\x03\x04"
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


@dataclass
class Table:
    """The rows of one sheet below its header, with the text above the header kept as the title."""

    sheet: str | None
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[object]]]
    title: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def _cell_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def is_blank(cells: list[object]) -> bool:
    return all(_cell_text(c) == "" for c in cells)


def _is_summary(cells: list[object]) -> bool:
    """A `Jumlah` / `Rata-rata` line: its label sits in one of the first cells (often merged)."""
    return any(_SUMMARY_ROW.match(fold(c)) for c in cells[:3] if isinstance(c, str))


def _names_known_columns(cells: list[object], known_headers: set[str]) -> int:
    """How many cells are known column names (a header is text: numbers and dates never are)."""
    return sum(1 for c in cells if isinstance(c, str) and fold(c) in known_headers)


def _header_position(lines: list[tuple[int, list[object]]], known_headers: set[str]) -> int | None:
    """The first row naming two or more known columns, within the first HEADER_SEARCH_ROWS."""
    for position, (_, cells) in enumerate(lines[:HEADER_SEARCH_ROWS]):
        if _names_known_columns(cells, known_headers) >= 2:
            return position
    return None


def find_table(
    lines: list[tuple[int, list[object]]], known_headers: set[str], sheet: str | None
) -> Table:
    """Locate the header and the data below it."""
    position = _header_position(lines, known_headers)
    if position is None:
        raise SourceFileError(
            "header_not_found",
            said(
                "no header row in the first {rows} rows: expected column names such as "
                "'Perangkat Daerah', 'Nilai', 'Predikat'",
                rows=HEADER_SEARCH_ROWS,
            ),
            sheet=sheet,
        )
    row_number, cells = lines[position]
    title = " ".join(_cell_text(c) for _, above in lines[:position] for c in above if _cell_text(c))
    width = len(cells)
    while width and _cell_text(cells[width - 1]) == "":
        width -= 1
    headers = [_cell_text(c) for c in cells[:width]]
    data = [
        (n, row) for n, row in lines[position + 1 :] if not is_blank(row) and not _is_summary(row)
    ]
    _refuse_misshapen_rows(data, headers, known_headers, sheet)
    return Table(sheet, row_number, headers, [(n, r[:width]) for n, r in data], title)


def _refuse_misshapen_rows(
    data: list[tuple[int, list[object]]], headers: list[str], known: set[str], sheet: str | None
) -> None:
    """A data row that repeats the header (two tables pasted together) or that has a value right
    of the last header (a delimiter or a decimal comma inside an unquoted value shifts every cell
    after it) would load wrong numbers: refuse the file."""
    for number, cells in data:
        if _names_known_columns(cells, known) >= 2:
            raise SourceFileError(
                "repeated_header",
                said(
                    "this row repeats the header inside the data (two tables pasted together?): "
                    "keep one table per file"
                ),
                sheet=sheet,
                row=number,
                value=" | ".join(_cell_text(c) for c in cells if _cell_text(c))[:200],
            )
        extra = [c for c in cells[len(headers) :] if _cell_text(c)]
        if extra:
            raise SourceFileError(
                "extra_cells",
                said(
                    "this row has a value right of the last column with a header ({columns} "
                    "columns): a delimiter or decimal comma inside an unquoted value shifts the "
                    "cells after it",
                    columns=len(headers),
                ),
                sheet=sheet,
                row=number,
                column=f"(column {len(headers) + 1 + cells[len(headers) :].index(extra[0])})",
                value=_cell_text(extra[0])[:200],
            )


def refuse_oversized(path: Path, limits: Limits) -> None:
    """Refuse a file over `max_file_bytes` before anything reads it."""
    from ingest.limits import size_text

    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise SourceFileError(
            "file_too_large",
            said(
                "the file is {size}, over the limit of {limit} (max_file_bytes in the manifest's "
                "limits)",
                size=size_text(size),
                limit=size_text(limits.max_file_bytes),
            ),
        )


def decode_text(raw: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 (which covers Latin-1);
    refuse text that mixes UTF-8 with another encoding, since no single decoding is right."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise SourceFileError(
                    "encoding",
                    said(
                        "the file starts with a {encoding} byte-order mark but is not "
                        "{encoding}: {reason}",
                        encoding=encoding,
                        reason=exc.reason,
                    ),
                ) from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if _UTF8_SEQUENCE.search(raw):
            line = raw[: exc.start].count(b"\n") + 1
            raise SourceFileError(
                "mixed_encoding",
                said(
                    "the file mixes encodings: most of it is UTF-8, but this line is not; save "
                    "the whole file once as UTF-8"
                ),
                row=line,
                value=raw[exc.start : exc.start + 20].decode("cp1252", "replace"),
            ) from exc
        return raw.decode("cp1252", errors="replace")


def read_csv(path: Path, known_headers: set[str]) -> Table:
    """Read CSV as spreadsheets export it: `;`, `,`, tab or `|` separated (the one under which a
    header row appears), UTF-8, UTF-16 or Windows-1252."""
    return find_table(csv_lines(path, known_headers), known_headers, None)


def csv_lines(path: Path, known_headers: set[str]) -> list[tuple[int, list[object]]]:
    """Every line of a CSV file (its number, its cells), split by the delimiter under which a
    header row appears."""
    raw = path.read_bytes()
    if raw.startswith(_ZIP_MAGIC):
        raise SourceFileError(
            "format_mismatch",
            said(
                "this file is a zip archive (an XLSX workbook?) named .csv: save it as CSV, or "
                "name it .xlsx"
            ),
        )
    text = decode_text(raw)
    if not text.strip():
        raise SourceFileError("empty_file", said("the file is empty"))
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise SourceFileError(
            "nul_bytes",
            said(
                "the file holds NUL bytes (a damaged export, or UTF-16 without a byte-order mark)"
            ),
            row=line,
        )
    head = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    for delimiter in DELIMITERS:
        if (
            delimiter in head
            and _header_position(_csv_lines(head, delimiter), known_headers) is not None
        ):
            return _csv_lines(text, delimiter)
    raise SourceFileError(
        "header_not_found",
        said(
            "no header row in the first {rows} lines, separated by any of {delimiters}: "
            "expected column names such as 'Perangkat Daerah', 'Nilai', 'Predikat'",
            rows=HEADER_SEARCH_ROWS,
            delimiters=[repr(d) for d in DELIMITERS],
        ),
    )


def _csv_lines(text: str, delimiter: str) -> list[tuple[int, list[object]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines: list[tuple[int, list[object]]] = []
    try:
        for number, row in enumerate(reader, start=1):
            lines.append((number, list(row)))
    except csv.Error as exc:
        raise SourceFileError(
            "cell_too_large",
            said(
                "a cell longer than {limit} characters: an unclosed quote runs on, or this is "
                "not a table",
                limit=csv.field_size_limit(),
            ),
            row=len(lines) + 1,
        ) from exc
    return lines


def read_json(path: Path, limits: Limits) -> object:
    """Parse JSON strictly: no duplicate keys (the last would silently win), no NaN or Infinity
    (not a score), nesting at most `max_json_depth` deep (checked before parsing)."""
    raw = path.read_bytes()
    if not raw.strip():
        raise SourceFileError("empty_file", said("the file is empty"))
    text = decode_text(raw)
    _refuse_deep_nesting(text, limits.max_json_depth)
    try:
        return json.loads(
            text, object_pairs_hook=_object_without_duplicates, parse_constant=_refuse_constant
        )
    except json.JSONDecodeError as exc:
        raise SourceFileError(
            "invalid_json",
            said(
                "not valid JSON (truncated or corrupt): {reason} at line {line} column {column}",
                reason=exc.msg,
                line=exc.lineno,
                column=exc.colno,
            ),
            row=exc.lineno,
        ) from exc


def _refuse_deep_nesting(text: str, max_depth: int) -> None:
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                raise SourceFileError(
                    "json_too_deep",
                    said(
                        "the JSON nests deeper than {depth} levels (max_json_depth in the "
                        "manifest's limits)",
                        depth=max_depth,
                    ),
                    row=text.count("\n", 0, token.start()) + 1,
                )
        elif bracket in "]}":
            depth -= 1


def _object_without_duplicates(pairs: list[tuple[str, object]]) -> dict:
    document: dict = {}
    for key, value in pairs:
        if key in document:
            raise SourceFileError(
                "duplicate_key",
                said(
                    "the key '{key}' appears twice in one object: which value is meant is not "
                    "clear",
                    key=key,
                ),
                column=key,
            )
        document[key] = value
    return document


def _refuse_constant(name: str) -> None:
    raise SourceFileError(
        "not_a_number",
        said("{name} is not a number a score can hold (JSON has no {name})", name=name),
        value=name,
    )
