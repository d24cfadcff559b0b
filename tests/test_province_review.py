"""The province's view, as its readers get it: rendered by Chromium, checked against the marts."""

import csv

import openpyxl
import pytest
from bs4 import BeautifulSoup

from orchestration import cli
from reports.bahasa import angka
from reports.monthly_review import render_review
from reports.render import chromium
from reports.review_data import ReviewMonth
from tests.browser import browser_page
from tests.conftest import BEKASI, KARAWANG, query

MONTH = "2025-12"


@pytest.fixture(scope="module")
def page(published_samples):
    settings, result = published_samples
    assert result.success
    return settings, _render(settings)


def _render(settings) -> BeautifulSoup:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KINERJA_WAREHOUSE", str(settings.warehouse))
        assert cli.main(["report", "--province", "32", "--as-of", MONTH]) == 0
    html = settings.reports_dir / "32" / MONTH / f"tinjauan-provinsi-32-{MONTH}.html"
    done = chromium("--dump-dom", html.resolve().as_uri())
    assert done.returncode == 0, done.stderr
    return BeautifulSoup(done.stdout, "html.parser")


def _latest_own_scores(settings) -> dict[tuple[str, str], tuple]:
    rows = query(
        settings,
        """select pemda_code, index_code, evaluation_year, score, band_code
           from marts.agency_score_trend
           where agency_code = pemda_code and evaluation_year <= 2025
             and (announced_on is null or announced_on <= date '2025-12-31')
           qualify evaluation_year = max(evaluation_year)
               over (partition by pemda_code, index_code)""",
    )
    return {(pemda, index): (year, score, band) for pemda, index, year, score, band in rows}


def test_both_regencies_side_by_side_with_their_latest_own_scores(page):
    settings, soup = page
    assert soup.select_one("#province").get_text() == "Provinsi Jawa Barat"
    rows = soup.select("#heatmap-daerah tbody tr")
    assert [row["data-regency"] for row in rows] == [KARAWANG, BEKASI]
    expected = _latest_own_scores(settings)
    shown = {
        (row["data-regency"], cell["data-index"]): cell.get_text(" ", strip=True)
        for row in rows
        for cell in row.select("td.cell")
        if cell.get_text(strip=True) != "–"
    }
    assert shown == {
        key: f"{angka(score)} {band} ({year})" for key, (year, score, band) in expected.items()
    }
    assert len(shown) >= 8  # five indices with a regency score, two regencies


def test_each_index_ranks_the_regencies_by_their_latest_score(page):
    settings, soup = page
    expected = _latest_own_scores(settings)
    for table in soup.select("#posisi table.ranking"):
        index = table["data-index"]
        ranked = [(row["data-regency"], int(row.td.get_text())) for row in table.select("tbody tr")]
        scores = {code: expected[(code, index)][1] for code, _ in ranked}
        best = max(scores.values())
        assert [rank for _, rank in ranked] == sorted(rank for _, rank in ranked)
        assert {code for code, rank in ranked if rank == 1} == {
            code for code, score in scores.items() if score == best
        }


def test_belum_lapor_lists_what_another_regency_already_has(page):
    settings, soup = page
    late = {
        (row["data-regency"], row["data-index"], int(row.select("td")[2].get_text()))
        for row in soup.select("#daftar-belum-lapor tbody tr")
    }
    results = set(
        query(
            settings,
            "select distinct pemda_code, index_code, evaluation_year from marts.fct_agency_score "
            "where evaluation_year <= 2025 "
            "and (announced_on is null or announced_on <= date '2025-12-31')",
        )
    )
    assert late and not late & results  # nothing listed as late has in fact arrived
    for regency, index, year in late:  # and another regency has it
        assert any(r != regency and i == index and y == year for r, i, y in results)
    assert (KARAWANG, "rb", 2025) in late and (BEKASI, "rb", 2025) in results
    assert soup.select_one("#jumlah-belum-lapor").get_text() == str(len(late))


def test_the_share_of_targets_met_matches_the_target_gaps(page):
    settings, soup = page
    [(with_target, met)] = query(
        settings,
        """with latest as (
               select target_met from marts.agency_target_gap
               where agency_code like '32.16.%' and evaluation_year <= 2025
               qualify evaluation_year = max(evaluation_year) over (partition by index_code))
           select count(*), count(*) filter (where target_met) from latest""",
    )
    assert with_target > 100  # 61 agencies, several indices
    cell = soup.select_one(f'#heatmap-daerah tr[data-regency="{BEKASI}"] td.on-target')
    assert (
        cell.get_text(" ", strip=True)
        == f"{angka(100 * met / with_target, 0)}% {met} dari {with_target}"
    )


def test_award_candidates_compare_the_regencies_on_one_evaluation_year(page):
    """Bekasi's RB 2025 is out, Karawang's is not: RB's awards set both regencies' 2024 side
    by side (the year both have), never Bekasi's 2025 against Karawang's 2024."""
    settings, soup = page
    own = query(
        settings,
        "select index_code, evaluation_year, pemda_code, score, change from marts.agency_score_trend "
        "where agency_code = pemda_code and evaluation_year <= 2025 "
        "and (announced_on is null or announced_on <= date '2025-12-31')",
    )
    rows = soup.select("#penghargaan-daerah tbody tr")
    assert {row["data-index"] for row in rows} == {index for index, *_ in own}
    for row in rows:
        index, year = row["data-index"], int(row["data-year"])
        regencies = {}
        for i, y, pemda, score, change in own:
            if i == index:
                regencies.setdefault(y, {})[pemda] = (score, change)
        most = max(len(of_year) for of_year in regencies.values())
        assert year == max(y for y, of_year in regencies.items() if len(of_year) == most)
        compared = regencies[year]
        kind = row.select("td")[1].get_text()
        column = 0 if kind == "Nilai tertinggi" else 1
        best = max(values[column] for values in compared.values() if values[column] is not None)
        assert compared[row["data-regency"]][column] == best
        assert (
            row.select("td")[7].get_text()
            == f"{len(compared)} dari {len({p for y in regencies.values() for p in y})}"
        )
    rb = {row["data-regency"]: int(row["data-year"]) for row in rows if row["data-index"] == "rb"}
    assert set(rb.values()) == {2024}


def test_the_exports_word_codes_and_give_shares_as_percentages(page):
    settings, _ = page
    folder = settings.reports_dir / "32" / MONTH
    with (folder / "csv" / "capaian_target.csv").open(encoding="utf-8") as f:
        shares = {row["kode"]: row for row in csv.DictReader(f)}
    met, with_target = (
        int(shares[BEKASI]["target_tercapai"]),
        int(shares[BEKASI]["target_perangkat_daerah"]),
    )
    assert float(shares[BEKASI]["tercapai_persen"]) == round(100 * met / with_target, 1)
    sheet = openpyxl.load_workbook(folder / f"tinjauan-provinsi-32-{MONTH}.xlsx")["capaian_target"]
    headers = [cell.value for cell in sheet[1]]
    share = sheet.cell(2, headers.index("Tercapai (%)") + 1)
    assert share.data_type == "n" and share.number_format == '0.0" %"'
    with (folder / "csv" / "posisi.csv").open(encoding="utf-8") as f:
        indices = {row["indeks"] for row in csv.DictReader(f)}
    assert indices == {"SAKIP", "RB", "SPIP", "SPBE", "Merit"}


@pytest.mark.parametrize("width", [390, 1600])
def test_the_page_fits_a_phone_and_a_meeting_room_screen(page, tmp_path, width):
    """Wide tables scroll inside their own box; the page itself never runs past the screen."""
    settings, _ = page
    html = settings.reports_dir / "32" / MONTH / f"tinjauan-provinsi-32-{MONTH}.html"
    with browser_page(width) as tab:
        tab.goto(html.resolve().as_uri())
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        tab.screenshot(path=tmp_path / f"provinsi-{width}.png", full_page=True)
    assert (tmp_path / f"provinsi-{width}.png").stat().st_size > 20_000


def test_a_regencys_review_says_what_it_has_not_reported_as_the_province_does(page):
    settings, soup = page
    late = [
        (row.select("td")[1].get_text(), row.select("td")[2].get_text())
        for row in soup.select(f'#daftar-belum-lapor tr[data-regency="{KARAWANG}"]')
    ]
    review = render_review(settings, KARAWANG, ReviewMonth.parse(MONTH), pdf=False)
    first_screen = BeautifulSoup(review.html.read_text(encoding="utf-8"), "html.parser")
    assert first_screen.select_one("#belum-lapor").get_text() == ", ".join(
        f"{index} {year}" for index, year in late
    )
