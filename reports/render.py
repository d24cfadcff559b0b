"""The review as one self-contained HTML page (styles, script and charts inline), and its PDF.

Jinja2 escapes every value (autoescape on): an agency name holding `<script>` is shown as text.
The PDF is the same page printed by headless Chromium (landscape A4, from the page's CSS).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import jinja2
import pandas as pd

from contracts.messages import in_indonesian, said
from contracts.text import visible
from reports import bahasa
from reports.review_data import ReviewData

TEMPLATES = Path(__file__).parent / "templates"
# Band position 0 (the index's best band) to 1 (its worst): green, yellow, red.
_STOPS = ((0.0, (26, 152, 80)), (0.5, (254, 224, 139)), (1.0, (215, 48, 39)))


def band_colour(band_rank: int, n_bands: int) -> str:
    """The heatmap colour of a band by its position within its own index's bands."""
    position = (band_rank - 1) / max(n_bands - 1, 1)
    for (start, low), (end, high) in zip(_STOPS, _STOPS[1:], strict=False):
        if position <= end:
            share = (position - start) / (end - start)
            rgb = (round(a + (b - a) * share) for a, b in zip(low, high, strict=True))
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#{:02x}{:02x}{:02x}".format(*_STOPS[-1][1])


def environment(region_code: str | None = None) -> jinja2.Environment:
    """The templates' environment; times are shown in the zone of `region_code`."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(angka=bahasa.angka, indeks=bahasa.nama_indeks, tanggal=bahasa.tanggal)
    env.filters["waktu"] = lambda value: bahasa.waktu(value, region_code)
    env.filters["sumber"] = bahasa.nama_sumber
    env.filters["kelompok"] = lambda group: bahasa.GROUPS.get(group, group)
    env.filters["berkas"] = visible  # a file name: what would hide or reorder it shown
    return env


def heatmap_rows(review: ReviewData) -> list[dict]:
    """One row per agency: a cell per agency index with score, band and colour; ordered by the
    first index's score, best first (the page's script re-sorts by any index)."""
    bands = review.indices.set_index("index_code")["n_bands"]
    agencies = review.shown[review.shown["agency_code"] != review.regency]
    rows = []
    for (code, name, kind), scores in agencies.groupby(
        ["agency_code", "agency_name", "agency_type"], sort=False
    ):
        cells = {
            score.index_code: {
                "score": score.score,
                "shown": score.shown_score,
                "band": score.band_code,
                "label": score.band_label,
                "colour": band_colour(score.band_rank, int(bands[score.index_code])),
            }
            for score in scores.itertuples()
        }
        rows.append({"code": code, "name": name, "type": kind, "cells": cells})
    first = review.agency_indices[0] if review.agency_indices else None
    rows.sort(key=lambda r: (-(r["cells"].get(first, {}).get("score", -1e9)), r["name"]))
    return rows


def render_html(
    review: ReviewData,
    previous_month: str | None,
    new_results: pd.DataFrame,
    band_moves: pd.DataFrame,
    revised: pd.DataFrame,
    freshness: pd.DataFrame,
    refused: pd.DataFrame,
    charts: dict[str, str],
    rendered_at,
) -> str:
    template = environment(review.regency).get_template("monthly_review.html.j2")
    agency_years = (
        review.shown[review.shown["agency_code"] != review.regency]
        .groupby("index_code")["evaluation_year"]
        .max()
        .to_dict()
    )
    return template.render(
        review=review,
        month_label=bahasa.bulan_tahun(review.month.year, review.month.month),
        previous_month=previous_month,
        headline=review.headline.to_dict("records"),
        agency_indices=review.agency_indices,
        agency_years=agency_years,
        heatmap=heatmap_rows(review),
        legend=[band_colour(rank, 5) for rank in range(1, 6)],
        ranking=review.ranking,
        awards=review.awards.to_dict("records"),
        assistance=review.needs_assistance.to_dict("records"),
        new_results=new_results.groupby(["index_code", "evaluation_year"])
        .size()
        .reset_index(name="n")
        .to_dict("records")
        if not new_results.empty
        else [],
        band_moves=band_moves.sort_values(["index_code", "agency_name"]).to_dict("records"),
        revised=revised.sort_values(["index_code", "agency_name"]).to_dict("records"),
        # (index, agency) -> the previous review's value of a score revised since
        was={(row.index_code, row.agency_code): row.previous_shown for row in revised.itertuples()},
        freshness=_records(freshness),
        refused=refused.to_dict("records"),
        charts=charts,
        decree_scales=review.decree_scales,
        glance=_glance(review, new_results, band_moves, refused),
        rendered_at=rendered_at,
    )


def _glance(
    review: ReviewData, new_results: pd.DataFrame, band_moves: pd.DataFrame, refused: pd.DataFrame
) -> dict:
    """What the meeting asks first: targets met, the best and the lowest five, what changed
    since the last review, what is outstanding."""
    met, with_target = review.targets
    index, best, worst = review.best_and_worst()
    return {
        "met": met,
        "with_target": with_target,
        "share": 100 * met / with_target if with_target else None,
        "assistance": review.needs_assistance["agency_code"].nunique(),
        "index": index,
        "year": int(best["evaluation_year"].iloc[0]) if len(best) else None,
        "best": best.to_dict("records"),
        "worst": worst.to_dict("records"),
        "new": len(new_results),
        "up": int(band_moves["improved"].sum()) if len(band_moves) else 0,
        "down": int((~band_moves["improved"].astype(bool)).sum()) if len(band_moves) else 0,
        "uncorrected": int((refused["status"] == "refused").sum()) if len(refused) else 0,
        "late": [
            f"{bahasa.nama_indeks(row.index_code)} {row.evaluation_year}"
            for row in review.late.itertuples()
        ],
        "incomplete": [
            in_indonesian(_incompleteness(row)) for row in review.incomplete.itertuples()
        ],
    }


def _incompleteness(check) -> str:
    """A regency partition published with a warning (`partition_checks`), in words."""
    index = bahasa.nama_indeks(check.index_code)
    if not check.complete:
        return said(
            "{index} {year}: {present} of {expected} expected agencies present",
            index=index,
            year=check.evaluation_year,
            present=check.agencies_present,
            expected=check.expected_agencies,
        )
    return said(
        "{index} {year}: {rows} scores against {before} the year before",
        index=index,
        year=check.evaluation_year,
        rows=check.n_rows,
        before=check.previous_year_rows,
    )


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows for the template, missing values as None (pandas' NA has no truth value)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


class PdfUnavailable(RuntimeError):
    pass


def chromium_binary(configured: str | None = None) -> str:
    """The browser the settings name (KINERJA_CHROMIUM), else the first on PATH."""
    found = configured or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
    )
    if not found:
        raise PdfUnavailable(
            "no Chromium to print the PDF: install the Debian package `chromium` (make does it) "
            "or set KINERJA_CHROMIUM to its path"
        )
    return found


def chromium(
    *arguments: str, browser: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Headless Chromium with a throw-away profile and no network of its own."""
    with tempfile.TemporaryDirectory(prefix="kinerja-chromium-") as profile:
        return subprocess.run(
            [
                chromium_binary(browser),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                f"--user-data-dir={profile}",
                *arguments,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def print_pdf(html: Path, pdf: Path, browser: str | None = None) -> None:
    pdf.unlink(missing_ok=True)
    done = chromium(
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf.resolve()}",
        html.resolve().as_uri(),
        browser=browser,
    )
    if not pdf.exists() or pdf.stat().st_size == 0:
        raise PdfUnavailable(f"Chromium did not print {pdf}: {done.stderr.strip()[-500:]}")
