"""The monthly review as its readers get it: rendered by Chromium, checked against the marts.

One refresh of the samples (with an agency renamed to hostile text) serves every test; a second
refresh, with a bad file added after the first review, shows what the next review reports.
"""

import csv
import re
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from orchestration import cli
from orchestration.definitions import build_definitions
from orchestration.settings import PROJECT_ROOT, Settings
from reports.bahasa import angka, bulan_tahun, waktu
from reports.charts import trend_svgs
from reports.exports import neutralise, safe_frame
from reports.monthly_review import render_review
from reports.render import band_colour, chromium
from reports.review_data import ReviewMonth
from tests.browser import browser_page
from tests.conftest import BEKASI, KARAWANG, SAMPLES, query, query_internal, run_refresh

HOSTILE = '=HYPERLINK("http://x.example","klik")<script>alert(1)</script> Dinas Perdagangan'
DECEMBER, JANUARY = ReviewMonth(2025, 12), ReviewMonth(2026, 1)


def _rename_agency(master, code: str, name: str) -> None:
    """Give an agency a new official name, keeping the old one as an alias (as files use it)."""
    with master.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["agency_code"] == code:
            row["aliases"] = "|".join(filter(None, [row["agency_name"], row["aliases"]]))
            row["agency_name"] = name
    with master.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("review")
    sources = shutil.copytree(SAMPLES, root / "sources")
    _rename_agency(
        sources / "agencies" / BEKASI / "agencies_kab_bekasi.csv", "32.16.DISDAG", HOSTILE
    )
    settings = Settings(
        sources_dir=sources,
        warehouse=root / "warehouse" / "kinerja.duckdb",
        manifest=PROJECT_ROOT / "ingest" / "sources.yaml",
    )
    assert run_refresh(settings).success
    return settings


@pytest.fixture(scope="module")
def december(settings):
    return render_review(settings, BEKASI, DECEMBER)


def dom(html, fragment: str = "") -> BeautifulSoup:
    """The page as Chromium has it after its script ran."""
    done = chromium("--dump-dom", html.resolve().as_uri() + fragment)
    assert done.returncode == 0, done.stderr
    return BeautifulSoup(done.stdout, "html.parser")


@pytest.fixture(scope="module")
def december_dom(december) -> BeautifulSoup:
    return dom(december.html)


def _latest(settings, index_filter: str) -> dict[str, tuple]:
    """The regency's own latest score per index that a review of December 2025 may show."""
    rows = query(
        settings,
        f"""
        select index_code, score, band_code, evaluation_year from marts.fct_agency_score as f
        where agency_code = ? and {index_filter} and evaluation_year = (
            select max(evaluation_year) from marts.fct_agency_score
            where agency_code = f.agency_code and index_code = f.index_code
                and evaluation_year <= 2025
                and (announced_on is null or announced_on <= date '2025-12-31'))
        """,
        [BEKASI],
    )
    return {index: (score, band, year) for index, score, band, year in rows}


def test_headline_shows_the_regencys_latest_scores_from_the_marts(settings, december_dom):
    expected = _latest(settings, "true")
    cards = {card["data-index"]: card for card in december_dom.select("#ringkasan .card")}
    assert list(cards) == ["sakip", "rb", "spip", "spbe", "ipp", "merit"]
    for index, (score, band, _) in expected.items():
        assert cards[index].select_one(".score").get_text(strip=True) == angka(score)
        assert cards[index].select_one(".predikat").get_text(strip=True) == band
    # SPBE 2025 (4,48) was announced in January 2026: December's review still shows 2024.
    assert cards["spbe"].select_one(".score").get_text(strip=True) == "4,08"
    assert "Tahun evaluasi 2024" in cards["spbe"].get_text()
    assert "+0,80 dari 2023" in cards["spbe"].get_text()
    assert "Belum ada nilai tingkat pemerintah daerah" in cards["ipp"].get_text()
    # Each change shown is the mart's (agency_score_trend), not one the review works out.
    changes = query(
        settings,
        "select index_code, evaluation_year, change from marts.agency_score_trend "
        "where agency_code = ? and change is not null",
        [BEKASI],
    )
    shown_changes = 0
    for index, year, change in changes:
        if expected.get(index, (None, None, None))[2] == year:
            text = f"{angka(change, signed=True)} dari {year - 1}"
            assert text in cards[index].get_text(), (index, text)
            shown_changes += 1
    assert shown_changes >= 3
    assert december_dom.select_one("#review-month").get_text() == "Desember 2025"
    assert december_dom.select("#ringkasan svg"), "the trend chart is inline SVG"


def _ranking_rows(settings, flag: str) -> set[tuple]:
    return set(
        query(
            settings,
            f"""
            select r.agency_code, r.index_code,
                -- on the decree's own scale, as the page shows it (IPP: 0-100)
                g.points_short * coalesce(f.native_scale / i.scale_max, 1)
            from marts.agency_ranking as r
            left join marts.agency_target_gap as g using (agency_code, index_code, evaluation_year)
            left join marts.fct_agency_score as f using (agency_code, index_code, evaluation_year)
            inner join marts.dim_index as i using (index_code)
            where r.pemda_code = ? and r.{flag} and r.evaluation_year = (
                select max(evaluation_year) from marts.agency_ranking
                where pemda_code = r.pemda_code and index_code = r.index_code)
            """,
            [BEKASI],
        )
    )


def _listed(soup, section: str) -> set[tuple]:
    return {
        (row["data-agency"], row["data-index"], row.select_one(".points-short").get_text())
        for row in soup.select(f"#{section} tbody tr")
    }


def _agencies_listed(soup, section: str) -> set[tuple]:
    return {(row["data-agency"], row["data-index"]) for row in soup.select(f"#{section} tbody tr")}


def test_award_and_assistance_lists_match_the_marts_with_points_short(settings, december_dom):
    awards = _ranking_rows(settings, "award_candidate")
    assistance = _ranking_rows(settings, "needs_assistance")
    assert len(awards) >= 6 and len(assistance) > 0  # best OPD and best kecamatan per index
    # an award candidate is not short of anything: the list says who, not "kurang 0,00"
    assert _agencies_listed(december_dom, "penghargaan") == {(a, i) for a, i, _ in awards}
    assert not december_dom.select("#penghargaan .points-short")
    assert _listed(december_dom, "pendampingan") == {(a, i, angka(p)) for a, i, p in assistance}
    assert any(points != "0,00" for _, _, points in _listed(december_dom, "pendampingan"))


def test_the_first_screen_answers_the_meetings_questions(settings, december_dom):
    latest = """r.pemda_code = ? and r.evaluation_year = (select max(evaluation_year)
                from marts.agency_ranking where pemda_code = r.pemda_code
                and index_code = r.index_code)"""
    [(met, with_target)] = query(
        settings,
        "select count(*) filter (where g.target_met), count(*) from marts.agency_ranking as r "
        "inner join marts.agency_target_gap as g using (agency_code, index_code, evaluation_year) "
        f"where g.target_band_code is not null and {latest}",
        [BEKASI],
    )
    glance = december_dom.select_one("#target-tercapai").get_text(" ", strip=True)
    assert glance.startswith(f"{met} dari {with_target} target perangkat daerah tercapai")
    ranks = query(
        settings,
        f"select rank_in_regency, agency_code from marts.agency_ranking as r "
        f"where index_code = 'sakip' and {latest} order by 1, 2",
        [BEKASI],
    )
    best = [(int(li["value"]), li["data-agency"]) for li in december_dom.select("#lima-terbaik li")]
    worst = [
        (int(li["value"]), li["data-agency"]) for li in december_dom.select("#lima-terendah li")
    ]
    assert best == ranks[:5] and worst == ranks[::-1][:5]
    assistance = {row["data-agency"] for row in december_dom.select("#pendampingan tbody tr")}
    assert december_dom.select_one("#jumlah-pendampingan .big").get_text() == str(len(assistance))


def test_ipp_is_shown_on_the_scale_of_the_regents_decree(settings, december_dom):
    """Kabupaten Bekasi's decree publishes IPP on 0-100: 98,45, not 4,92."""
    [(agency, native, score)] = query(
        settings,
        "select agency_code, native_score, score from marts.fct_agency_score "
        "where pemda_code = ? and index_code = 'ipp' and native_scale = 100 "
        "and evaluation_year = (select max(evaluation_year) from marts.fct_agency_score "
        "where pemda_code = ? and index_code = 'ipp') order by agency_code limit 1",
        [BEKASI, BEKASI],
    )
    headers = [th.get_text() for th in december_dom.select("#heatmap thead th")[1:]]
    column = next(n for n, text in enumerate(headers) if text.startswith("IPP"))
    cell = december_dom.select(f'#heatmap tr[data-agency="{agency}"] td.cell')[column]
    assert cell.get_text(" ", strip=True).startswith(angka(native)) and native > 5 >= score


def test_an_agency_name_holding_markup_is_shown_as_text(december_dom):
    assert len(december_dom.find_all("script")) == 1  # the page's own sorter, nothing injected
    row = december_dom.select_one('#heatmap tr[data-agency="32.16.DISDAG"]')
    assert row.td.get_text() == HOSTILE


def test_the_heatmap_sorts_by_any_index_and_colours_by_band_position(december, december_dom):
    def column(soup, index):
        return [float(row.get(f"data-{index}", "nan")) for row in soup.select("#heatmap tbody tr")]

    sakip = [s for s in column(december_dom, "sakip") if s == s]
    assert sakip == sorted(sakip, reverse=True) and len(sakip) == 61
    by_rb = dom(december.html, "#urut=rb")
    assert by_rb.select_one("#heatmap")["data-sorted-by"] == "rb"
    rb = column(by_rb, "rb")
    assert rb == sorted(rb, reverse=True) and rb != column(december_dom, "rb")
    # Colour is a band's position within its own index: each index's best band is the same
    # green, each worst band the same red, whatever the number of bands.
    assert band_colour(1, 7) == band_colour(1, 4) == band_colour(1, 9)
    assert band_colour(4, 4) == band_colour(7, 7) != band_colour(4, 7)


def test_the_pdf_is_landscape_and_page_one_renders(december, tmp_path):
    info = subprocess.run(["pdfinfo", str(december.pdf)], capture_output=True, text=True)
    width, height = (float(v) for v in info.stdout.split("Page size:")[1].split()[0:3:2])
    assert width > height
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(december.pdf), tmp_path / "p"],
        check=True,
    )
    assert (tmp_path / "p-01.png").stat().st_size > 10_000
    shot = tmp_path / "screen.png"
    chromium("--window-size=1920,1080", f"--screenshot={shot}", december.html.resolve().as_uri())
    assert shot.stat().st_size > 10_000


def test_exports_keep_source_text_as_text_and_numbers_as_numbers(december):
    with (december.csv_dir / "peta_panas.csv").open(encoding="utf-8") as f:
        names = {row["kode"]: row["nama"] for row in csv.DictReader(f)}
    assert names["32.16.DISDAG"] == "'" + HOSTILE
    sheet = openpyxl.load_workbook(december.workbook)["peta_panas"]
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    # in the workbook: text, kept text by Excel's quote prefix, no apostrophe to see
    assert cells["32.16.DISDAG"].value == HOSTILE
    assert cells["32.16.DISDAG"].data_type == "s"  # not a formula
    assert cells["32.16.DISDAG"].quotePrefix and not cells["32.16.SETDA"].quotePrefix
    assert [c.value for c in sheet[1]][:2] == ["Kode", "Nama"] and sheet.freeze_panes == "A2"
    ranking = openpyxl.load_workbook(december.workbook)["peringkat"]
    assert all(row[6].data_type == "n" for row in ranking.iter_rows(min_row=2))
    frame = safe_frame(
        pd.DataFrame({"nama": ["-5 poin", "@x", "\tx", "Dinas"], "change": [-1.5, 2, 0, -0.25]})
    )
    assert frame["nama"].tolist() == ["'-5 poin", "'@x", "'\tx", "Dinas"]
    assert frame["change"].tolist() == [-1.5, 2, 0, -0.25]
    assert neutralise(-3.0) == -3.0 and neutralise("+62 21") == "'+62 21"


def test_the_exports_word_what_a_person_reads(december):
    with (december.csv_dir / "peringkat.csv").open(encoding="utf-8") as f:
        ranked = list(csv.DictReader(f))
    assert {row["indeks"] for row in ranked} == {"SAKIP", "RB", "IPP"}
    assert {row["kelompok"] for row in ranked} == {"Perangkat Daerah", "Kecamatan"}
    with (december.csv_dir / "peta_panas.csv").open(encoding="utf-8") as f:
        assert csv.DictReader(f).fieldnames == ["kode", "nama", "IPP", "RB", "SAKIP"]
    with (december.csv_dir / "pendampingan.csv").open(encoding="utf-8") as f:
        helped = list(csv.DictReader(f))
    flags = {row[c] for row in helped for c in ("target_tidak_tercapai", "predikat_terendah")}
    assert flags == {"ya", "tidak"}
    with (december.csv_dir / "kesegaran_data.csv").open(encoding="utf-8") as f:
        sources = [row["sumber"] for row in csv.DictReader(f)]
    assert sources[:2] == ["Master perangkat daerah", "Target kinerja"]
    sheet = openpyxl.load_workbook(december.workbook)["peta_panas"]
    assert [cell.value for cell in sheet[1]] == ["Kode", "Nama", "IPP", "RB", "SAKIP"]


def test_ipp_agencies_rank_by_the_value_the_review_shows(settings):
    """Ranked on the decree's 0-100 value as shown, not the 0-5 score rounded for banding:
    93,08 above 92,99, and 90,07, 90,00 and 89,91 each a rank of its own."""
    rows = query(
        settings,
        "select r.pemda_code, r.evaluation_year, round(f.native_score, 2), r.rank_in_regency "
        "from marts.agency_ranking as r join marts.fct_agency_score as f "
        "using (agency_key, index_code, evaluation_year) where r.index_code = 'ipp'",
    )
    assert len(rows) > 100
    for a in rows:
        for b in rows:
            if a[:2] == b[:2]:
                assert (a[2] > b[2]) == (a[3] < b[3]) and (a[2] == b[2]) == (a[3] == b[3])
    ranks = {shown: rank for pemda, year, shown, rank in rows if (pemda, year) == (BEKASI, 2025)}
    assert ranks[93.08] < ranks[92.99]
    assert ranks[90.07] < ranks[90.0] < ranks[89.91]


@pytest.mark.parametrize("width", [390, 1600])
def test_the_review_fits_a_phone_and_a_meeting_room_screen(december, tmp_path, width):
    with browser_page(width) as tab:
        tab.goto(december.html.resolve().as_uri())
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        tab.screenshot(path=tmp_path / f"review-{width}.png", full_page=True)


def test_the_next_review_says_what_changed_and_which_files_were_refused(settings, december_dom):
    assert december_dom.select_one("#tinjauan-pertama") is not None
    bad = settings.sources_dir / "sakip" / BEKASI / "sakip_2026.csv"
    bad.write_text("Kode;Nama;Nilai\n1;Dinas X;banyak\n", encoding="utf-8")
    # A corrected RB 2025 file: the Sekretariat DPRD's 75,96 (BB), shown in December, is 81,20 (A).
    rb = settings.sources_dir / "rb" / BEKASI / "rb_2025.csv"
    rb.write_text(
        rb.read_text(encoding="utf-8").replace(
            "SETWAN,Sekretariat DPRD,75.96,BB", "SETWAN,Sekretariat DPRD,81.20,A"
        ),
        encoding="utf-8",
    )
    assert run_refresh(settings).success
    # The December review's snapshot travelled with the working file into the served marts.
    [(shown_in_december,)] = query(
        settings,
        "select count(*) from marts.review_snapshot where pemda_code = ? "
        "and review_month = date '2025-12-01'",
        [BEKASI],
    )
    assert shown_in_december == 5 + 3 * 61  # the regency's five indices, 61 agencies in three
    january = dom(render_review(settings, BEKASI, JANUARY).html)
    assert "Desember 2025" in january.select_one("#perubahan").get_text()
    assert [li.get_text() for li in january.select("#hasil-baru li")] == ["SPBE 2025: 1 nilai baru"]
    moved = january.select("#perubahan-predikat tbody tr")
    assert [(r["data-agency"], r.select("td")[2].get_text(), r["class"]) for r in moved] == [
        ("32.16.SETWAN", "BB (2025)", ["up"]),
        (BEKASI, "Sangat Baik (2024)", ["up"]),
    ]
    revised = january.select("#direvisi tbody tr")
    assert [[td.get_text() for td in r.select("td")] for r in revised] == [
        ["RB", "Sekretariat DPRD", "2025", "75,96 (BB)", "81,20 (A)"]
    ]
    ranked = january.select_one('table.ranking[data-index="rb"] tr[data-agency="32.16.SETWAN"]')
    assert ranked.select("td")[2].get_text() == "81,20 direvisi, sebelumnya 75,96"
    refused = [
        [td.get_text() for td in row.select("td")]
        for row in january.select("#berkas-ditolak tbody tr")
    ]
    assert len(refused) == 1 and refused[0][1] == "sakip/32.16/sakip_2026.csv"
    assert refused[0][3] == "belum diperbaiki"
    assert refused[0][4] == (  # its first error, as the Inspektorat reads it
        "berkas secara keseluruhan: baris judul kolom tidak ditemukan dalam 30 baris pertama "
        "(pemisah ';', ',', '\\t', '|'): diharapkan nama kolom seperti 'Perangkat Daerah', "
        "'Nilai', 'Predikat'"
    )
    assert january.select_one("#belum-diperbaiki").get_text() == "1 berkas belum diperbaiki."
    # Rendering a month again replaces its snapshot rather than adding to it.
    render_review(settings, BEKASI, JANUARY, pdf=False)
    months = query_internal(
        settings,
        "select review_month, count(*) from marts.review_snapshot where pemda_code = ? group by 1 order by 1",
        [BEKASI],
    )
    assert [count for _, count in months] == [shown_in_december, shown_in_december]


def test_the_monthly_job_renders_every_regency_and_the_refresh_does_not(settings):
    definitions = build_definitions(settings)
    assert not [
        key
        for key in definitions.resolve_job_def("refresh").asset_layer.executable_asset_keys
        if key.path[0] == "reports"
    ]
    result = definitions.resolve_job_def("monthly_review").execute_in_process(
        run_config={"ops": {"reports__monthly_review": {"config": {"as_of": "2025-11"}}}},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    for regency in (BEKASI, KARAWANG):
        assert (
            settings.reports_dir / regency / "2025-11" / f"tinjauan-{regency}-2025-11.pdf"
        ).exists()
    assert (settings.reports_dir / "32" / "2025-11" / "tinjauan-provinsi-32-2025-11.pdf").exists()
    tick = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 3, 1, 6, tzinfo=ZoneInfo("Asia/Jakarta"))
    )
    [request] = (
        definitions.resolve_schedule_def("monthly_review_schedule").evaluate_tick(tick).run_requests
    )
    assert request.run_config["ops"]["reports__monthly_review"]["config"]["as_of"] == "2026-03"


def test_the_command_names_a_regency_it_cannot_review(settings, monkeypatch, capsys):
    monkeypatch.setenv("KINERJA_WAREHOUSE", str(settings.warehouse))
    # no such region: a usage error naming the option, before anything is read
    assert cli.main(["report", "--regency", "32.99", "--as-of", "2025-12", "--no-pdf"]) == 64
    said = capsys.readouterr()
    assert "Invalid value for '--regency': '32.99' is no regency or city" in said.err
    assert said.out == ""
    # a real regency with nothing published: said on stderr, the review not rendered
    assert cli.main(["report", "--regency", "32.01", "--as-of", "2025-12", "--no-pdf"]) == 1
    said = capsys.readouterr()
    assert said.err.startswith(
        "kinerja report: 32.01 2025-12: NOT rendered: no published score of regency 32.01"
    )
    assert said.out == ""
    assert cli.main(["report", "--as-of", "2025-13"]) == 64
    assert "Invalid value for '--as-of': review month '2025-13'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="expected YYYY-MM"):
        ReviewMonth.parse("12-2025")


def test_numbers_and_dates_are_written_the_indonesian_way():
    assert angka(61.79) == "61,79"
    assert angka(1234.5) == "1.234,50"
    assert angka(-0.5, signed=True) == "-0,50" and angka(4.88, signed=True) == "+4,88"
    assert angka(float("nan")) == "–"
    assert bulan_tahun(2025, 12) == "Desember 2025"
    assert waktu(pd.Timestamp("2026-11-24 04:29")) == "24 November 2026 11.29 WIB"
    # each regency reads its own zone: Makassar (WITA), Jayapura (WIT)
    assert waktu(pd.Timestamp("2026-11-24 04:29"), "73.71") == "24 November 2026 12.29 WITA"
    assert waktu(pd.Timestamp("2026-11-24 04:29"), "91.03") == "24 November 2026 13.29 WIT"


def test_a_trend_of_one_year_has_one_year_on_its_axis():
    """Karawang's merit has one evaluation year: its axis says 2024, not fractional years."""
    trend = pd.DataFrame({"index_code": ["merit"], "evaluation_year": [2024], "score": [262.5]})
    scale = pd.DataFrame([{"index_code": "merit", "scale_min": 100, "scale_max": 400}])
    texts = re.findall(
        r"<!-- (.*?) -->", trend_svgs(trend, scale)["merit"]
    )  # matplotlib names each text
    assert texts == ["2024", "100", "200", "300", "400", "262,50", "Merit"]


def test_a_review_rendered_since_the_last_publish_is_not_rendered_again(settings, monkeypatch):
    """As `make run` twice with nothing new: the second `kinerja report` keeps the files."""
    monkeypatch.setenv("KINERJA_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("KINERJA_SOURCES_DIR", str(settings.sources_dir))
    arguments = ["report", "--regency", KARAWANG, "--as-of", "2025-11", "--no-pdf"]
    assert cli.main(arguments) == 0
    html = settings.reports_dir / KARAWANG / "2025-11" / f"tinjauan-{KARAWANG}-2025-11.html"
    first = html.stat().st_mtime_ns
    assert cli.main(arguments) == 0
    assert html.stat().st_mtime_ns == first
    assert cli.main([*arguments, "--force"]) == 0
    assert html.stat().st_mtime_ns > first
