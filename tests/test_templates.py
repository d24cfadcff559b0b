"""A fill-in template: the regency's agencies filled in, the contract's checks as Excel
validations, a protected header; filled in by a person and saved, it passes validate and loads."""

import shutil

import openpyxl
import pytest

from orchestration import cli
from orchestration.settings import PROJECT_ROOT, Settings
from tests.conftest import BEKASI, SAMPLES, query, run_refresh

YEAR = 2026  # a year the samples have no SAKIP file for


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("templates")
    settings = Settings(
        sources_dir=shutil.copytree(SAMPLES, root / "sources"),
        warehouse=root / "warehouse" / "kinerja.duckdb",
        manifest=PROJECT_ROOT / "ingest" / "sources.yaml",
    )
    assert run_refresh(settings).success
    return settings


@pytest.fixture
def kinerja(settings, monkeypatch, capsys):
    monkeypatch.setenv("KINERJA_WAREHOUSE", str(settings.warehouse))

    def run(*argv: str) -> tuple[int, str]:
        code = cli.main(list(argv))
        return code, capsys.readouterr().out

    return run


def _template(kinerja, source: str, year: int = YEAR) -> openpyxl.Workbook:
    code, out = kinerja("template", "--regency", BEKASI, "--source", source, "--year", str(year))
    assert code == 0
    return out.strip()


def _validations(sheet) -> dict[str, tuple]:
    """Header -> (type, operator, formula1, formula2) of the validation on its column."""
    headers = {cell.column_letter: cell.value for cell in sheet[1]}
    found = {}
    for validation in sheet.data_validations.dataValidation:
        letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
        found[headers[letter]] = (validation.type, validation.operator, validation.formula1,
                                  validation.formula2, validation.error)  # fmt: skip
    return found


def test_the_sakip_template_has_the_agencies_and_the_contracts_checks(kinerja):
    workbook = openpyxl.load_workbook(_template(kinerja, "sakip"))
    assert workbook.sheetnames == ["Isian", "Daftar"]
    assert workbook["Daftar"].sheet_state == "hidden"
    sheet = workbook["Isian"]
    assert [c.value for c in sheet[1]] == [
        "Tahun", "No", "Perangkat Daerah", "Perencanaan Kinerja", "Pengukuran Kinerja",
        "Pelaporan Kinerja", "Evaluasi Akuntabilitas Kinerja Internal", "Nilai", "Predikat",
    ]  # fmt: skip
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True) if row[2]]
    assert len(names) == 61 and "Kecamatan Babelan" in names  # 38 OPDs and 23 kecamatan
    checks = _validations(sheet)
    assert checks["Perangkat Daerah"][:3] == ("list", None, "='Daftar'!$A$1:$A$62")
    assert checks["Predikat"][2] == '"AA,A,BB,B,CC,C,D"'
    assert checks["Perencanaan Kinerja"] == (
        "decimal", "between", "0.0", "30.0",
        "di luar rentang yang diperbolehkan, 0 sampai 30: periksa kembali nilainya",
    )  # fmt: skip
    assert checks["Nilai"][1:4] == ("between", "0.0", "100.0")
    assert sheet.protection.sheet and sheet["C1"].protection.locked
    assert not sheet["C2"].protection.locked and not sheet["H40"].protection.locked


def test_a_filled_template_passes_validate_and_loads(settings, kinerja):
    path = _template(kinerja, "sakip")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Isian"]
    for row in sheet.iter_rows(min_row=2):
        if row[2].value:  # as a person types them: points per component, the sum, a predicate
            for cell, points in zip(row[3:8], (25, 22.5, 12, 20.75, 80.25), strict=True):
                cell.value = points
            row[8].value = "A"
    workbook.save(path)
    code, out = kinerja("validate", path)
    assert code == 0 and out.startswith(f"{path} [sakip, {BEKASI}]: ok (61 rows)")
    shutil.copy(path, settings.sources_dir / "sakip" / BEKASI / f"sakip_{YEAR}.xlsx")
    assert run_refresh(settings).success
    [(rows, band)] = query(
        settings,
        "select count(*), min(band_code) from marts.fct_agency_score "
        "where index_code = 'sakip' and evaluation_year = ? and pemda_code = ?",
        [YEAR, BEKASI],
    )
    assert (rows, band) == (61, "A")


def test_the_targets_template_offers_each_indexs_own_bands(kinerja):
    sheet = openpyxl.load_workbook(_template(kinerja, "targets"))["Target"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    header = [c.value for c in sheet[1]]
    index_at = header.index("index_code")
    merit = [n for n, row in enumerate(rows, start=2) if row[index_at] == "merit"]
    assert len(merit) == 1  # the merit system is the regency's own score
    band_letter = sheet.cell(1, header.index("target_band") + 1).column_letter
    lists = {
        str(v.sqref): v.formula1
        for v in sheet.data_validations.dataValidation
        if str(v.sqref).startswith(band_letter)
    }
    assert lists[f"{band_letter}{merit[0]}"] == '"IV,III,II,I"'  # its categories, best first


def test_the_agency_master_template_is_the_master_in_force_and_passes_as_it_is(kinerja):
    path = _template(kinerja, "agencies", 2025)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sum(1 for row in rows if row[0]) == 62  # the regency, 38 OPDs, 23 kecamatan
    assert any(row[5] and "|" in row[5] for row in rows)  # the aliases are kept
    code, out = kinerja("validate", path)
    assert code == 0, out
