"""A minimal XLSX writer for the bad-input corpus: the workbook's XML written by hand.

Spreadsheet libraries refuse to write what a broken or hostile workbook holds (a dimension that
claims the whole grid, a formula with no saved result, a shared string of a gigabyte), and their
output carries the time of saving. Written here, every file is exactly what its test needs and
the same bytes each time.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

FIXED_TIME = (2026, 1, 1, 0, 0, 0)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class Formula:
    """A formula; `cached` is the result Excel saved with it (None: never calculated)."""

    text: str
    cached: float | None = None


@dataclass
class SharedString:
    """A cell that shows entry `index` of the workbook's shared strings."""

    index: int = 0


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]
    state: str = "visible"
    hidden_rows: set[int] = field(default_factory=set)
    merged: list[str] = field(default_factory=list)
    dimension: str | None = None  # what the sheet claims; default: its real extent
    first_row: int = 1


def column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(reference: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, SharedString):
        return f'<c r="{reference}" t="s"><v>{value.index}</v></c>'
    if isinstance(value, Formula):
        cached = "" if value.cached is None else f"<v>{value.cached}</v>"
        return f'<c r="{reference}"><f>{escape(value.text)}</f>{cached}</c>'
    if isinstance(value, date):
        return f'<c r="{reference}" s="1"><v>{(value - _EXCEL_EPOCH).days}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{reference}"><v>{value}</v></c>'
    return f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def sheet_xml(sheet: Sheet) -> str:
    width = max((len(r) for r in sheet.rows), default=1)
    last = sheet.first_row + len(sheet.rows) - 1
    dimension = sheet.dimension or f"A{sheet.first_row}:{column_letter(width)}{max(last, 1)}"
    rows = []
    for number, values in enumerate(sheet.rows, start=sheet.first_row):
        cells = "".join(
            _cell(f"{column_letter(c)}{number}", v) for c, v in enumerate(values, start=1)
        )
        hidden = ' hidden="1"' if number in sheet.hidden_rows else ""
        rows.append(f'<row r="{number}"{hidden}>{cells}</row>')
    merged = (
        f'<mergeCells count="{len(sheet.merged)}">'
        + "".join(f'<mergeCell ref="{m}"/>' for m in sheet.merged)
        + "</mergeCells>"
        if sheet.merged
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">'
        f'<dimension ref="{dimension}"/><sheetData>{"".join(rows)}</sheetData>{merged}</worksheet>'
    )


def _package(sheets: list[Sheet], shared_strings: bool) -> dict[str, str]:
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    if shared_strings:
        overrides += (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    sheet_list = "".join(
        f'<sheet name="{escape(s.name)}" sheetId="{i}" r:id="rId{i}"'
        + (f' state="{s.state}"' if s.state != "visible" else "")
        + "/>"
        for i, s in enumerate(sheets, start=1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    styles_id = len(sheets) + 1
    rels += f'<Relationship Id="rId{styles_id}" Type="{_REL}/styles" Target="styles.xml"/>'
    if shared_strings:
        rels += (
            f'<Relationship Id="rId{styles_id + 1}" Type="{_REL}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return {
        "[Content_Types].xml": head
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        + overrides
        + "</Types>",
        "_rels/.rels": head
        + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": head
        + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheet_list}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": head
        + f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        # Style 1 is a date (number format 14), for cells that hold dates.
        "xl/styles.xml": head
        + f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font/></fonts><fills count="1">'
        '<fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/>'
        '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" '
        'applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" '
        'xfId="0" builtinId="0"/></cellStyles></styleSheet>',
    }


def write_xlsx(path: Path, sheets: list[Sheet]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _package(sheets, shared_strings=False).items():
            archive.writestr(zipfile.ZipInfo(name, FIXED_TIME), text, zipfile.ZIP_DEFLATED)
        for number, sheet in enumerate(sheets, start=1):
            archive.writestr(
                zipfile.ZipInfo(f"xl/worksheets/sheet{number}.xml", FIXED_TIME),
                sheet_xml(sheet),
                zipfile.ZIP_DEFLATED,
            )
    return path


def write_expanding_xlsx(path: Path, sheet: Sheet, member: str, size: int) -> Path:
    """A workbook one of whose members unpacks to `size` bytes (a zip bomb, or a shared string
    that large when `member` is the shared strings), streamed so that making it costs no memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shared = member == "xl/sharedStrings.xml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _package([sheet], shared_strings=shared).items():
            archive.writestr(zipfile.ZipInfo(name, FIXED_TIME), text, zipfile.ZIP_DEFLATED)
        archive.writestr(
            zipfile.ZipInfo("xl/worksheets/sheet1.xml", FIXED_TIME),
            sheet_xml(sheet),
            zipfile.ZIP_DEFLATED,
        )
        info = zipfile.ZipInfo(member, FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        head, tail = _expanding_text(shared)
        chunk = b"x" * (1 << 20)
        with archive.open(info, "w", force_zip64=True) as out:
            out.write(head)
            written = len(head) + len(tail)
            while written < size:
                piece = chunk[: min(len(chunk), size - written)]
                out.write(piece)
                written += len(piece)
            out.write(tail)
    return path


def _expanding_text(shared: bool) -> tuple[bytes, bytes]:
    if shared:
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" count="1" '
            'uniqueCount="1"><si><t>'.encode(),
            b"</t></si></sst>",
        )
    return b"", b""
