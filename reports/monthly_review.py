"""The monthly review of one regency: HTML, PDF, CSV and XLSX from the served marts, then the
snapshot that lets next month's review say what changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from contracts import reference
from ingest.options import sources
from reports import bahasa
from reports.charts import trend_svgs
from reports.exports import write_exports
from reports.render import print_pdf, render_html
from reports.review_data import ReviewData, ReviewMonth, load_review
from reports.snapshot import changes, last_rendered, previous_review, save_review
from serving import crash_points
from serving.engines import engine_for
from serving.folders import written_whole
from serving.generations import WAIT_FOR_REFRESH_SECONDS


@dataclass(frozen=True)
class ReviewFiles:
    html: Path
    pdf: Path | None
    workbook: Path
    csv_dir: Path


def regencies(settings) -> list[str]:
    """Every regency with a published score: what the monthly job renders."""
    with engine_for(settings).reader() as read:
        codes = read("select distinct pemda_code from marts.fct_agency_score order by 1")
    return codes["pemda_code"].tolist()


def render_review(settings, regency: str, month: ReviewMonth, pdf: bool = True) -> ReviewFiles:
    """Render the review of `regency` for `month` into `settings.reports_dir`."""
    # One connection for every query: all of them read the same published generation.
    with engine_for(settings).reader() as read:
        review = load_review(read, regency, month, list(reference.indices()))
    previous = previous_review(settings.working, review)
    previous_month = (
        None
        if previous.empty
        else bahasa.bulan_tahun(
            previous["review_month"].iloc[0].year, previous["review_month"].iloc[0].month
        )
    )
    since = None if previous.empty else previous["rendered_at"].max()
    new_results, band_moves, revised = changes(review, previous)
    fresh, refused = freshness(review, since)
    rendered_at = bahasa.now_utc()
    out = settings.reports_dir / regency / str(month)
    # Everything is written into a fresh folder that then takes the month's place: a review
    # cut off half-way never leaves a half-written file where readers look.
    with written_whole(out) as staging:
        files = _review_files(staging, regency, month, pdf)
        files.html.write_text(
            render_html(
                review,
                previous_month,
                new_results,
                band_moves,
                revised,
                fresh,
                refused,
                trend_svgs(review.trend, review.indices),
                rendered_at,
            ),
            encoding="utf-8",
        )
        write_exports(
            tables(review, new_results, band_moves, revised, fresh, refused),
            files.csv_dir,
            files.workbook,
        )
        if files.pdf:
            print_pdf(files.html, files.pdf, settings.chromium)
        save_review(settings.files, review, rendered_at, WAIT_FOR_REFRESH_SECONDS)
        crash_points.reached("report_recorded")
    return _review_files(out, regency, month, pdf)


def _review_files(folder: Path, regency: str, month: ReviewMonth, pdf: bool) -> ReviewFiles:
    return files_in(folder, f"tinjauan-{regency}-{month}", pdf)


def files_in(folder: Path, stem: str, pdf: bool) -> ReviewFiles:
    """A review's files: its page, the page printed, its workbook and its CSV folder."""
    return ReviewFiles(
        folder / f"{stem}.html",
        folder / f"{stem}.pdf" if pdf else None,
        folder / f"{stem}.xlsx",
        folder / "csv",
    )


def rendered_from_the_served_marts(
    settings, regency: str, month: ReviewMonth, pdf: bool = True
) -> ReviewFiles | None:
    """The review of `regency` for `month` on disk, when it was rendered after the last publish
    or rollback of the marts served now: rendering it again would write the same."""
    files = _review_files(settings.reports_dir / regency / str(month), regency, month, pdf)
    if not all(path.exists() for path in (files.html, files.workbook, files.pdf) if path):
        return None
    rendered = last_rendered(settings.working, regency, month)
    with engine_for(settings).reader() as read:
        published = read("select max(published_at) as at from marts.publish_log")["at"].iloc[0]
    current = rendered is not None and pd.Timestamp(rendered) > pd.Timestamp(published)
    return files if current else None


def freshness(review: ReviewData, since) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per source: the newest evaluation year loaded and when; and every file refused since the
    previous review (every refused file at the first review) or refused and not yet corrected."""
    status = review.sources
    loaded = status[status["loaded_at"].notna()]
    per_source = (
        loaded.groupby("source_code")
        .agg(
            latest_year=("evaluation_year_to", "max"),
            last_loaded=("loaded_at", "max"),
            files=("source_file", "count"),
        )
        .reindex([s for s in sources() if s in set(status["source_code"])])
        .reset_index()
    )
    per_source["latest_year"] = per_source["latest_year"].astype("Int64")
    per_source["files"] = per_source["files"].fillna(0).astype(int)
    refused = status[status["refused_at"].notna()]
    if since is not None:
        refused = refused[(refused["refused_at"] > since) | (refused["status"] == "refused")]
    return per_source, refused.sort_values("refused_at", ascending=False).reset_index(drop=True)


_COLUMNS = {
    "index_code": "indeks",
    "evaluation_year": "tahun_evaluasi",
    "agency_code": "kode",
    "agency_name": "nama",
    "shown_score": "nilai",  # on the scale of its decree (IPP: 0-100)
    "band_code": "predikat",
    "change": "perubahan",
}


def tables(
    review: ReviewData,
    new_results: pd.DataFrame,
    band_moves: pd.DataFrame,
    revised: pd.DataFrame,
    fresh: pd.DataFrame,
    refused: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """The review's tables for CSV and XLSX, with Indonesian headers."""
    headline = review.headline[
        [
            "index_code",
            "index_name",
            "evaluation_year",
            "score",
            "band_code",
            "band_label",
            "change",
        ]
    ]
    shown = review.shown[review.shown["agency_code"] != review.regency]
    ranking_columns = {
        "index_code": "indeks",
        "evaluation_year": "tahun_evaluasi",
        "rank_in_regency": "peringkat",
        "agency_code": "kode",
        "agency_name": "nama",
        "agency_group": "kelompok",
        "shown_score": "nilai",
        "band_code": "predikat",
        "target_band_code": "target",
        "shown_points_short": "kurang_poin",
    }
    return {
        "ringkasan": headline.rename(
            columns={
                "index_code": "indeks",
                "index_name": "nama_indeks",
                "evaluation_year": "tahun_evaluasi",
                "score": "nilai",
                "band_code": "predikat",
                "band_label": "keterangan",
                "change": "perubahan",
            }
        ),
        "peta_panas": shown.pivot_table(
            index=["agency_code", "agency_name"], columns="index_code", values="shown_score"
        )
        .reset_index()
        .rename(columns={"agency_code": "kode", "agency_name": "nama"}),
        "peringkat": review.ranking[list(ranking_columns)].rename(columns=ranking_columns),
        "penghargaan": review.awards[list(ranking_columns)].rename(columns=ranking_columns),
        "pendampingan": review.needs_assistance[
            [*ranking_columns, "missed_target", "in_lowest_bands"]
        ].rename(
            columns={
                **ranking_columns,
                "missed_target": "target_tidak_tercapai",
                "in_lowest_bands": "predikat_terendah",
            }
        ),
        "hasil_baru": new_results.reindex(
            columns=[
                "index_code",
                "evaluation_year",
                "agency_code",
                "agency_name",
                "shown_score",
                "band_code",
            ]
        ).rename(columns=ranking_columns),
        "perubahan_predikat": band_moves.reindex(
            columns=[
                "index_code",
                "agency_code",
                "agency_name",
                "previous_band",
                "band_code",
                "shown_score",
                "change",
            ]
        ).rename(columns={**_COLUMNS, "previous_band": "predikat_sebelumnya"}),
        "direvisi": revised.reindex(
            columns=[
                "index_code",
                "evaluation_year",
                "agency_code",
                "agency_name",
                "previous_shown",
                "previous_band",
                "shown_score",
                "band_code",
            ]
        ).rename(
            columns={
                **ranking_columns,
                "previous_shown": "nilai_sebelumnya",
                "previous_band": "predikat_sebelumnya",
            }
        ),
        "kesegaran_data": fresh.rename(
            columns={
                "source_code": "sumber",
                "latest_year": "tahun_evaluasi_terbaru",
                "last_loaded": "terakhir_dimuat_utc",
                "files": "berkas_dimuat",
            }
        ),
        "berkas_ditolak": refused.assign(
            keadaan=refused["status"].map({"refused": "belum diperbaiki"}).fillna("diperbaiki"),
            kesalahan_pertama=refused["first_error_indonesian"].fillna(refused["first_error"]),
        )[
            [
                "source_code",
                "source_file",
                "refused_at",
                "keadaan",
                "corrected_at",
                "kesalahan_pertama",
            ]
        ].rename(
            columns={
                "source_code": "sumber",
                "source_file": "berkas",
                "refused_at": "ditolak_utc",
                "corrected_at": "diperbaiki_utc",
            }
        ),
    }
