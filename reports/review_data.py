"""What one monthly review shows for one regency, read from the published marts alone.

A review of month M counts a result when its evaluation year is at most M's year and, where the
source gives an announcement date, it was announced by the end of M (SPBE 2025, announced in
January 2026, is not yet in the review of December 2025). For each index the review shows the
regency's own latest score and the agencies' latest evaluation year.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from orchestration.mistakes import OperatorError


@dataclass(frozen=True)
class ReviewMonth:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> ReviewMonth:
        match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
        if not match or not 1 <= int(match[2]) <= 12:
            raise ValueError(f"review month {text!r}: expected YYYY-MM, e.g. 2025-12")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def this_month(cls) -> ReviewMonth:
        """The month it is now in Jakarta."""
        today = datetime.now(ZoneInfo("Asia/Jakarta"))
        return cls(today.year, today.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass
class ReviewData:
    """The frames a review is made of; every score on its index's own scale."""

    regency: str
    regency_name: str
    month: ReviewMonth
    indices: pd.DataFrame  # index_code, index_name, scale_min, scale_max, n_bands
    bands: pd.DataFrame  # index_code, band_code, band_label, band_rank
    shown: pd.DataFrame  # every score the review shows: the regency's latest, agencies' latest year
    trend: pd.DataFrame  # the regency's own scores over the years
    ranking: pd.DataFrame  # agency_ranking at each index's latest year, with target and gap,
    # in index order (index_order) then rank
    sources: pd.DataFrame  # source_status rows of the regency (and its province's files)
    incomplete: pd.DataFrame  # partition_checks of the regency that warn
    late: pd.DataFrame  # index and year the regency has no result of and others have
    published_at: object  # when the marts read were published

    @property
    def headline(self) -> pd.DataFrame:
        """One row per index: the regency's latest score, band, change from the year before."""
        rows = self.shown[self.shown["agency_code"] == self.regency]
        headline = self.indices.merge(rows, on="index_code", how="left")
        return headline.astype({"evaluation_year": "Int64"})

    @property
    def decree_scales(self) -> dict[str, float]:
        """Indices some agencies' decrees publish on a scale of their own: index -> its top."""
        published = self.shown.dropna(subset=["native_scale"])
        return published.groupby("index_code")["native_scale"].max().to_dict()

    @property
    def agency_indices(self) -> list[str]:
        """Indices scored per agency (the heatmap's and rankings' columns), in seed order."""
        scored = set(self.ranking["index_code"])
        return [code for code in self.indices["index_code"] if code in scored]

    @property
    def targets(self) -> tuple[int, int]:
        """(met, with a target) over the agencies' targets, one per agency and index, at each
        index's latest year."""
        with_target = self.ranking[self.ranking["target_band_code"].notna()]
        return int((~with_target["missed_target"].astype(bool)).sum()), len(with_target)

    def best_and_worst(self, n: int = 5) -> tuple[str | None, pd.DataFrame, pd.DataFrame]:
        """The first agency index, and its `n` best and `n` lowest ranked agencies."""
        if not self.agency_indices:
            return None, self.ranking.head(0), self.ranking.head(0)
        first = self.agency_indices[0]
        ranked = self.ranking[self.ranking["index_code"] == first]
        ranked = ranked.sort_values(["rank_in_regency", "agency_name"])
        lowest = ranked.iloc[n:].tail(n)  # never an agency of the best n again
        return first, ranked.head(n), lowest.iloc[::-1]

    @property
    def awards(self) -> pd.DataFrame:
        return self.ranking[self.ranking["award_candidate"]]

    @property
    def needs_assistance(self) -> pd.DataFrame:
        return self.ranking[self.ranking["needs_assistance"]].sort_values(
            ["index_order", "points_short", "score"], ascending=[True, False, True]
        )


# Every score known at the end of the review month, with its change since the year before.
_SCORES = """
select
    agency_code, agency_name, agency_type, index_code, evaluation_year, score, band_code,
    band_rank, band_label, native_score, native_scale, announced_on, previous_score, change
from marts.agency_score_trend
where pemda_code = ? and evaluation_year <= ? and (announced_on is null or announced_on <= ?)
"""

_RANKING = """
select
    ranking.agency_code, ranking.agency_name, ranking.agency_type, ranking.agency_group,
    ranking.index_code, ranking.evaluation_year, ranking.score, ranking.band_code,
    ranking.rank_in_regency, ranking.agencies_ranked, ranking.rank_in_group,
    ranking.award_candidate, ranking.missed_target, ranking.in_lowest_bands,
    ranking.needs_assistance, gaps.target_band_code, gaps.points_short
from marts.agency_ranking as ranking
left join marts.agency_target_gap as gaps
    on ranking.agency_code = gaps.agency_code and ranking.index_code = gaps.index_code
    and ranking.evaluation_year = gaps.evaluation_year
where ranking.pemda_code = ?
"""

# The indices, with how many bands each has (a band's colour is its position among them).
INDICES = """
select indices.index_code, indices.index_name, indices.scale_min, indices.scale_max,
    count(distinct bands.band_code) as n_bands
from marts.dim_index as indices
inner join marts.dim_rating_band as bands on indices.index_code = bands.index_code
group by indices.index_code, indices.index_name, indices.scale_min, indices.scale_max
"""

_SOURCES = """
select source_code, source_file, pemda_code, evaluation_year_to, status, first_error,
    first_error_indonesian, warnings, loaded_at, refused_at, corrected_at
from marts.source_status
where pemda_code = ? or pemda_code = ?
"""


# What has arrived in a province, per regency, index and year (`late_results`).
RESULTS = """
select pemda_code, index_code, evaluation_year, count(*) as scores
from marts.fct_agency_score
where pemda_code like ? and evaluation_year <= ? and (announced_on is null or announced_on <= ?)
group by pemda_code, index_code, evaluation_year
"""
LATE_YEARS = 3  # "belum lapor" looks at each index's last three evaluation years

_INCOMPLETE = """
select index_code, evaluation_year, n_rows, previous_year_rows, expected_agencies,
    agencies_present, complete
from marts.partition_checks
where pemda_code = ? and evaluation_year <= ? and warning is not null
order by index_code, evaluation_year
"""


def load_review(read, regency: str, month: ReviewMonth, index_order: list[str]) -> ReviewData:
    """`read(sql, params)` returns a DataFrame from the served marts."""
    scores = read(_SCORES, [regency, month.year, month.last_day])
    names = read(
        "select agency_name from marts.dim_agency where agency_code = ? "
        "order by valid_from desc limit 1",
        [regency],
    )
    if scores.empty or names.empty:
        raise OperatorError(
            f"no published score of regency {regency} up to {month}: check the code "
            "(e.g. 32.16) and that a refresh has published its files"
        )
    scores["announced_on"] = pd.to_datetime(scores["announced_on"])
    scores["shown_score"] = on_decree_scale(scores)
    is_regency = scores["agency_code"] == regency
    trend = scores[is_regency]
    shown = pd.concat([_latest(trend), _latest_year(scores[~is_regency])], ignore_index=True)
    indices = read(INDICES, [])
    indices["order"] = indices["index_code"].map({c: i for i, c in enumerate(index_order)})
    indices = indices.sort_values("order").drop(columns="order").reset_index(drop=True)
    years = shown[shown["agency_code"] != regency].groupby("index_code")["evaluation_year"].max()
    ranking = read(_RANKING, [regency])
    ranking = ranking[ranking["evaluation_year"] == ranking["index_code"].map(years)]
    keys = ["agency_code", "index_code", "evaluation_year"]
    ranking = ranking.merge(shown[[*keys, "shown_score", "native_scale"]], on=keys, how="left")
    tops = ranking["index_code"].map(indices.set_index("index_code")["scale_max"])
    ranking["shown_points_short"] = ranking["points_short"] * (
        ranking["native_scale"] / tops
    ).fillna(1)
    ranking = ranking.assign(
        index_order=ranking["index_code"].map(indices["index_code"].tolist().index)
    )
    published = read("select max(published_at) as at from marts.publish_log", [])
    return ReviewData(
        regency=regency,
        regency_name=names["agency_name"].iloc[0],
        month=month,
        indices=indices,
        bands=read(
            "select distinct index_code, band_code, band_label, band_rank from marts.dim_rating_band",
            [],
        ),
        shown=shown,
        trend=trend.sort_values(["index_code", "evaluation_year"]).reset_index(drop=True),
        ranking=ranking.sort_values(["index_order", "rank_in_regency", "agency_name"]).reset_index(
            drop=True
        ),
        sources=read(_SOURCES, [regency, regency.split(".")[0]]),
        incomplete=read(_INCOMPLETE, [regency, month.year]),
        late=_late_of(read, regency, month),
        published_at=published["at"].iloc[0],
    )


def late_results(results: pd.DataFrame, regencies: list[str]) -> pd.DataFrame:
    """A regency, index and year is late ("belum lapor") when another regency of the province
    has that index's result for that year (the evaluation took place) and it has none: in each
    index's last LATE_YEARS years with a result. `results`: rows of RESULTS."""
    late = []
    for index, rows in results.groupby("index_code"):
        years = sorted(set(rows["evaluation_year"]))[-LATE_YEARS:]
        have = set(zip(rows["pemda_code"], rows["evaluation_year"], strict=True))
        late += [(code, index, year) for year in years for code in regencies
                 if (code, year) not in have]  # fmt: skip
    frame = pd.DataFrame(late, columns=["pemda_code", "index_code", "evaluation_year"])
    return frame.sort_values(["pemda_code", "index_code", "evaluation_year"]).reset_index(drop=True)


def _late_of(read, regency: str, month: ReviewMonth) -> pd.DataFrame:
    results = read(RESULTS, [f"{regency.split('.')[0]}.%", month.year, month.last_day])
    late = late_results(results, sorted(set(results["pemda_code"]) | {regency}))
    return late[late["pemda_code"] == regency].reset_index(drop=True)


def on_decree_scale(scores: pd.DataFrame) -> pd.Series:
    """The score as the decree publishes it (IPP on 0-100 where the regent's decree uses that
    scale: 98,45, not 4,92), else the score on the index's scale."""
    return scores["native_score"].where(scores["native_scale"].notna(), scores["score"])


def _latest(rows: pd.DataFrame) -> pd.DataFrame:
    newest = rows.groupby(["agency_code", "index_code"])["evaluation_year"].transform("max")
    return rows[rows["evaluation_year"] == newest]


def _latest_year(rows: pd.DataFrame) -> pd.DataFrame:
    """Every agency's score in the index's latest year (not an agency's own older score)."""
    newest = rows.groupby("index_code")["evaluation_year"].transform("max")
    return rows[rows["evaluation_year"] == newest]
