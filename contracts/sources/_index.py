"""What every index shares: the columns of a score file and the rules every score row meets.

A score is on its index's scale (indices.csv), its evaluation year has a band table
(rating_bands.csv: rules belong to periods), a stated predicate is one of its bands and agrees
with the score by the table of its year (a score exactly on a boundary accepts either
neighbouring band, with a warning), the row names an agency of its regency's master, the region
is the file's own (or lies under a province's file), and a file holds one row per agency and year.
"""

from __future__ import annotations

from contracts import reference
from contracts.bands import allowed_predicates, band_of, boundary_bands
from contracts.failures import WARNING, Issue
from contracts.messages import Said, said
from contracts.sources import Failure, Field, Rule, Source, Table


def within_region(code: object, file_pemda_code: str) -> bool:
    """A row's region is the file's regency, or lies under it (a province's file)."""
    return code == file_pemda_code or str(code).startswith(f"{file_pemda_code}.")


def _series(frame, values):
    import pandas as pd

    return pd.Series(values, index=frame.index)


def each_row(frame, *names):
    """The values of `names`, row by row, as plain Python values (a missing one as None): a
    rule that must look at each row iterates lists, not pandas arrays."""
    return zip(*([_plain(v) for v in frame[name].tolist()] for name in names), strict=True)


def _plain(value):
    missing = value is None or (isinstance(value, float) and value != value)
    return None if missing or type(value).__name__ == "NAType" else value


def region_of_file() -> Rule:
    def test(frame):
        pairs = each_row(frame, "pemda_code", "file_pemda_code")
        return _series(frame, [within_region(code, region) for code, region in pairs])

    def message(f: Failure) -> str:
        return said(
            "this row is for region {row_region}, but the file belongs to {region} "
            "({region_name}), by its folder or the manifest",
            row_region=f.value,
            region=f.pemda_code,
            region_name=reference.region_name(f.pemda_code) or "?",
        )

    return Rule("region_of_file", "pemda_code", test, message)


def known_agency() -> Rule:
    def message(f: Failure) -> str:
        regency = f.row["pemda_code"]
        if regency not in f.masters:
            return said(
                "no agency master for {regency} has been loaded yet: load its master first",
                regency=regency,
            )
        return said(
            "agency not in the master for {regency}; closest names: {closest}",
            regency=regency,
            closest=[f"'{name}'" for name in f.masters.directory(regency).suggest(f.value)],
        )

    return Rule(
        "known_agency",
        "agency_name",
        lambda frame: frame["agency_code"].notna() | frame["agency_name"].isna(),
        message,
    )


def one_row_per(name: str, key: list[str], message: Said) -> Rule:
    """At most one row per `key` (an agency and more) in a file."""

    def test(frame):
        return ~frame[["file_id", *key]].duplicated(keep=False) | frame["agency_code"].isna()

    return Rule(name, "agency_name", test, lambda f: message)


def rules_for_year(index_code: str) -> Rule:
    """A score can be banded only by a band table holding for its evaluation year; a year before
    the first cited table is refused rather than banded by a later regulation's cut points."""

    def test(frame):
        years = each_year(frame)
        banded = {y: bool(reference.bands(index_code, y)) for y in set(years) if y is not None}
        return _series(frame, [y is None or banded[y] for y in years])

    def message(f: Failure) -> str:
        periods = sorted({b.period for b in reference.all_bands(index_code)}, key=str)
        return said(
            "no {index} band table holds for evaluation year {year}; kinerja holds {periods}",
            index=index_code,
            year=f.value,
            periods=[_period_text(p) for p in periods],
        )

    return Rule("rules_for_year", "evaluation_year", test, message)


def each_year(frame) -> list[int | None]:
    return [None if y is None else int(y) for (y,) in each_row(frame, "evaluation_year")]


def _period_text(period: reference.Period) -> str:
    start = period.valid_from_year or "…"
    end = period.valid_to_year or "…"
    return f"{period.rule_version} ({start}–{end})"


def known_predicate(index_code: str) -> Rule:
    codes = list(reference.band_codes(index_code))
    return Rule(
        "known_predicate",
        "predicate",
        lambda frame: frame["predicate"].isna() | frame["predicate"].isin(codes),
        lambda f: said(
            "not a {index} predicate; expected one of {bands} or their labels",
            index=index_code,
            bands=codes,
        ),
    )


def predicate_matches_score(index_code: str) -> Rule:
    """A stated predicate is the band its score falls in (or, on a boundary, a band beside it).
    A score outside every band is not judged here: the score's range check tells its owner
    that the score, not the predicate, is wrong."""

    def test(frame):
        rows = list(each_row(frame, "predicate", "score", "evaluation_year"))
        consistent = {
            (p, s, y): p is None
            or s is None
            or y is None
            or not reference.bands(index_code, y)  # rules_for_year says so
            or band_of(index_code, s, y) is None  # outside the scale: the score is wrong
            or p in allowed_predicates(index_code, s, y)
            for p, s, y in set(rows)
        }
        return _series(frame, [consistent[row] for row in rows])

    def message(f: Failure) -> str:
        band = band_of(index_code, f.row["score"], int(f.row["evaluation_year"]))
        return said(
            "score {score} is band {band}, the file states {stated}",
            score=float(f.row["score"]),
            band=band.code if band else "?",
            stated=f.value,
        )

    return Rule("predicate_matches_score", "predicate", test, message)


def boundary_warnings(index_code: str):
    """A score exactly on a band boundary keeps the published predicate: say so, per file."""

    def warnings(frame, files) -> list[tuple[int, Issue]]:
        if "predicate" not in frame:
            return []
        bounds = {bound for b in reference.all_bands(index_code) for bound in (b.lower, b.upper)}
        found = []
        on_a_bound = frame[frame["score"].isin(bounds) & frame["evaluation_year"].notna()]
        for n, sheet, row_number, score, stated, year in zip(
            on_a_bound["file_id"], on_a_bound["source_sheet"], on_a_bound["source_row"],
            on_a_bound["score"], on_a_bound["predicate"], on_a_bound["evaluation_year"],
            strict=True,
        ):  # fmt: skip
            derived = band_of(index_code, score, int(year))
            if not isinstance(stated, str) or not derived or stated == derived.code:
                continue
            if stated not in boundary_bands(index_code, score, int(year)):
                continue
            issue = Issue(
                "predicate_on_boundary",
                said(
                    "score {score} sits on a band boundary: the published predicate {stated} is "
                    "kept (the band table alone gives {band})",
                    score=float(score),
                    stated=stated,
                    band=derived.code,
                ),
                sheet=sheet if isinstance(sheet, str) else None,
                row=int(row_number),
                column=files[n].labels.get("predicate", "predicate"),
                value=stated,
                severity=WARNING,
            )
            found.append((int(n), issue))
        return found

    return warnings


def component_fields(index_code: str, required: bool) -> dict[str, Field]:
    """The index's components (components.csv), each within 0 and its maximum."""
    return {
        c.code: Field(
            "float",
            nullable=not required,
            required=required,
            within=(0, c.max_score) if c.max_score else None,
            at_least=None if c.max_score else 0,
        )
        for c in reference.components(index_code)
    }


def score_fields(index_code: str) -> dict[str, Field]:
    index = reference.indices()[index_code]
    return {
        "source_sheet": Field("str", nullable=True),
        "source_row": Field("int"),
        "evaluation_year": Field("int", within=(2000, 2100)),
        "pemda_code": Field("str"),
        "agency_name": Field("str"),
        "agency_code": Field("str", nullable=True),
        "score": Field("float", within=(index.scale_min, index.scale_max)),
        "predicate": Field("str", nullable=True, required=False),
    }


def index_source(
    code: str,
    fields: dict[str, Field] | None = None,
    rules: tuple[Rule, ...] = (),
    more_tables: tuple[Table, ...] = (),
    **layout,
) -> Source:
    """An index's source: the score columns and rules every index has, its own `fields` and
    `rules`, and what its layout needs (`document`, `sheets`, `conform`)."""
    table = Table(
        code,
        score_fields(code) | (fields or {}),
        (
            region_of_file(),
            known_agency(),
            one_row_per(
                "one_row_per_agency_year", ["agency_code", "evaluation_year"],
                said("more than one row for this agency and evaluation year"),
            ),
            rules_for_year(code),
            known_predicate(code),
            predicate_matches_score(code),
            *rules,
        ),
        warnings=(boundary_warnings(code),),
    )  # fmt: skip
    return Source(code, reference.indices()[code].name, (table, *more_tables), **layout)
