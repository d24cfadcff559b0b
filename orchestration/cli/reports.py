"""The monthly reviews: `kinerja report`."""

from __future__ import annotations

import click

from orchestration.cli.options import Month, RegionCode, settings_for, target_option
from orchestration.mistakes import OperatorError


@click.command()
@target_option
@click.option(
    "--regency",
    "regencies",
    multiple=True,
    type=RegionCode(),
    help="A regency or city code, e.g. 32.16 (repeat; default: every one).",
)
@click.option(
    "--province",
    "provinces",
    multiple=True,
    type=RegionCode(province=True),
    help="A province code, e.g. 32: its regencies side by side (repeat; default: every one).",
)
@click.option(
    "--as-of", "month", type=Month(), help="The review month (default: this month in Jakarta)."
)
@click.option("--no-pdf", is_flag=True, help="Skip the PDF (it needs Chromium).")
@click.option(
    "--force",
    is_flag=True,
    help="Render again a review already rendered since the last publish (after a change to "
    "the review's template or code).",
)
def report(
    target: str | None,
    regencies: tuple[str, ...],
    provinces: tuple[str, ...],
    month,
    no_pdf: bool,
    force: bool,
) -> int:
    """Render the monthly review (HTML, PDF, XLSX, CSV) from the served marts: of each regency
    named, of each province named, or of every one.

    Exits 0 when every review asked for is rendered, 1 when one is not (said on stderr).
    """
    from reports import monthly_review, province_review
    from reports.render import PdfUnavailable
    from reports.review_data import ReviewMonth

    settings = settings_for(target)
    month = month or ReviewMonth.this_month()
    regency = (monthly_review.rendered_from_the_served_marts, monthly_review.render_review)
    province = (province_review.rendered_from_the_served_marts, province_review.render_province)
    chosen = [(regency, code) for code in regencies]
    chosen += [(province, code) for code in provinces]
    if not chosen:
        chosen = [(regency, code) for code in monthly_review.regencies(settings)]
        chosen += [(province, code) for code in province_review.provinces(settings)]
    failed = False
    for (rendered_already, render), code in chosen:
        current = None if force else rendered_already(settings, code, month, pdf=not no_pdf)
        if current:
            print(f"{code} {month}: as rendered from the marts served now: {current.html}")
            continue
        try:
            files = render(settings, code, month, pdf=not no_pdf)
        except (OperatorError, PdfUnavailable) as error:
            click.echo(f"kinerja report: {code} {month}: NOT rendered: {error}", err=True)
            failed = True
            continue
        made = [files.html, files.pdf, files.workbook, files.csv_dir]
        print(f"{code} {month}: " + ", ".join(str(path) for path in made if path))
    return 1 if failed else 0


COMMANDS = [report]
