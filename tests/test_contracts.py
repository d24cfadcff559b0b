"""Every kind of bad input the issue lists gets a refusal that names file, row, column and value."""

import copy
import json
from datetime import datetime

import pytest

from contracts.failures import ERROR, WARNING
from ingest.options import Options
from ingest.pipeline import check_file
from orchestration.settings import PROJECT_ROOT
from tests import builders as b
from tests.conftest import BEKASI, SAMPLES, sample_masters


def check(source, path, pemda_code=BEKASI, **options):
    return check_file(source, path, Options(pemda_code=pemda_code, **options), sample_masters())


def errors_of(source, path, **options):
    frames, issues = check(source, path, **options)
    return frames, [i for i in issues if i.severity == ERROR]


def only_error(index_code, path, **options):
    frames, errors = errors_of(index_code, path, **options)
    assert frames == {}, "a refused file yields no rows"
    assert len(errors) == 1, [e.describe() for e in errors]
    return errors[0]


def test_a_good_sakip_export_passes_with_its_rows(tmp_path):
    frames, errors = errors_of("sakip", b.sakip_csv(tmp_path / "sakip_2023.csv"))
    assert errors == []
    frame = frames["sakip"]
    assert list(frame["agency_code"]) == [
        "32.16.SETDA",
        "32.16.KEC_BABELAN",
        "32.16.DISKOMINFOSANTIK",
    ]
    assert list(frame["score"]) == [75.75, 59.5, 83.5]
    assert list(frame["predicate"]) == ["BB", "CC", "A"]
    assert set(frame["evaluation_year"]) == {2023}
    assert list(frame["source_row"]) == [2, 3, 4]  # the header is line 1


def test_missing_column(tmp_path):
    header = [h for h in b.SAKIP_HEADER if h != "Pelaporan Kinerja"]
    rows = [r[:4] + r[5:] for r in b.SAKIP_ROWS]
    issue = only_error("sakip", b.sakip_csv(tmp_path / "sakip_2023.csv", rows, header))
    assert (issue.check, issue.column) == ("missing_column", "pelaporan")
    assert "missing" in issue.message


def test_unknown_header(tmp_path):
    header = b.SAKIP_HEADER + ["Catatan Evaluator"]
    rows = [r + ["-"] for r in b.SAKIP_ROWS]
    issue = only_error("sakip", b.sakip_csv(tmp_path / "sakip_2023.csv", rows, header))
    assert (issue.check, issue.column) == ("unknown_column", "Catatan Evaluator")
    assert issue.file.endswith("sakip_2023.csv")


def test_score_out_of_scale(tmp_path):
    rows = copy.deepcopy(b.SAKIP_ROWS)
    rows[1][2:7] = ["30,00", "30,00", "15,00", "25,00", "100,00"]
    rows[1][6] = "105,00"
    path = b.sakip_csv(tmp_path / "sakip_2023.csv", rows)
    _, errors = errors_of("sakip", path)
    scale = [e for e in errors if e.check == "in_range(0.0, 100.0)"]
    assert [(e.row, e.column, e.value) for e in scale] == [(3, "Nilai", "105")]


def test_predicate_disagreeing_with_score(tmp_path):
    rows = copy.deepcopy(b.SAKIP_ROWS)
    rows[0][7] = "A"  # 75,75 is BB
    issue = only_error("sakip", b.sakip_csv(tmp_path / "sakip_2023.csv", rows))
    assert (issue.check, issue.row, issue.column, issue.value) == (
        "predicate_matches_score",
        2,
        "Predikat",
        "A",
    )
    assert "75.75 is band BB" in issue.message


def test_predicate_on_a_boundary_is_kept_with_a_warning(tmp_path):
    rows = copy.deepcopy(b.SAKIP_ROWS)
    rows[0][2:8] = ["25,00", "25,00", "12,00", "18,00", "80,00", "A"]  # 80 is BB by the table
    frames, issues = check("sakip", b.sakip_csv(tmp_path / "sakip_2023.csv", rows))
    assert [(i.severity, i.check, i.row) for i in issues] == [(WARNING, "predicate_on_boundary", 2)]
    assert frames["sakip"]["predicate"].iloc[0] == "A"


def test_components_not_summing(tmp_path):
    rows = copy.deepcopy(b.SAKIP_ROWS)
    rows[2][6] = "84,50"  # components add up to 83,50
    issue = only_error("sakip", b.sakip_csv(tmp_path / "sakip_2023.csv", rows))
    assert (issue.check, issue.row, issue.column, issue.value) == (
        "components_sum_to_score",
        4,
        "Nilai",
        "84.5",
    )


def test_component_above_its_weight(tmp_path):
    rows = copy.deepcopy(b.SAKIP_ROWS)
    rows[0][4] = "16,25"  # Pelaporan is worth 15 points
    rows[0][6] = "80,75"
    rows[0][7] = "A"
    path = b.sakip_csv(tmp_path / "sakip_2023.csv", rows)
    _, errors = errors_of("sakip", path)
    assert [(e.check, e.column, e.value) for e in errors] == [
        ("in_range(0, 15.0)", "Pelaporan Kinerja", "16.25")
    ]


def test_duplicate_agency_year_after_folding_aliases(tmp_path):
    rows = copy.deepcopy(b.SAKIP_ROWS) + [
        [4, "Kecamatan  BABELAN", "18,00", "17,50", "9,00", "15,00", "59,50", "CC"]
    ]
    _, errors = errors_of("sakip", b.sakip_csv(tmp_path / "sakip_2023.csv", rows))
    assert {(e.check, e.row, e.value) for e in errors} == {
        ("one_row_per_agency_year", 3, "Kec. Babelan"),
        ("one_row_per_agency_year", 5, "Kecamatan BABELAN"),
    }


def test_unknown_agency_suggests_the_closest_names(tmp_path):
    rows = copy.deepcopy(b.SAKIP_ROWS)
    rows[0][1] = "Dinas Pendidkan"
    issue = only_error("sakip", b.sakip_csv(tmp_path / "sakip_2023.csv", rows))
    assert (issue.check, issue.row, issue.column, issue.value) == (
        "known_agency",
        2,
        "Perangkat Daerah",
        "Dinas Pendidkan",
    )
    assert "'Dinas Pendidikan', 'Dinas Perindustrian', 'Dinas Perhubungan'" in issue.message


def test_ambiguous_number(tmp_path):
    path = b.write_json(
        tmp_path / "spip.json", b.ckan_answer([b.SPIP_RECORD | {"skor_maturitas": "3.125"}])
    )
    issue = only_error("spip", path)
    assert (issue.check, issue.row, issue.column, issue.value) == (
        "number_format",
        1,
        "skor_maturitas",
        "3.125",
    )
    assert "ambiguous" in issue.message


def test_empty_file(tmp_path):
    path = tmp_path / "sakip_2023.csv"
    path.write_bytes(b"")
    assert only_error("sakip", path).check == "empty_file"


def test_header_without_rows(tmp_path):
    issue = only_error("sakip", b.sakip_csv(tmp_path / "sakip_2023.csv", rows=[]))
    assert issue.check == "empty_file"


def test_wrong_sheet(tmp_path):
    path = b.xlsx(tmp_path / "ipp_2024.xlsx", {"Sheet1": [["Unit", "Nilai"]]})
    issue = only_error("ipp", path)
    assert issue.check == "sheet_not_found"
    assert "Lampiran I" in issue.message and "Sheet1" in issue.message


def test_not_an_xlsx(tmp_path):
    path = tmp_path / "sakip_2023.xlsx"
    path.write_text("HASIL EVALUASI;Nilai\n", encoding="utf-8")
    issue = only_error("sakip", path)
    assert issue.check == "not_xlsx"
    assert issue.file.endswith("sakip_2023.xlsx")


def test_truncated_json(tmp_path):
    text = json.dumps(b.ckan_answer([b.SPIP_RECORD]))
    path = tmp_path / "spip.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    issue = only_error("spip", path)
    assert issue.check == "invalid_json"
    assert "truncated" in issue.message and issue.row == 1


def test_portal_success_false_is_an_error_not_an_empty_source(tmp_path):
    path = b.write_json(tmp_path / "spip.json", b.ckan_answer([], success=False))
    issue = only_error("spip", path)
    assert issue.check == "portal_error"
    assert "Not found" in issue.message


def test_merit_file_in_the_2025_model(tmp_path):
    rows = [
        ["Tahun", "Instansi", "Nilai", "Kategori"],
        [2025, "Pemerintah Kabupaten Bekasi", "0,62", "Berkembang"],
    ]
    path = b.xlsx(tmp_path / "merit_2025.xlsx", {"Penilaian": rows})
    issue = only_error("merit", path)
    assert issue.check == "unsupported_model"
    assert "19/2025" in issue.message


def test_year_in_title_and_file_name_disagree(tmp_path):
    path = b.sakip_csv(tmp_path / "sakip_2023.csv", title="HASIL EVALUASI AKIP TAHUN 2024")
    issue = only_error("sakip", path)
    assert issue.check == "year_disagreement"
    assert "title block says 2024" in issue.message and "file name says 2023" in issue.message


def test_file_without_any_evaluation_year(tmp_path):
    assert only_error("sakip", b.sakip_csv(tmp_path / "sakip.csv")).check == "year_unknown"


def test_ipp_values_fitting_neither_scale(tmp_path):
    header = ["No", "Unit Penyelenggara Pelayanan Publik", "Nilai Indeks", "Kategori", "Keterangan"]
    rows = [header, [1, "RSUD Kabupaten Bekasi", 4.2, "A-", ""], [2, "Dinas Sosial", 88, "A-", ""]]
    path = b.xlsx(tmp_path / "ipp_2024.xlsx", {"Lampiran I": rows})
    assert only_error("ipp", path).check == "scale_unknown"


def test_ipp_decree_on_0_100_keeps_native_value_and_bands_the_0_5_score(tmp_path):
    header = ["No", "Unit Penyelenggara Pelayanan Publik", "Nilai Indeks", "Kategori", "Keterangan"]
    opd = [header, [1, "RSUD Kab. Bekasi", 97.8, "A (Pelayanan Prima)", "Pelayanan Prima"]]
    kec = [
        header,
        [1, "Kec. Sukakarya", "90,00", "Sangat Baik", "Sangat Baik"],
        ["Rata-rata", "", 90],
    ]
    path = b.xlsx(tmp_path / "ipp_2025.xlsx", {"Lampiran I": opd, "Lampiran II": kec})
    frames, errors = errors_of("ipp", path)
    assert errors == []
    frame = frames["ipp"].set_index("agency_code")
    assert frame.loc[
        "32.16.RSUD", ["native_score", "native_scale", "score", "predicate"]
    ].tolist() == [
        97.8,
        100.0,
        4.89,
        "A",
    ]
    assert frame.loc["32.16.KEC_SUKAKARYA", "score"] == 4.5
    assert frame.loc["32.16.KEC_SUKAKARYA", "source_sheet"] == "Lampiran II"


def test_ipp_scale_stated_in_the_manifest_must_fit(tmp_path):
    header = ["No", "Unit Penyelenggara Pelayanan Publik", "Nilai Indeks", "Kategori", "Keterangan"]
    rows = [header, [1, "Dinas Sosial", 88, "A-", ""]]
    path = b.xlsx(tmp_path / "ipp_2024.xlsx", {"Lampiran I": rows})
    assert only_error("ipp", path, scale=5).check == "scale_mismatch"


def test_rb_kode_must_belong_to_the_named_agency(tmp_path):
    path = tmp_path / "rb_2023.csv"
    path.write_text(
        "Tahun,Kode,Perangkat Daerah,Nilai,Predikat\n"
        "2023,SETDA,Sekretariat Daerah,71.20,BB\n"
        "2023,DINKES,Dinas Pendidikan,65.00,B\n",
        encoding="utf-8",
    )
    issue = only_error("rb", path)
    assert (issue.check, issue.row, issue.column, issue.value) == (
        "kode_matches_agency",
        3,
        "Kode",
        "DINKES",
    )


def test_spbe_needs_its_47_indicators(tmp_path):
    document = json.loads(
        (SAMPLES / "spbe" / BEKASI / "spbe_2024.json").read_text(encoding="utf-8")
    )
    document["indikator"] = document["indikator"][:46]
    issue = only_error("spbe", b.write_json(tmp_path / "spbe_2024.json", document))
    assert issue.check == "forty_seven_indicators"


def test_spbe_maturity_level_out_of_range_names_the_indicator(tmp_path):
    document = json.loads(
        (SAMPLES / "spbe" / BEKASI / "spbe_2024.json").read_text(encoding="utf-8")
    )
    document["indikator"][9]["tingkat_kematangan"] = 6
    issue = only_error("spbe", b.write_json(tmp_path / "spbe_2024.json", document))
    assert (issue.check, issue.row, issue.column, issue.value) == (
        "in_range(1, 5)",
        10,
        "tingkat_kematangan",
        "6",
    )


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.name != "README.md"),
    ids=lambda p: str(p.relative_to(SAMPLES)),
)
def test_every_bundled_sample_meets_its_contract(path):
    source, region = path.relative_to(SAMPLES).parts[:2]
    _, errors = errors_of(source, path, pemda_code=region)
    assert errors == []


# --- Regions: a file belongs to one region, and its content must agree ---


def test_a_title_naming_another_regency_refuses_the_file(tmp_path):
    path = b.sakip_csv(
        tmp_path / "sakip_2023.csv",
        title="HASIL EVALUASI AKIP TAHUN 2023 PERANGKAT DAERAH KABUPATEN KARAWANG",
    )
    issue = only_error("sakip", path)
    assert issue.check == "region_disagreement"
    assert "Kabupaten Karawang (32.15)" in issue.message and "32.16" in issue.message


def test_an_agency_of_another_regency_is_unknown_in_this_one(tmp_path):
    rows = copy.deepcopy(b.SAKIP_ROWS)  # Kec. Babelan is Bekasi's; Karawang has its own Setda
    _, errors = errors_of(
        "sakip", b.sakip_csv(tmp_path / "sakip_2023.csv", rows), pemda_code="32.15"
    )
    assert [(e.check, e.value) for e in errors] == [("known_agency", "Kec. Babelan")]
    assert "master for 32.15" in errors[0].message


def test_a_province_file_resolves_each_row_in_its_own_regency(tmp_path):
    records = [
        b.SPIP_RECORD,
        b.SPIP_RECORD | {"kode_wilayah": "32.15", "nama_wilayah": "Kab. Karawang"},
    ]
    frames, errors = errors_of(
        "spip", b.write_json(tmp_path / "spip.json", b.ckan_answer(records)), pemda_code="32"
    )
    assert errors == []
    assert list(frames["spip"]["agency_code"]) == ["32.16", "32.15"]


def test_a_tahun_column_of_dates_is_named_as_such_when_nothing_else_gives_the_year(tmp_path):
    rows = [["Tahun", *b.SAKIP_HEADER[1:]]]
    rows += [[datetime(2021, 1, 1), *row[1:]] for row in b.SAKIP_ROWS]
    path = b.xlsx(tmp_path / "sakip_hasil_evaluasi.xlsx", {"Hasil": rows})
    issue = only_error("sakip", path)
    assert (issue.check, issue.row, issue.column, issue.value) == (
        "year_format", 2, "Tahun", "2021-01-01",
    )  # fmt: skip
    assert "holds dates or text, not evaluation years (3 cell(s))" in issue.message
    assert "add a 'Tahun' column" not in issue.message


def test_a_ckan_answer_loads_without_the_portals_own_fields(tmp_path):
    """datastore_search adds `_id` to every record, and `_full_text` and `rank` when it searched;
    `result.fields` lists the columns with their types."""
    records = [
        {"_id": n, **b.SPIP_RECORD, "tahun": year, "_full_text": "'bekasi':2", "rank": 0.06}
        for n, year in ((1, 2023), (2, 2024))
    ]
    answer = b.ckan_answer(records)
    answer["result"]["fields"] = [{"id": "_id", "type": "int"}, {"id": "tahun", "type": "int"}]
    frames, errors = errors_of("spip", b.write_json(tmp_path / "spip.json", answer))
    assert errors == []
    assert list(frames["spip"]["evaluation_year"]) == [2023, 2024]
    assert list(frames["spip"]["score"]) == [3.12, 3.12]


def test_an_unknown_field_of_a_ckan_record_still_refuses_the_answer(tmp_path):
    records = [{"_id": 1, **b.SPIP_RECORD, "catatan_bpkp": "x"}]
    issue = only_error("spip", b.write_json(tmp_path / "spip.json", b.ckan_answer(records)))
    assert (issue.check, issue.column) == ("unknown_column", "catatan_bpkp")


def test_a_row_of_another_regency_in_a_regency_file_is_refused(tmp_path):
    records = [b.SPIP_RECORD | {"kode_wilayah": "32.15", "nama_wilayah": "Kab. Karawang"}]
    issue = only_error("spip", b.write_json(tmp_path / "spip.json", b.ckan_answer(records)))
    assert (issue.check, issue.row, issue.column, issue.value) == (
        "region_of_file",
        1,
        "kode_wilayah",
        "32.15",
    )


def test_a_region_outside_the_region_list_is_refused(tmp_path):
    issue = only_error("sakip", b.sakip_csv(tmp_path / "sakip_2023.csv"), pemda_code="99.99")
    assert issue.check == "unknown_region"


# --- A reader that fails in a way nobody foresaw refuses the file, never the run ---


def test_an_exception_inside_a_reader_refuses_the_file_as_unreadable(tmp_path, monkeypatch):
    """Every known bad input has a check of its own (tests/corpus); this is the net under them."""

    def broken(*args, **kwargs):
        raise MemoryError("openpyxl could not allocate a row")

    monkeypatch.setattr("ingest.workbooks.read_xlsx", broken)
    path = b.xlsx(tmp_path / "sakip_2023.xlsx", {"Hasil": [b.SAKIP_HEADER, *b.SAKIP_ROWS]})
    issue = only_error("sakip", path)
    assert issue.check == "unreadable"
    assert (
        issue.message == "the file cannot be read: MemoryError: openpyxl could not allocate a row"
    )
    assert issue.file == str(path)


# --- Agency masters ---

MASTER_HEADER = (
    "agency_code,agency_name,agency_short_name,agency_type,parent_agency_code,aliases,valid_from\n"
)
MASTER_ROWS = (
    "32.16,Pemerintah Kabupaten Bekasi,Pemkab Bekasi,pemda,32,Kab. Bekasi,2017-01-01\n"
    "32.16.SETDA,Sekretariat Daerah,Setda,sekretariat,32.16,,2017-01-01\n"
    "32.16.DISDIK,Dinas Pendidikan,Disdik,dinas,32.16,,2017-01-01\n"
)


def master(tmp_path, rows=MASTER_ROWS, name="agencies.csv"):
    path = tmp_path / name
    path.write_text(MASTER_HEADER + rows, encoding="utf-8")
    return path


def test_a_good_master_lists_every_version_of_every_agency(tmp_path):
    rename = "32.16.DISDIK,Dinas Pendidikan dan Kebudayaan,Disdikbud,dinas,32.16,,2026-01-01\n"
    frames, errors = errors_of("agencies", master(tmp_path, MASTER_ROWS + rename))
    assert errors == []
    disdik = frames["agency_master"].query("agency_code == '32.16.DISDIK'")
    assert [str(d.date()) for d in disdik["valid_from"]] == ["2017-01-01", "2026-01-01"]


@pytest.mark.parametrize(
    ("row", "check", "column"),
    [
        ("32.15.DINSOS,Dinas Sosial,Dinsos,dinas,32.16,,2017-01-01", "code_under_regency", "agency_code"),
        ("32.16.DINSOS,Dinas Sosial,Dinsos,dinas_sosial,32.16,,2017-01-01", "known_agency_type", "agency_type"),
        ("32.16.UPTD,UPTD Pasar,UPTD,other,32.16.DISPERINDAG,,2017-01-01", "parent_exists", "parent_agency_code"),
        ("32.16.DINSOS,Dinas Sosial,Disdik,dinas,32.16,,2017-01-01", "name_names_one_agency", "agency_name"),
        ("32.16.DINSOS,Dinas Sosial,Dinsos,dinas,32.16,,1 Januari 2017", "date_format", "valid_from"),
        ("32.16.SETDA,Setda Baru,Setda,sekretariat,32.16,,2017-01-01", "one_version_per_date", "agency_code"),
    ],
    ids=["code-of-another-regency", "unknown-type", "parent-missing", "name-of-two-agencies", "date", "duplicate-version"],
)  # fmt: skip
def test_master_contract(tmp_path, row, check, column):
    _, errors = errors_of("agencies", master(tmp_path, MASTER_ROWS + row + "\n"))
    assert (check, column) in {(e.check, e.column) for e in errors}, [e.describe() for e in errors]
    assert all(e.row is not None for e in errors if e.check == check)


def test_a_kecamatan_the_region_list_does_not_know_loads_with_a_warning(tmp_path):
    """The real kecamatan of Kabupaten Bekasi come from the Kemendagri list: a misspelt one is
    named with the closest real names; spacing (Karang Bahagia, Karangbahagia) is no error."""
    rows = MASTER_ROWS + (
        "32.16.KEC_KARANGBAHAGIA,Kecamatan Karang Bahagia,Kec. Karangbahagia,kecamatan,32.16,,2017-01-01\n"
        "32.16.KEC_BABELAN,Kecamatan Babelann,Kec. Babelan,kecamatan,32.16,,2017-01-01\n"
    )
    frames, issues = check("agencies", master(tmp_path, rows))
    assert len(frames["agency_master"]) == 5
    assert [(i.severity, i.check, i.row, i.column, i.value) for i in issues] == [
        (WARNING, "kecamatan_not_in_region_list", 6, "agency_name", "Kecamatan Babelann")
    ]
    assert "not a kecamatan of Kabupaten Bekasi" in issues[0].message
    assert "closest: 'Babelan'" in issues[0].message


def test_a_master_without_the_regency_row_is_refused(tmp_path):
    _, errors = errors_of("agencies", master(tmp_path, MASTER_ROWS.split("\n", 1)[1]))
    whole = [e for e in errors if e.check == "regency_row_present"]
    assert [(e.row, e.value) for e in whole] == [(None, None)]
    assert "no row for the regency itself (32.16, type pemda)" in whole[0].message


# --- Targets ---


def targets(tmp_path, rows):
    path = tmp_path / "targets_2025.csv"
    header = "agency,index_code,evaluation_year,target_band,target_score,plan_document\n"
    path.write_text(header + rows, encoding="utf-8")
    return path


def test_targets_name_agencies_by_code_or_as_written_and_bands_by_label(tmp_path):
    rows = (
        "32.16,sakip,2025,A,,RPJMD 2021-2026\n"
        "Kec. Babelan,ipp,2025,Sangat Baik,,Renstra\n"
        "dinas pendidikan,rb,2025,bb,75,Renstra\n"
    )
    frames, errors = errors_of("targets", targets(tmp_path, rows))
    assert errors == []
    frame = frames["targets"]
    assert list(frame["agency_code"]) == ["32.16", "32.16.KEC_BABELAN", "32.16.DISDIK"]
    assert list(frame["target_band_code"]) == ["A", "A-", "BB"]


def test_a_target_stated_as_a_score_alone_takes_the_band_the_score_falls_in(tmp_path):
    rows = (
        "32.16,sakip,2025,,70,RPJMD 2021-2026\n"  # on B's inclusive upper bound
        '32.16,spbe,2025,,"3,6",RPJMD 2021-2026\n'
        "Kec. Babelan,ipp,2025,,4.51,Renstra\n"
        "dinas pendidikan,rb,2025,BB,75,Renstra\n"
    )
    frames, errors = errors_of("targets", targets(tmp_path, rows))
    assert errors == []
    frame = frames["targets"]
    assert list(frame["target_band_code"]) == ["B", "Sangat Baik", "A", "BB"]
    assert list(frame["target_score"]) == [70.0, 3.6, 4.51, 75.0]


def test_a_plan_of_scores_alone_needs_no_band_column(tmp_path):
    path = tmp_path / "targets_2025.csv"
    path.write_text(
        "agency;index_code;evaluation_year;target_score;plan_document\n"
        "32.16;sakip;2025;70,5;RPJMD 2021-2026\n"
        "Kec. Babelan;ipp;2025;4,2;Renstra\n",
        encoding="utf-8",
    )
    frames, errors = errors_of("targets", path)
    assert errors == []
    assert list(frames["targets"]["target_band_code"]) == ["BB", "A-"]


def test_a_target_with_neither_band_nor_score_is_refused(tmp_path):
    issue = only_error("targets", targets(tmp_path, "32.16,sakip,2025,,,RPJMD\n"))
    assert (issue.check, issue.row, issue.column) == ("not_nullable", 2, "target_band")
    assert "a band (BB) or a score" in issue.message


@pytest.mark.parametrize(
    ("row", "check", "column"),
    [
        ("Dinas Pariwisata Luar Angkasa,sakip,2025,A,,RPJMD", "known_agency", "agency"),
        ("32.16,zi,2025,A,,RPJMD", "known_index", "index_code"),
        ("32.16,spip,2025,AA,,RPJMD", "target_band_of_index", "target_band"),
        ("32.16,sakip,2025,A,95,RPJMD", "target_score_in_band", "target_score"),
    ],
    ids=["unknown-agency", "unknown-index", "band-of-another-index", "score-outside-its-band"],
)
def test_targets_contract(tmp_path, row, check, column):
    issue = only_error("targets", targets(tmp_path, row + "\n"))
    assert (issue.check, issue.row, issue.column) == (check, 2, column)


def test_ipp_90_10_on_0_100_is_4_51_and_band_a(tmp_path):
    header = ["No", "Unit Penyelenggara Pelayanan Publik", "Nilai Indeks", "Kategori", "Keterangan"]
    rows = [header, [1, "Dinas Sosial", "90,10", "A", ""], [2, "Dinkes", "70,30", "B", ""]]
    frames, errors = errors_of("ipp", b.xlsx(tmp_path / "ipp_2025.xlsx", {"Lampiran I": rows}))
    assert errors == []
    assert frames["ipp"][["score", "predicate"]].values.tolist() == [[4.51, "A"], [3.52, "B"]]


def test_a_score_beyond_its_scale_is_said_to_be_the_scores_fault(tmp_path):
    """RB 175,96 with a predicate: its owner is told the score is wrong (outside 0-100), not
    to make the predicate fit it."""
    path = tmp_path / "rb_2024.csv"
    path.write_text(
        "Tahun;Kode;Perangkat Daerah;Nilai;Predikat\n2024;SETDA;Sekretariat Daerah;175,96;AA\n",
        encoding="utf-8",
    )
    issue = only_error("rb", path)
    assert (issue.check, issue.row, issue.column) == ("in_range(0.0, 100.0)", 2, "Nilai")
    assert issue.in_indonesian().endswith(
        "di luar rentang yang diperbolehkan, 0 sampai 100: periksa kembali nilainya"
    )


def _lying_workbook(path, inflates_to: int, declares: int = 1000):
    """A good SAKIP workbook with one more member that inflates to `inflates_to` bytes while
    its headers (local and central) declare `declares`."""
    import struct
    import zipfile

    b.xlsx(path, {"Hasil Evaluasi": [b.SAKIP_HEADER, *b.SAKIP_ROWS]})
    name = "xl/media/padding.bin"
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w") as member:
            block = bytes(1 << 20)
            for _ in range(inflates_to >> 20):
                member.write(block)
        offset = archive.getinfo(name).header_offset
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, offset + 22, declares)  # the local header's size
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, declares)  # the central directory's size
    path.write_bytes(bytes(data))


def test_a_workbook_that_hides_its_size_is_refused_in_bounded_memory(tmp_path):
    """It declares 1 KB and inflates to a gigabyte: refused by what it really inflates to,
    counted while inflating, before any reader unpacks it (a reader would take a gigabyte)."""
    import resource
    import subprocess
    import sys

    path = tmp_path / "sakip_2023.xlsx"
    _lying_workbook(path, inflates_to=1 << 30)
    probe = (
        "import resource, sys\n"
        "from ingest.options import Options\n"
        "from ingest.pipeline import check_file\n"
        "from contracts.agencies import Masters\n"
        "from pathlib import Path\n"
        "path = Path(sys.argv[1])\n"
        "_, issues = check_file('sakip', path, Options(pemda_code='32.16'), Masters())\n"
        "print(issues[0].check)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True,
        cwd=PROJECT_ROOT,
    )  # fmt: skip
    check, peak_kib = done.stdout.split()
    assert check == "uncompressed_too_large"
    assert int(peak_kib) < 400 * 1024, f"peak {int(peak_kib) // 1024} MB"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 2 << 20  # this process too
