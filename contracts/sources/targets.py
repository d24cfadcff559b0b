"""A regency's targets (RPJMD, Renstra, Perjanjian Kinerja; docs/sources.md): per agency, index and
year a target band, a target score, or both. A score alone targets the band it falls in; when
both are given, the score must fall in the band."""

from __future__ import annotations

from contracts import reference
from contracts.bands import allowed_predicates, band_of
from contracts.messages import said
from contracts.sources import Failure, Field, Rule, Source, Table
from contracts.sources._index import each_row, known_agency, one_row_per, region_of_file
from contracts.text import fold


def conform(columns: dict[str, list], options, parsed) -> None:
    """The index as a code, and the band as written (a code or a label), else the score's (a
    plan may state scores alone, without a band column)."""
    from ingest.layouts import band_as_written

    columns["index_code"] = [fold(c).replace(" ", "_") for c in columns["index_code"]]
    nothing = [None] * len(columns["index_code"])
    scores = columns.get("target_score", nothing)
    bands = columns.get("target_band_code", nothing)
    years = columns.get("evaluation_year", nothing)
    columns["target_band_code"] = [
        band_as_written(band, code) or _band_of_score(score, code, year)
        for band, code, score, year in zip(bands, columns["index_code"], scores, years, strict=True)
    ]


def _band_of_score(score: float | None, index_code: str, year: object) -> str | None:
    """The band of a target score by the rules of its year (none when the year is not a year:
    the contract says so)."""
    if score is None or index_code not in reference.indices():
        return None
    try:
        band = band_of(index_code, score, int(str(year)))
    except ValueError:
        return None
    return band.code if band else None


def _each(frame, test) -> object:
    """`test(index_code, band, score, year)` of each row, made once per distinct row."""
    import pandas as pd

    rows = list(
        each_row(frame, "index_code", "target_band_code", "target_score", "evaluation_year")
    )
    results = {row: test(*row) for row in set(rows)}
    return pd.Series([results[row] for row in rows], index=frame.index)


def band_of_index() -> Rule:
    def test(frame):
        return _each(
            frame,
            lambda code, band, _, __: (
                code not in reference.indices() or band in reference.band_codes(code)
            ),
        )

    def message(f: Failure) -> str:
        return said(
            "not a band of {index}; expected one of {bands} or their labels",
            index=f.row["index_code"],
            bands=list(reference.band_codes(f.row["index_code"])),
        )

    return Rule("target_band_of_index", "target_band_code", test, message)


def score_in_band() -> Rule:
    def test(frame):
        import pandas as pd

        return _each(
            frame,
            lambda code, band, score, year: (
                pd.isna(score)
                or code not in reference.indices()
                or year is None
                or band in allowed_predicates(code, score, int(year))
            ),
        )

    def message(f: Failure) -> str:
        band = band_of(f.row["index_code"], f.row["target_score"], int(f.row["evaluation_year"]))
        return said(
            "target score {score} is band {band}, not the target band {target}",
            score=float(f.row["target_score"]),
            band=band.code if band else "?",
            target=f.row["target_band_code"],
        )

    return Rule("target_score_in_band", "target_score", test, message)


def known_index() -> Rule:
    return Rule(
        "known_index",
        "index_code",
        lambda frame: frame["index_code"].isin(list(reference.indices())),
        lambda f: said(
            "not an index; expected one of {indices}", indices=list(reference.indices())
        ),
    )


SOURCE = Source(
    "targets",
    "Targets of each regency's plans (RPJMD, Renstra, Perjanjian Kinerja)",
    (
        Table(
            "targets",
            {
                "source_sheet": Field("str", nullable=True),
                "source_row": Field("int"),
                "pemda_code": Field("str"),
                "agency_name": Field("str"),
                "agency_code": Field("str", nullable=True),
                "index_code": Field("str"),
                "evaluation_year": Field("int", within=(2000, 2100)),
                "target_band_code": Field(
                    "str",
                    required=False,
                    missing=said(
                        "a target needs a band (BB) or a score on the index's scale (70), or both"
                    ),
                ),
                "target_score": Field("float", nullable=True, required=False),
                "plan_document": Field("str", nullable=True, required=False),
            },
            (
                region_of_file(),
                known_agency(),
                known_index(),
                band_of_index(),
                score_in_band(),
                one_row_per(
                    "one_target_per_agency_index_year",
                    ["agency_code", "index_code", "evaluation_year"],
                    said("more than one target for this agency, index and evaluation year"),
                ),
            ),
            replace_key=("agency_code", "index_code", "evaluation_year"),
        ),
    ),
    numbers=("target_score",),
    conform=conform,
)
