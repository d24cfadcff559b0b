"""The province's view: every regency of a province side by side, from the served marts alone.

One page (HTML and PDF, the regency review's conventions) per province and month: per index,
each regency's latest own score, band, rank among the province's regencies and change; a heatmap
of regencies by index coloured by band position; what is late (*belum lapor*: a regency, index
and year another regency of the province already has a result for, among each index's last three
years); the share of each regency's agencies at or above their target band; and award candidates
across regencies (the best and the most improved per index, compared on the evaluation year most
regencies have). A month counts a result as the
regency review does (`reports/review_data.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from contracts import reference
from orchestration.mistakes import OperatorError
from reports import bahasa
from reports.exports import write_exports
from reports.monthly_review import ReviewFiles, files_in
from reports.render import band_colour, environment, print_pdf
from reports.review_data import INDICES, RESULTS, ReviewMonth, late_results
from serving.engines import engine_for
from serving.folders import written_whole

_REGENCY_SCORES = """
select pemda_code, index_code, evaluation_year, score, band_code, band_rank, band_label,
    previous_score, change
from marts.agency_score_trend
where agency_code = pemda_code and pemda_code like ? and evaluation_year <= ?
    and (announced_on is null or announced_on <= ?)
"""

_TARGETS = """
select agency_code, index_code, evaluation_year, target_met
from marts.agency_target_gap
where agency_code like ? and evaluation_year <= ? and target_met is not null
"""


@dataclass
class ProvinceData:
    province: str
    month: ReviewMonth
    regencies: list[str]  # every regency of the province with a published score
    indices: pd.DataFrame  # in the seed's order, with n_bands
    standing: pd.DataFrame  # per regency and index: the latest own score, band, rank, change
    late: pd.DataFrame  # pemda_code, index_code, evaluation_year with no result yet
    on_target: pd.DataFrame  # per regency: agencies with a target, at or above it, share
    awards: pd.DataFrame  # per index, in its award year: the best and the most improved regency
    published_at: object


def provinces(settings) -> list[str]:
    """Every province with a regency that has a published score."""
    with engine_for(settings).reader() as read:
        codes = read("select distinct pemda_code from marts.fct_agency_score", [])
    return sorted({code.split(".")[0] for code in codes["pemda_code"]})


def load_province(read, province: str, month: ReviewMonth) -> ProvinceData:
    pattern = f"{province}.%"
    results = read(RESULTS, [pattern, month.year, month.last_day])
    if results.empty:
        raise OperatorError(f"no published score of a regency of province {province} up to {month}")
    order = list(reference.indices())
    indices = read(INDICES, [])
    indices = indices.set_index("index_code").loc[
        [c for c in order if c in set(indices.index_code)]
    ]
    regencies = sorted(set(results["pemda_code"]))
    scores = read(_REGENCY_SCORES, [pattern, month.year, month.last_day])
    standing = _standing(scores)
    published = read("select max(published_at) as at from marts.publish_log", [])
    return ProvinceData(
        province=province,
        month=month,
        regencies=regencies,
        indices=indices.reset_index(),
        standing=standing,
        late=late_results(results, regencies),
        on_target=_on_target(read(_TARGETS, [pattern, month.year]), regencies),
        awards=_awards(scores, order),
        published_at=published["at"].iloc[0],
    )


def _standing(scores: pd.DataFrame) -> pd.DataFrame:
    """Each regency's latest own score per index, ranked among the province's regencies."""
    newest = scores.groupby(["pemda_code", "index_code"])["evaluation_year"].transform("max")
    latest = scores[scores["evaluation_year"] == newest].copy()
    latest["rank"] = (
        latest.groupby("index_code")["score"].rank(method="min", ascending=False).astype(int)
    )
    return latest.sort_values(["index_code", "rank", "pemda_code"]).reset_index(drop=True)


def _on_target(targets: pd.DataFrame, regencies: list[str]) -> pd.DataFrame:
    """Per regency, at each index's latest year with scored targets: the agencies' targets (one
    per agency and index with a score, the regency itself left out), and how many are met (at
    or above the target band) - as the regency's own review counts them."""
    targets = targets.assign(pemda_code=targets["agency_code"].str.split(".").str[:2].str.join("."))
    targets = targets[targets["agency_code"] != targets["pemda_code"]]
    newest = targets.groupby(["pemda_code", "index_code"])["evaluation_year"].transform("max")
    latest = targets[targets["evaluation_year"] == newest]
    counted = latest.groupby("pemda_code").agg(
        with_target=("target_met", "size"), met=("target_met", "sum")
    )
    counted = counted.reindex(regencies, fill_value=0)
    counted["share"] = counted["met"] / counted["with_target"].where(counted["with_target"] > 0)
    return counted.reset_index().rename(columns={"index": "pemda_code"})


def _awards(scores: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Per index, among the regencies scored in its award year (`_award_year`): the best score,
    and the score that rose most since the year before. Regencies are compared on one evaluation
    year: never one's 2024 against another's 2025."""
    rows = []
    for index in order:
        of_index = scores[scores["index_code"] == index]
        if of_index.empty:
            continue
        year = _award_year(of_index)
        scored = of_index[of_index["evaluation_year"] == year]
        compared = {"compared": len(scored), "of": of_index["pemda_code"].nunique()}
        best = scored.sort_values(["score", "pemda_code"], ascending=[False, True]).iloc[0]
        rows.append({**best.to_dict(), **compared, "award": "Nilai tertinggi"})
        rising = scored[scored["change"] > 0]
        if not rising.empty:
            most = rising.sort_values(["change", "pemda_code"], ascending=[False, True]).iloc[0]
            rows.append({**most.to_dict(), **compared, "award": "Kenaikan terbesar"})
    return pd.DataFrame(rows)


def _award_year(scores: pd.DataFrame) -> int:
    """The evaluation year most regencies have a result for; of equals, the latest."""
    regencies = scores.groupby("evaluation_year")["pemda_code"].nunique()
    return int(max(regencies.index, key=lambda year: (regencies[year], year)))


def rendered_from_the_served_marts(
    settings, province: str, month: ReviewMonth, pdf: bool = True
) -> ReviewFiles | None:
    """The province's page for `month` on disk, when written after the last publish or rollback
    of the marts served now: rendering it again would write the same."""
    files = _files(settings.reports_dir / province / str(month), province, month, pdf)
    if not all(path.exists() for path in (files.html, files.workbook, files.pdf) if path):
        return None
    with engine_for(settings).reader() as read:
        published = read("select max(published_at) as at from marts.publish_log", [])["at"].iloc[0]
    written = datetime.fromtimestamp(files.html.stat().st_mtime, UTC).replace(tzinfo=None)
    return files if pd.Timestamp(written) > pd.Timestamp(published) else None


def render_province(settings, province: str, month: ReviewMonth, pdf: bool = True):
    """The province's page for `month` into `settings.reports_dir/<province>/<month>/`."""
    with engine_for(settings).reader() as read:
        data = load_province(read, province, month)
    out = settings.reports_dir / province / str(month)
    with written_whole(out) as staging:
        files = _files(staging, province, month, pdf)
        files.html.write_text(_html(data), encoding="utf-8")
        write_exports(_tables(data), files.csv_dir, files.workbook)
        if files.pdf:
            print_pdf(files.html, files.pdf, settings.chromium)
    return _files(out, province, month, pdf)


def _files(folder: Path, province: str, month: ReviewMonth, pdf: bool) -> ReviewFiles:
    return files_in(folder, f"tinjauan-provinsi-{province}-{month}", pdf)


def _name(code: str) -> str:
    return reference.region_name(code) or code


def _html(data: ProvinceData) -> str:
    bands = data.indices.set_index("index_code")["n_bands"]
    cells = {
        (row.pemda_code, row.index_code): {
            "score": row.score,
            "band": row.band_code,
            "label": row.band_label,
            "year": row.evaluation_year,
            "colour": band_colour(row.band_rank, bands[row.index_code]),
        }
        for row in data.standing.itertuples()
    }
    share = data.on_target.set_index("pemda_code")
    regencies = [
        {
            "code": code,
            "name": _name(code),
            "cells": {i: cells.get((code, i)) for i in data.indices["index_code"]},
            "with_target": int(share.loc[code, "with_target"]),
            "met": int(share.loc[code, "met"]),
            "share": share.loc[code, "share"],
        }
        for code in data.regencies
    ]
    return (
        environment(data.province)
        .get_template("province_review.html.j2")
        .render(
            province=data.province,
            province_name=_name(data.province),
            month_label=bahasa.bulan_tahun(data.month.year, data.month.month),
            published_at=data.published_at,
            rendered_at=bahasa.now_utc(),
            indices=data.indices.to_dict("records"),
            regencies=regencies,
            standing=data.standing.assign(name=data.standing["pemda_code"].map(_name)),
            late=data.late.assign(name=data.late["pemda_code"].map(_name)).to_dict("records"),
            awards=data.awards.assign(name=data.awards["pemda_code"].map(_name)).to_dict("records")
            if not data.awards.empty
            else [],
            legend=[band_colour(rank, 5) for rank in range(1, 6)],
        )
    )


def _tables(data: ProvinceData) -> dict[str, pd.DataFrame]:
    """The page's tables for spreadsheets, with Indonesian headers."""
    standing = data.standing.assign(nama=data.standing["pemda_code"].map(_name))
    return {
        "posisi": standing[["index_code", "pemda_code", "nama", "evaluation_year", "score",
                            "band_code", "rank", "change"]].rename(columns={
            "index_code": "indeks", "pemda_code": "kode", "evaluation_year": "tahun_evaluasi",
            "score": "nilai", "band_code": "predikat", "rank": "peringkat",
            "change": "perubahan"}),
        "belum_lapor": data.late.assign(nama=data.late["pemda_code"].map(_name)).rename(
            columns={"pemda_code": "kode", "index_code": "indeks",
                     "evaluation_year": "tahun_evaluasi"}),
        "capaian_target": data.on_target.assign(
            nama=data.on_target["pemda_code"].map(_name),
            share=data.on_target["share"] * 100).rename(columns={
                "pemda_code": "kode", "with_target": "target_perangkat_daerah",
                "met": "target_tercapai", "share": "tercapai_persen"}),
        "penghargaan": data.awards.reindex(columns=["index_code", "award", "pemda_code",
                                                    "evaluation_year", "score", "band_code",
                                                    "change", "compared", "of"]).assign(
            nama=lambda t: t["pemda_code"].map(_name)).rename(columns={
                "index_code": "indeks", "award": "kategori", "pemda_code": "kode",
                "evaluation_year": "tahun_evaluasi", "score": "nilai", "band_code": "predikat",
                "change": "perubahan", "compared": "dibandingkan",
                "of": "dari_kabupaten_kota"}),
    }  # fmt: skip
