"""`marts.review_snapshot`: what each monthly review showed, so the next one can say what changed.

One row per regency, review month, agency and index: the score the review showed. It lives in the
pipeline's working file (the report is the one writer besides the refresh, under the same lock)
and reaches the served file with the next publish, like `marts.publish_log`. Rendering a month
again replaces that month's rows.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.mistakes import OperatorError
from reports.review_data import ReviewData
from serving import crash_points

# The working file of a PostgreSQL install holds no marts of its own: the schema may be new.
_DDL = """
create schema if not exists marts;
create table if not exists marts.review_snapshot (
    pemda_code varchar,
    review_month date,
    agency_code varchar,
    agency_name varchar,
    index_code varchar,
    evaluation_year integer,
    score double precision,
    band_code varchar,
    band_rank integer,
    rendered_at timestamp
)
"""
COLUMNS = [
    "agency_code",
    "agency_name",
    "index_code",
    "evaluation_year",
    "score",
    "band_code",
    "band_rank",
]


def _snapshot_rows(working: Path, sql: str, params: list):
    """The result of `sql` on the snapshot in the working file; None before any review."""
    if not working.exists():
        return None
    with duckdb.connect(str(working), read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'review_snapshot'"
        ).fetchone()[0]
        return con.execute(sql, params).df() if exists else None


def previous_review(working: Path, review: ReviewData) -> pd.DataFrame:
    """The snapshot of the regency's last review before this month (empty if none)."""
    rows = _snapshot_rows(
        working,
        f"select {', '.join(COLUMNS)}, review_month, rendered_at from marts.review_snapshot "
        "where pemda_code = ? and review_month = ("
        "  select max(review_month) from marts.review_snapshot"
        "  where pemda_code = ? and review_month < ?)",
        [review.regency, review.regency, review.month.first_day],
    )
    return pd.DataFrame(columns=[*COLUMNS, "review_month", "rendered_at"]) if rows is None else rows


def last_rendered(working: Path, regency: str, month) -> datetime | None:
    """When the review of `regency` for `month` was last rendered (None: never)."""
    rows = _snapshot_rows(
        working,
        "select max(rendered_at) as at from marts.review_snapshot "
        "where pemda_code = ? and review_month = ?",
        [regency, month.first_day],
    )
    return None if rows is None or pd.isna(rows["at"].iloc[0]) else rows["at"].iloc[0]


def save_review(files, review: ReviewData, rendered_at: datetime, wait_seconds: float) -> None:
    """Record what this review showed (replacing an earlier rendering of the same month)."""
    rows = review.shown[COLUMNS].copy()
    rows.insert(0, "pemda_code", review.regency)
    rows.insert(1, "review_month", pd.Timestamp(review.month.first_day))
    rows["rendered_at"] = pd.Timestamp(rendered_at)
    with files.writing_working(wait_seconds) as working:
        if not working.exists():
            raise OperatorError(
                f"no working warehouse at {working}: run `kinerja refresh` before a review"
            )
        with duckdb.connect(str(working)) as con:
            con.execute(_DDL)
            con.execute("begin")
            con.execute(
                "delete from marts.review_snapshot where pemda_code = ? and review_month = ?",
                [review.regency, review.month.first_day],
            )
            con.register("shown_rows", rows)
            con.execute(
                "insert into marts.review_snapshot (pemda_code, review_month, "
                f"{', '.join(COLUMNS)}, rendered_at) select * from shown_rows"
            )
            crash_points.reached("report")
            con.execute("commit")
            con.execute("checkpoint")


def changes(
    review: ReviewData, previous: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(new results, band moves, revisions) since the previous review. A new result is a score of
    a year the previous review did not show for that agency and index; a band move is an agency
    and index whose band differs from the one the previous review showed; a revision is a score
    of the same year that the previous review showed with another value (`previous_shown`, on
    the scale the review shows: a corrected file was published since)."""
    if previous.empty:
        return previous.iloc[0:0], previous.iloc[0:0], previous.iloc[0:0]
    before = previous[["agency_code", "index_code", "evaluation_year", "score", "band_code"]]
    before = before.rename(
        columns={
            "evaluation_year": "previous_year",
            "score": "reviewed_score",  # (shown already has previous_score: the year before)
            "band_code": "previous_band",
        }
    )
    both = review.shown.merge(before, on=["agency_code", "index_code"], how="left")
    new = both[both["previous_year"].isna() | (both["evaluation_year"] > both["previous_year"])]
    moved = both[both["previous_band"].notna() & (both["band_code"] != both["previous_band"])]
    ranks = review.bands.set_index(["index_code", "band_code"])["band_rank"]
    moved = moved.assign(
        previous_rank=[
            ranks.get((i, b))
            for i, b in zip(moved["index_code"], moved["previous_band"], strict=True)
        ]
    )
    moved = moved.assign(improved=moved["band_rank"] < moved["previous_rank"])
    same_year = both[both["evaluation_year"] == both["previous_year"]]
    revised = same_year[(same_year["score"] - same_year["reviewed_score"]).abs() > 1e-9]
    # The old value on the scale the review shows (IPP on its decree's 0-100 scale: x20).
    ratio = (revised["shown_score"] / revised["score"]).where(revised["score"] != 0, 1.0)
    revised = revised.assign(previous_shown=revised["reviewed_score"] * ratio)
    return new.reset_index(drop=True), moved.reset_index(drop=True), revised.reset_index(drop=True)
