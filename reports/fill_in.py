"""Fill-in templates: a workbook in a source's layout that the common mistakes cannot be typed
into, for the office that sends the source.

The header is the readers' own (each column's first alias in `column_aliases.csv`) and is
protected; the regency's agencies in force on 31 December of the year are filled in; every
column the contract constrains carries an Excel data validation built from the same contract
(`contracts/sources/`): a drop-down of agency names, predicates, indices or agency types, a
number within its range. An entry that breaks one is refused by Excel with the contract's own
message in Bahasa Indonesia. A template filled in and saved passes `kinerja validate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from contracts import reference
from contracts.messages import in_indonesian, said
from contracts.sources import Field, registry, spreadsheet_sources
from contracts.sources.agencies import AGENCY_TYPES
from orchestration.mistakes import OperatorError
from reports.exports import save_inert

LISTS = "Daftar"  # the hidden sheet the drop-downs read their agency names from
SPARE_ROWS = 10  # empty, unlocked rows below the filled ones
LEADING = ("evaluation_year", "no", "local_code", "agency_name", "index_code")
TRAILING = ("score", "predicate", "note")
# IPP's decrees write the index on 0-100 (Kabupaten Bekasi) or 0-5; the reader tells which.
IPP_DECREE_SCALE = (0.0, 100.0)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True)
class Column:
    name: str  # the contract's column
    label: str  # the header
    field: Field | None


def columns(source_code: str) -> list[Column]:
    """The columns a template of the source writes, in the layout's order."""
    fields = registry()[source_code].tables[0].fields
    labels = reference.column_labels(source_code)
    names = [n for n in labels if n in fields or n == "no"]
    middle = [n for n in names if n not in LEADING + TRAILING]
    ordered = [n for n in LEADING if n in names] + middle + [n for n in TRAILING if n in names]
    return [Column(n, labels[n], fields.get(n)) for n in ordered]


def agencies_in_force(read, regency: str, year: int) -> pd.DataFrame:
    """The regency's agencies on 31 December of `year` (the served `dim_agency`), the regency
    itself first."""
    rows = read(
        """select agency_code, agency_name, agency_short_name, agency_type, parent_agency_code,
                  aliases, valid_from
           from marts.dim_agency
           where pemda_code = ? and valid_from <= ? and valid_to > ?""",
        [regency, date(year, 12, 31), date(year, 12, 31)],
    )
    rows = rows.assign(is_regency=rows["agency_type"] == "pemda")
    return rows.sort_values(["is_regency", "agency_code"], ascending=[False, True])


def write_template(read, source_code: str, regency: str, year: int, folder: Path) -> Path:
    """The template of `source_code` for `regency` and `year`, saved as the file name the
    readers expect (`sakip_2024.xlsx`) under `folder/<regency>/`."""
    if source_code not in spreadsheet_sources():
        raise OperatorError(
            f"no template for {source_code}: one of {', '.join(spreadsheet_sources())}"
        )
    agencies = agencies_in_force(read, regency, year)
    if agencies.empty:
        raise OperatorError(f"no agency of {regency} in force in {year} is published")
    workbook = Workbook()
    names = _agency_list(workbook, agencies)
    sheets = _sheets(source_code, agencies)
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title, index=len(workbook.sheetnames) - 1)
        _fill(sheet, source_code, rows, year, names)
    workbook.active = 0
    path = folder / regency / f"{source_code}_{year}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_inert(workbook, path, stage="template_written")
    return path


def _agency_list(workbook: Workbook, agencies: pd.DataFrame) -> str:
    """A hidden sheet of the agency names; the reference the drop-downs use."""
    sheet = workbook.create_sheet(LISTS)
    sheet.sheet_state = "hidden"
    for row, name in enumerate(agencies["agency_name"], start=1):
        sheet.cell(row, 1, name)
    return f"{quote_sheetname(LISTS)}!$A$1:$A${len(agencies)}"


def _sheets(source_code: str, agencies: pd.DataFrame) -> dict[str, list[dict]]:
    """The sheets of the template and the rows each starts with."""
    source = registry()[source_code]
    units = agencies[~agencies["is_regency"]]
    regency = agencies[agencies["is_regency"]]
    if source_code == "agencies":
        return {"Perangkat Daerah": agencies.to_dict("records")}
    if source_code == "targets":
        rows = []
        for index in reference.indices():  # the regency's own target, then its agencies'
            chosen = pd.concat([regency, units]) if registry()[index].per_agency else regency
            rows += [{"agency_name": name, "index_code": index} for name in chosen["agency_name"]]
        return {"Target": rows}
    chosen = units if source.per_agency else regency
    if source.sheets:  # IPP's decree: agencies in Lampiran I, kecamatan in Lampiran II
        first, second = source.sheets
        kecamatan = chosen["agency_type"] == "kecamatan"
        return {
            first: chosen[~kecamatan].to_dict("records"),
            second: chosen[kecamatan].to_dict("records"),
        }
    return {"Isian": chosen.to_dict("records")}


def _fill(sheet: Worksheet, source_code: str, rows: list[dict], year: int, names: str) -> None:
    spec = columns(source_code)
    for position, column in enumerate(spec, start=1):
        cell = sheet.cell(1, position, column.label)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(position)].width = max(12, len(column.label) + 2)
    last = len(rows) + 1 + SPARE_ROWS
    for number, row in enumerate(rows, start=1):
        values = {"no": number, "evaluation_year": year, **row}
        for position, column in enumerate(spec, start=1):
            value = values.get(column.name)
            if isinstance(value, pd.Timestamp):
                value = value.date()
            sheet.cell(number + 1, position, None if pd.isna(value) else value)
    for position, column in enumerate(spec, start=1):
        letter = get_column_letter(position)
        for row in range(2, last + 1):
            sheet.cell(row, position).protection = Protection(locked=False)
        if column.name == "agency_name":
            sheet.column_dimensions[letter].width = 60
        for validation, first, final in _validations(source_code, column, rows, names, year):
            validation.add(f"{letter}{first}:{letter}{final if final else last}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    # the header cannot be changed; rows can still be added, sorted and filtered
    sheet.protection.sheet = True
    sheet.protection.insertRows = sheet.protection.deleteRows = False
    sheet.protection.sort = sheet.protection.autoFilter = False


def _validations(source_code: str, column: Column, rows: list[dict], names: str, year: int):
    """(validation, first row, last row or None for every row) for one column."""
    name, field = column.name, column.field
    if name == "agency_name" and source_code != "agencies":  # a master names new agencies
        yield _listed(names, said("choose a name from the list of the regency's agencies")), 2, None
    elif name == "evaluation_year":
        yield _between("whole", year, year, said("the evaluation year of this file is {year}",
                                                 year=year)), 2, None  # fmt: skip
    elif name == "index_code":
        yield _choice(list(reference.indices()), _not_an_index()), 2, None
    elif name == "agency_type":
        yield _choice(list(AGENCY_TYPES), _not_a_type()), 2, None
    elif name in {"predicate", "target_band_code"}:
        yield from _bands_by_row(source_code, rows)
    elif name == "target_score":
        yield from _target_scores_by_row(rows)
    elif field is not None and field.kind == "date":
        yield _date(), 2, None
    elif field is not None and field.kind == "float":
        low, high = _range(source_code, name, field)
        if high is None:
            yield _at_least(low), 2, None
        else:
            yield _between("decimal", low, high, _out_of_range(low, high)), 2, None


def _range(source_code: str, name: str, field: Field) -> tuple[float, float | None]:
    if source_code == "ipp" and name == "score":
        return IPP_DECREE_SCALE
    if field.within:
        return float(field.within[0]), float(field.within[1])
    return float(field.at_least or 0), None


def _bands_by_row(source_code: str, rows: list[dict]):
    """A file of one index: its predicates; targets: each index's bands on its own rows."""
    if source_code != "targets":
        codes = list(reference.band_codes(source_code))
        yield _choice(codes, _not_a_band(source_code, codes)), 2, None
        return
    for index, first, final in _blocks(rows):
        codes = list(reference.band_codes(index))
        yield _choice(codes, _not_a_band(index, codes)), first, final


def _target_scores_by_row(rows: list[dict]):
    for index, first, final in _blocks(rows):
        scale = reference.indices()[index]
        low, high = float(scale.scale_min), float(scale.scale_max)
        yield _between("decimal", low, high, _out_of_range(low, high)), first, final


def _blocks(rows: list[dict]):
    """(index, first row, last row) of each index's rows of a targets template."""
    start = 2
    for position, row in enumerate(rows, start=2):
        following = rows[position - 1]["index_code"] if position - 1 < len(rows) else None
        if following != row["index_code"]:
            yield row["index_code"], start, position
            start = position + 1


def _listed(reference_range: str, message) -> DataValidation:
    return _validation(DataValidation(type="list", formula1=f"={reference_range}"), message)


def _choice(values: list[str], message) -> DataValidation:
    return _validation(DataValidation(type="list", formula1=f'"{",".join(values)}"'), message)


def _between(kind: str, low, high, message) -> DataValidation:
    validation = DataValidation(
        type=kind, operator="between", formula1=str(low), formula2=str(high)
    )
    return _validation(validation, message)


def _at_least(low: float) -> DataValidation:
    validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=str(low))
    return _validation(validation, said("must be at least {low}", low=low))


def _date() -> DataValidation:
    validation = DataValidation(type="date", operator="greaterThan", formula1="1")
    return _validation(validation, said("not a date: write it as YYYY-MM-DD"))


def _validation(validation: DataValidation, message) -> DataValidation:
    """Excel refuses the entry and says the contract's message, in Indonesian."""
    validation.allow_blank = True
    validation.showErrorMessage = True
    validation.errorStyle = "stop"
    validation.errorTitle = in_indonesian(said("Not accepted"))
    validation.error = in_indonesian(message)[:255]
    return validation


def _out_of_range(low: float, high: float):
    return said("outside the allowed range {low} to {high}", low=low, high=high)


def _not_a_band(index: str, codes: list[str]):
    return said("not a {index} predicate; expected one of {bands} or their labels", index=index,
                bands=codes)  # fmt: skip


def _not_an_index():
    return said("not an index; expected one of {indices}", indices=list(reference.indices()))


def _not_a_type():
    return said("not an agency type; expected one of {types}", types=list(AGENCY_TYPES))
