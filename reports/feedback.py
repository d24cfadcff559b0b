"""Correction packs: every file refused in a window goes back to the office that sent it.

`kinerja feedback` writes into `<feedback dir>/<regency>/`: each refused file annotated
(`reports/annotated.py`), and a letter (HTML and PDF) per sending office and month that lists its
files, their problems and the deadline for a corrected version. A file that has loaded since its
refusal needs no pack. Everything in a pack is Bahasa Indonesia.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import groupby
from pathlib import Path, PurePosixPath

from contracts import reference
from contracts.messages import in_indonesian
from contracts.sources import registry
from ingest import raw_store
from reports import bahasa
from reports.annotated import Refusal, annotated_workbook
from reports.exports import save_inert
from reports.render import environment, print_pdf
from serving import crash_points
from serving.folders import written_whole

# A letter lists this many problems of a file; the annotated workbook has them all.
PROBLEMS_IN_A_LETTER = 5


@dataclass(frozen=True)
class Pack:
    """What was written for one regency."""

    regency: str
    workbooks: list[Path]
    letters: list[Path]


def refusals(working: Path, since: date | None, regency: str | None) -> list[Refusal]:
    """The files refused since the day `since` began in the region's zone (of `regency` and the
    regions under it) and not corrected since, each with its issues, from the working warehouse."""
    if not working.exists():
        return []
    start = None
    if since:
        local = datetime(since.year, since.month, since.day, tzinfo=bahasa.zona(regency))
        start = local.astimezone(UTC).replace(tzinfo=None)
    with raw_store.RawStore(working, read_only=True) as store:
        found = []
        for row in store.refused_files(start, regency).itertuples(index=False):
            found.append(
                Refusal(
                    source_code=row.index_code,
                    file=row.file,
                    pemda_code=row.pemda_code,
                    refused_at=row.logged_at.to_pydatetime(),
                    # nothing landed of a file refused unread (too big, a link): a summary alone
                    landed=Path(row.landed_path) if isinstance(row.landed_path, str) else None,
                    issues=store.file_issues(row.run_id, row.file),
                )
            )
    return found


def write_packs(
    settings, since: date | None, regency: str | None, deadline: date, pdf: bool = True
) -> list[Pack]:
    """A pack per regency with refused files: annotated workbooks, then the letters. Each
    regency's folder is written whole and replaces the pack written before, which goes with it:
    a file corrected since must not be sent back."""
    packs = []
    found = sorted(refusals(settings.working, since, regency), key=_regency_of)
    by_regency = {code: list(files) for code, files in groupby(found, key=_regency_of)}
    earlier = [
        folder.name
        for folder in sorted(settings.feedback_dir.glob("*"))
        if folder.is_dir()
        and not folder.name.startswith(".")  # a pack being written, or one on its way out
        and (regency is None or folder.name == regency)
    ]
    for code in sorted({*by_regency, *earlier}):
        files = by_regency.get(code, [])
        with written_whole(settings.feedback_dir / code) as staging:
            written = _pack(staging, code, files, deadline, pdf, settings.chromium)
            crash_points.reached("feedback_written")
        if files:
            final = settings.feedback_dir / code
            packs.append(Pack(code, *([final / p.name for p in part] for part in written)))
    return packs


def _pack(
    folder: Path, code: str, files: list[Refusal], deadline: date, pdf: bool, browser: str | None
):
    """The annotated workbooks and the letters (and, with `pdf`, their PDFs) of a regency's
    refused files into `folder`."""
    workbooks = {}
    for refusal in files:
        path = folder / f"{_stem(refusal)}-perbaikan.xlsx"
        try:
            workbook = annotated_workbook(refusal)
        except Exception:  # noqa: BLE001 (one odd file never stops the others' packs)
            workbook = annotated_workbook(dataclasses.replace(refusal, landed=None))
        save_inert(workbook, path)
        workbooks[refusal.file] = path
    letters = []
    for (sender, month), sent in groupby(sorted(files, key=_letter_key), key=_letter_key):
        html = folder / f"surat-{_slug(sender).lower()}-{month}.html"
        html.write_text(
            _letter(code, sender, month, list(sent), workbooks, deadline), encoding="utf-8"
        )
        letters.append(html)
        if pdf:
            print_pdf(html, html.with_suffix(".pdf"), browser)
            letters.append(html.with_suffix(".pdf"))
    return list(workbooks.values()), letters


def _regency_of(refusal: Refusal) -> str:
    """The regency a pack goes to: the file's region, cut to its regency (a kecamatan's or a
    province's file goes to the region it names)."""
    return ".".join(str(refusal.pemda_code).split(".")[:2])


def _letter_key(refusal: Refusal) -> tuple[str, str]:
    """The office and the month (in the region's zone) a refusal is written to."""
    moment = refusal.refused_at.replace(tzinfo=UTC).astimezone(bahasa.zona(refusal.pemda_code))
    return registry()[refusal.source_code].sender, f"{moment:%Y-%m}"


def _stem(refusal: Refusal) -> str:
    """A name for the annotated copy that two files of one regency never share: the path
    without the region's folder, extension included (`sakip-sakip_2024.xlsx`)."""
    parts = PurePosixPath(refusal.file).parts
    return _slug("-".join(p for p in parts if p != refusal.pemda_code))


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "-", text).strip("-")


def _letter(
    regency: str,
    sender: str,
    month: str,
    files: list[Refusal],
    workbooks: dict[str, Path],
    deadline: date,
) -> str:
    year, number = (int(part) for part in month.split("-"))
    rows = [
        {
            "file": refusal.file,
            "source": bahasa.nama_sumber(refusal.source_code),
            "refused_at": refusal.refused_at,
            "n_problems": len(refusal.errors),
            "problems": [
                {
                    "row": issue.row,
                    "column": issue.column,
                    "value": issue.value,
                    "message": in_indonesian(issue.message),
                }
                for issue in refusal.errors[:PROBLEMS_IN_A_LETTER]
            ],
            "more": max(len(refusal.errors) - PROBLEMS_IN_A_LETTER, 0),
            "workbook": workbooks[refusal.file].name,
        }
        for refusal in files
    ]
    return (
        environment(regency)
        .get_template("surat_perbaikan.html.j2")
        .render(
            sender=sender,
            region=reference.region_name(regency) or regency,
            month_label=bahasa.bulan_tahun(year, number),
            files=rows,
            deadline=deadline,
            written_on=datetime.now(bahasa.zona(regency)).date(),
        )
    )
