"""The monthly review: its own asset, job and schedule, apart from the refresh, so that the
nightly refresh stays fast and a review that fails never holds up a publish."""

from datetime import datetime

import dagster as dg

from orchestration.automation import TIMEZONE
from orchestration.settings import Settings

REVIEW_JOB = "monthly_review"
# 06:00 on the 1st, after the 02:00 nightly refresh: the review of the month that begins.
REVIEW_CRON = "0 6 1 * *"


class ReviewConfig(dg.Config):
    as_of: str = ""  # YYYY-MM; empty: the month of the schedule's tick (or of today)
    regencies: list[str] = []  # empty: every regency with a published score
    provinces: list[str] = []  # empty: every province with a published score


@dg.asset(
    key=["reports", "monthly_review"],
    deps=[dg.AssetKey(["published", "warehouse"])],
    group_name="report",
    kinds={"html", "pdf"},
    description="The monthly review per regency and the province's view of its regencies "
    "(HTML, PDF, CSV, XLSX, in Bahasa Indonesia) from the served marts, and the regency "
    "reviews' snapshot in marts.review_snapshot.",
)
def monthly_review(
    context: dg.AssetExecutionContext, config: ReviewConfig, settings: dg.ResourceParam[Settings]
) -> dg.MaterializeResult:
    from reports.monthly_review import regencies, render_review
    from reports.province_review import provinces, render_province
    from reports.review_data import ReviewMonth

    month = ReviewMonth.parse(config.as_of) if config.as_of else ReviewMonth.this_month()
    rendered, failed = {}, {}
    chosen = [(render_review, code) for code in config.regencies or regencies(settings)]
    chosen += [(render_province, code) for code in config.provinces or provinces(settings)]
    for render, code in chosen:
        try:
            files = render(settings, code, month)
        except Exception as error:  # one review's failure must not cost the others theirs
            context.log.error(f"review of {code} {month} failed: {error}")
            failed[code] = str(error)
            continue
        rendered[code] = str(files.html)
        context.log.info(f"review of {code} {month}: {files.html}")
    if failed:
        raise dg.Failure(
            description=f"{len(failed)} review(s) of {month} not rendered: "
            + "; ".join(f"{code}: {error}" for code, error in failed.items()),
            metadata={"rendered": rendered, "failed": failed},
        )
    return dg.MaterializeResult(metadata={"review_month": str(month), "rendered": rendered})


def _month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


monthly_review_job = dg.define_asset_job(
    REVIEW_JOB,
    selection=[monthly_review],
    executor_def=dg.in_process_executor,
    description="Render the monthly review of every regency and province from the served marts.",
)


@dg.schedule(
    name="monthly_review_schedule",
    job=monthly_review_job,
    cron_schedule=REVIEW_CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="The monthly review, on the 1st after the nightly refresh.",
)
def monthly_review_schedule(context: dg.ScheduleEvaluationContext):
    month = _month_of(context.scheduled_execution_time)
    return dg.RunRequest(
        run_key=month,
        run_config={"ops": {"reports__monthly_review": {"config": {"as_of": month}}}},
    )
