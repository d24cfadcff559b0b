"""A refused file as its owner gets it back: the sheet as received, each bad cell filled red with
a comment saying in Bahasa Indonesia what is wrong and how to fix it, behind a first sheet
`Ringkasan` that lists every problem.

An XLSX comes back as itself (openpyxl keeps what the sender wrote); a CSV as a workbook whose
sheet holds its lines at their own row numbers, so a problem's row is the row the owner sees. A
file that cannot be opened (not a workbook, JSON from a portal, never landed) comes back as the
summary alone, which says so. Saved through `reports.exports.save_inert`: no cell of it runs,
the sender's own formulas included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from contracts import reference
from contracts.failures import ERROR, Issue
from contracts.messages import in_indonesian
from contracts.text import fold, visible
from ingest import readers
from reports import bahasa

BAD_CELL = PatternFill("solid", fgColor="FFC7CE")
TITLE = "Catatan perbaikan berkas"
# Refused for what it holds, not for what it says: a file over these limits is not opened again.
TOO_BIG = {"file_too_large", "uncompressed_too_large", "sheet_too_large", "cell_too_large",
           "json_too_deep"}  # fmt: skip
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SUMMARY = "Ringkasan"
CSV_SHEET = "Isi berkas"
# Where a header row is looked for, as the readers do.
HEADER_ROWS = readers.HEADER_SEARCH_ROWS


@dataclass(frozen=True)
class Refusal:
    """A refused file: what the warehouse logged of it and every issue found in it."""

    source_code: str
    file: str  # as the warehouse names it: relative to the sources dir, or a URL
    pemda_code: str | None
    refused_at: datetime  # UTC
    landed: Path | None  # the copy kept as received; None when nothing was landed
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]


def annotated_workbook(refusal: Refusal) -> Workbook:
    """The file as received with its problems marked, behind the `Ringkasan` sheet."""
    too_big = any(issue.check in TOO_BIG for issue in refusal.issues)
    landed = None if too_big else refusal.landed
    workbook, data_sheet = _as_received(landed, refusal.source_code)
    unmarked = []
    for issue in refusal.errors:
        if data_sheet is None or not _mark(workbook, data_sheet, issue):
            unmarked.append(issue)
    _summary(workbook, refusal, opened=data_sheet is not None, unmarked=bool(unmarked))
    return workbook


def _as_received(landed: Path | None, source_code: str) -> tuple[Workbook, str | None]:
    """The received file as a workbook, and the name of the sheet that was read (None when the
    file cannot be opened as a table)."""
    if landed is not None and landed.is_file():
        suffix = landed.suffix.lower()
        try:
            if suffix in {".xlsx", ".xlsm"}:
                workbook = load_workbook(landed)
                if _ours(workbook):  # a pack sent back as it was: its old summary goes
                    workbook.remove(workbook[SUMMARY])
                visible = [s.title for s in workbook.worksheets if s.sheet_state == "visible"]
                return workbook, (visible or workbook.sheetnames)[0]
            if suffix in {".csv", ".txt"}:
                return _csv_workbook(landed, set(reference.column_aliases(source_code)))
        except Exception:  # noqa: BLE001 (a file refused as unreadable: the summary says so)
            pass
    workbook = Workbook()
    workbook.remove(workbook.active)  # the summary will be its only sheet
    return workbook, None


def _ours(workbook: Workbook) -> bool:
    return SUMMARY in workbook.sheetnames and workbook[SUMMARY]["A1"].value == TITLE


def _csv_workbook(landed: Path, known_headers: set[str]) -> tuple[Workbook, str]:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = CSV_SHEET
    for number, cells in readers.csv_lines(landed, known_headers):
        for column, value in enumerate(cells, start=1):
            if value not in ("", None):
                sheet.cell(number, column, value)  # text as received, kept text when saved
    return workbook, CSV_SHEET


def _mark(workbook: Workbook, default_sheet: str, issue: Issue) -> bool:
    """Fill the issue's cell and comment on it; False when the file has no such cell (a missing
    column, a problem of the whole file)."""
    sheet = workbook[issue.sheet] if issue.sheet in workbook.sheetnames else workbook[default_sheet]
    header = _header_cell(sheet, issue.column) if issue.column else None
    if issue.row is None and header is None:
        return False
    row = issue.row if issue.row is not None else header.row
    cell = sheet.cell(row, header.column if header else 1)
    cell.fill = BAD_CELL
    text = in_indonesian(issue.message)
    if cell.comment is not None:  # two problems in one cell: both are said
        text = f"{cell.comment.text}\n\n{text}"
    cell.comment = Comment(text, "kinerja", width=360, height=140)
    return True


def _header_cell(sheet: Worksheet, label: str):
    """The header cell (in the first rows) that reads `label`, as the file writes it."""
    wanted = fold(label)
    for row in sheet.iter_rows(min_row=1, max_row=HEADER_ROWS):
        for cell in row:
            if isinstance(cell.value, str) and fold(cell.value) == wanted:
                return cell
    return None


def _summary(workbook: Workbook, refusal: Refusal, opened: bool, unmarked: bool) -> None:
    """The first sheet: the file, what happened to it, and every problem with what to do."""
    # the sender's own sheet may have that name
    name = SUMMARY if SUMMARY not in workbook.sheetnames else f"{SUMMARY} kinerja"
    sheet = workbook[name] if name in workbook.sheetnames else workbook.create_sheet(name)
    workbook.move_sheet(sheet, offset=-workbook.index(sheet))
    workbook.active = 0
    region = reference.region_name(refusal.pemda_code) if refusal.pemda_code else None
    lines = [
        (TITLE, Font(bold=True, size=14)),
        (f"Berkas: {visible(refusal.file)}", None),
        (f"Sumber: {bahasa.nama_sumber(refusal.source_code)}"
         + (f" - {region} ({refusal.pemda_code})" if region else ""), None),
        (f"Ditolak: {bahasa.waktu(refusal.refused_at, refusal.pemda_code)}", None),
        (
            "Sel yang bermasalah diwarnai merah dan diberi catatan (komentar) pada lembar data. "
            "Perbaiki sel itu, hapus lembar Ringkasan ini, lalu kirim kembali berkasnya."
            if opened
            else "Berkas ini tidak dapat dibuka sebagai tabel; masalahnya tercantum di bawah.",
            Font(italic=True),
        ),
    ]  # fmt: skip
    if opened and unmarked:
        lines.append(("Masalah tanpa sel (kolom yang tidak ada, seluruh berkas) hanya ada di "
                      "daftar ini.", Font(italic=True)))  # fmt: skip
    for number, (text, font) in enumerate(lines, start=1):
        sheet.cell(number, 1, text).font = font or Font()
    header_row = len(lines) + 2
    headers = ("No", "Lembar", "Baris", "Kolom", "Isian", "Masalah dan cara memperbaiki")
    for column, text in enumerate(headers, start=1):
        cell = sheet.cell(header_row, column, text)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for number, issue in enumerate(refusal.errors, start=1):
        values = (number, issue.sheet, issue.row, issue.column, issue.value,
                  in_indonesian(issue.message))  # fmt: skip
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(header_row + number, column, value)
            cell.alignment = Alignment(wrap_text=column == 6, vertical="top")
    for letter, width in zip("ABCDEF", (5, 16, 7, 26, 30, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    # printed: landscape, one page wide
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
