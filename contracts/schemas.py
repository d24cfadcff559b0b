"""The pandera contract of each source layout.

Checks follow SOURCES.md and DOMAIN.md: scales, component ranges and sums, band consistency (a
score exactly on a band boundary accepts either neighbouring band, with a warning), one row per
agency and year, agencies known to their regency's master, rows of the file's own regency. The
agency master and the targets of a regency have contracts of their own. Bounds and bands come
from the seeds.

A contract checks many files at once: each row carries `file_id` and its file's region
(`file_pemda_code`), and every check that holds within one file (one row per agency and year, the
regency's own row in its master, 47 SPBE indicators...) is made per file. One call for a whole
source costs what one call for one file does; a file is still accepted or refused on its own.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa

from contracts import reference
from contracts.agencies import agency_key, split_aliases
from contracts.bands import allowed_predicates

SUM_TOLERANCE = 0.01
SPBE_INDICATORS = 47
# WAREHOUSE.md's agency types.
AGENCY_TYPES = (
    "pemda", "sekretariat", "inspektorat", "dinas", "badan", "kecamatan", "rsud", "satpol_pp",
    "kelurahan", "other",
)  # fmt: skip

# Row-level checks see the whole frame; the report names only the column the check is about.
_FOCUS: dict[str, str] = {}
# Checks of a whole file, made row by row; the report says them once per file, with no row.
FILE_CHECKS = {"regency_row_present", "forty_seven_indicators"}
# Which file each row comes from, and its region: checked, never loaded.
FILE_COLUMNS = {
    "file_id": pa.Column(int),
    "file_pemda_code": pa.Column(str),
}


def _row_check(name: str, focus: str, test: Callable[[pd.DataFrame], pd.Series]) -> pa.Check:
    _FOCUS[name] = focus
    return pa.Check(test, name=name)


def _score_matches_predicate(index_code: str) -> pa.Check:
    def test(frame: pd.DataFrame) -> pd.Series:
        pairs = frame[["predicate", "score"]].drop_duplicates()
        consistent = {
            (p, s): pd.isna(p) or pd.isna(s) or p in allowed_predicates(index_code, s)
            for p, s in zip(pairs["predicate"], pairs["score"], strict=True)
        }
        return pd.Series(
            [consistent[pair] for pair in zip(frame["predicate"], frame["score"], strict=True)],
            index=frame.index,
        )

    return _row_check("predicate_matches_score", "predicate", test)


def _one_row_per_agency_year(frame: pd.DataFrame) -> pd.Series:
    keys = frame[["file_id", "agency_code", "evaluation_year"]]
    return ~keys.duplicated(keep=False) | frame["agency_code"].isna()


def _components_sum_to_score(codes: list[str]) -> pa.Check:
    def test(frame: pd.DataFrame) -> pd.Series:
        return (frame[codes].sum(axis=1, min_count=len(codes)) - frame["score"]).abs().le(
            SUM_TOLERANCE
        ) | frame[codes + ["score"]].isna().any(axis=1)

    return _row_check("components_sum_to_score", "score", test)


def _weighted_components_match_score(index_code: str) -> pa.Check:
    weights = {c.code: c.weight for c in reference.components(index_code)}

    def test(frame: pd.DataFrame) -> pd.Series | bool:
        if not set(weights) <= set(frame.columns):
            return True  # a decree without the aspect columns: nothing to add up
        parts = frame[list(weights)]
        weighted = (parts * pd.Series(weights)).sum(axis=1)
        return (weighted - frame["score"]).abs().le(0.05) | parts.isna().any(axis=1)

    return _row_check("weighted_components_match_score", "score", test)


def _local_code_matches_agency(frame: pd.DataFrame) -> pd.Series:
    """`Kode` is the local part (SETDA) or the whole code (<region code>.SETDA) of the named agency."""
    return pd.Series(
        [
            pd.isna(local)
            or pd.isna(code)
            or code in {f"{pemda}.{local}".upper(), str(local).upper()}
            for local, code, pemda in zip(
                frame["local_code"], frame["agency_code"], frame["pemda_code"], strict=True
            )
        ],
        index=frame.index,
    )


def within_region(code: object, file_pemda_code: str) -> bool:
    """A row's region is the file's regency, or lies under it (a province's file)."""
    return code == file_pemda_code or str(code).startswith(f"{file_pemda_code}.")


def _under_files_region(frame: pd.DataFrame, column: str) -> pd.Series:
    """Whether `column` names the row's file's region or a code under it."""
    return pd.Series(
        [
            within_region(code, region)
            for code, region in zip(frame[column], frame["file_pemda_code"], strict=True)
        ],
        index=frame.index,
    )


def _of_the_files_region() -> pa.Check:
    return _row_check(
        "region_of_file", "pemda_code", lambda f: _under_files_region(f, "pemda_code")
    )


def _known_agency(frame: pd.DataFrame) -> pd.Series:
    return frame["agency_code"].notna() | frame["agency_name"].isna()


def _component_columns(index_code: str, required: bool) -> dict[str, pa.Column]:
    return {
        c.code: pa.Column(
            float,
            pa.Check.in_range(0, c.max_score) if c.max_score else pa.Check.ge(0),
            nullable=not required,
            required=required,
        )
        for c in reference.components(index_code)
    }


_SOURCE_ROW = {
    "source_sheet": pa.Column(str, nullable=True),
    "source_row": pa.Column(int),
}


def score_schema(index_code: str) -> pa.DataFrameSchema:
    """The contract of the score files of an index (a regency's, or a province's file)."""
    index = reference.indices()[index_code]
    columns = {
        **FILE_COLUMNS,
        **_SOURCE_ROW,
        "evaluation_year": pa.Column(int, pa.Check.in_range(2000, 2100)),
        "pemda_code": pa.Column(str),
        "agency_name": pa.Column(str),
        "agency_code": pa.Column(str, nullable=True),
        "score": pa.Column(float, pa.Check.in_range(index.scale_min, index.scale_max)),
        "predicate": pa.Column(
            str,
            pa.Check.isin(
                [b.code for b in reference.bands(index_code)],
                name="known_predicate",
                error="known_predicate",
            ),
            nullable=True,
            required=False,
        ),
    }
    checks = [
        _of_the_files_region(),
        _row_check("known_agency", "agency_name", _known_agency),
        _row_check("one_row_per_agency_year", "agency_name", _one_row_per_agency_year),
        _score_matches_predicate(index_code),
    ]
    if index_code == "sakip":
        columns |= _component_columns("sakip", required=True)
        checks.append(_components_sum_to_score([c.code for c in reference.components("sakip")]))
    elif index_code == "rb":
        columns["local_code"] = pa.Column(str, nullable=True, required=False)
        checks.append(_row_check("kode_matches_agency", "local_code", _local_code_matches_agency))
    elif index_code == "spip":
        columns |= _component_columns("spip", required=False)
        columns |= {
            k: pa.Column(float, pa.Check.ge(0), nullable=True, required=False)
            for k in ("mri", "iepk")
        }
    elif index_code == "spbe":
        columns |= _component_columns("spbe", required=True)
        columns["announced_on"] = pa.Column("datetime64[ns]", nullable=True, required=False)
    elif index_code == "ipp":
        columns |= _component_columns("ipp", required=False)
        columns |= {
            "native_scale": pa.Column(float, pa.Check.isin([5.0, 100.0])),
            "native_score": pa.Column(float),
            "note": pa.Column(str, nullable=True, required=False),
        }
        checks.append(_weighted_components_match_score("ipp"))
    elif index_code == "merit":
        columns |= _component_columns("merit", required=False)
    return pa.DataFrameSchema(columns, checks=checks, strict=True, coerce=True)


def _forty_seven_per_file(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby("file_id")["indicator_no"].transform("size") == SPBE_INDICATORS


def spbe_indicator_schema() -> pa.DataFrameSchema:
    domains = [c.code for c in reference.components("spbe")]
    return pa.DataFrameSchema(
        {
            **FILE_COLUMNS,
            **_SOURCE_ROW,
            "evaluation_year": pa.Column(int),
            "agency_code": pa.Column(str, nullable=True),
            "indicator_no": pa.Column(int, pa.Check.in_range(1, SPBE_INDICATORS)),
            "indicator_name": pa.Column(str, nullable=True),
            "domain_code": pa.Column(str, pa.Check.isin(domains)),
            "maturity_level": pa.Column(int, pa.Check.in_range(1, 5)),
        },
        checks=[pa.Check(_forty_seven_per_file, name="forty_seven_indicators")],
        unique=["file_id", "indicator_no"],
        strict=True,
        coerce=True,
    )


def _one_version_per_date(frame: pd.DataFrame) -> pd.Series:
    return ~frame[["file_id", "agency_code", "valid_from"]].duplicated(keep=False)


def _code_under_regency(frame: pd.DataFrame) -> pd.Series:
    is_regency = frame["agency_code"] == frame["file_pemda_code"]
    under = _under_files_region(frame, "agency_code") & ~is_regency
    is_pemda = frame["agency_type"] == "pemda"
    return (is_regency & is_pemda) | (under & ~is_pemda)


def _parent_exists(frame: pd.DataFrame) -> pd.Series:
    """A parent is an agency of the same master; the regency's own parent is its province."""
    regions = reference.regions()
    province = frame["file_pemda_code"].map(
        lambda code: regions[code].province_code if code in regions else None
    )
    codes = set(zip(frame["file_id"], frame["agency_code"], strict=True))
    parents = zip(frame["file_id"], frame["parent_agency_code"], strict=True)
    in_master = pd.Series([pair in codes for pair in parents], index=frame.index)
    regency_row = frame["agency_type"] == "pemda"
    return (regency_row & (frame["parent_agency_code"] == province)) | (~regency_row & in_master)


def agencies_sharing_a_name(frame: pd.DataFrame) -> dict[str, set[str]]:
    """Folded written form -> the agency codes it names, for forms naming more than one."""
    named: dict[str, set[str]] = {}
    for code, name, short, aliases in zip(
        frame["agency_code"],
        frame["agency_name"],
        frame["agency_short_name"],
        frame["aliases"],
        strict=True,
    ):
        for written in (name, short, *split_aliases(aliases)):
            if isinstance(written, str) and written.strip():
                named.setdefault(agency_key(written), set()).add(code)
    return {form: codes for form, codes in named.items() if len(codes) > 1}


def _each_name_one_agency(frame: pd.DataFrame) -> pd.Series:
    return pd.concat(
        _each_name_one_agency_of_a_master(master) for _, master in frame.groupby("file_id")
    ).reindex(frame.index)


def _each_name_one_agency_of_a_master(frame: pd.DataFrame) -> pd.Series:
    shared = agencies_sharing_a_name(frame)
    return pd.Series(
        [
            not any(
                agency_key(w) in shared
                for w in (name, short, *split_aliases(aliases))
                if isinstance(w, str) and w.strip()
            )
            for name, short, aliases in zip(
                frame["agency_name"], frame["agency_short_name"], frame["aliases"], strict=True
            )
        ],
        index=frame.index,
    )


def _regency_listed(frame: pd.DataFrame) -> pd.Series:
    regency_row = (frame["agency_code"] == frame["file_pemda_code"]) & (
        frame["agency_type"] == "pemda"
    )
    return regency_row.groupby(frame["file_id"]).transform("any")


def master_schema() -> pa.DataFrameSchema:
    """The agency master of a regency: every version of every agency, the regency included."""
    return pa.DataFrameSchema(
        {
            **FILE_COLUMNS,
            **_SOURCE_ROW,
            "pemda_code": pa.Column(str),
            "agency_code": pa.Column(str),
            "agency_name": pa.Column(str),
            "agency_short_name": pa.Column(str, nullable=True),
            "agency_type": pa.Column(
                str,
                pa.Check.isin(AGENCY_TYPES, name="known_agency_type", error="known_agency_type"),
            ),
            "parent_agency_code": pa.Column(str, nullable=True),
            "aliases": pa.Column(str, nullable=True, required=False),
            "valid_from": pa.Column("datetime64[ns]"),
        },
        checks=[
            _row_check("code_under_regency", "agency_code", _code_under_regency),
            _row_check("one_version_per_date", "agency_code", _one_version_per_date),
            _row_check("parent_exists", "parent_agency_code", _parent_exists),
            _row_check("name_names_one_agency", "agency_name", _each_name_one_agency),
            pa.Check(_regency_listed, name="regency_row_present"),
        ],
        strict=True,
        coerce=True,
    )


def _target_band_of_index(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [
            code not in reference.indices() or band in {b.code for b in reference.bands(code)}
            for code, band in zip(frame["index_code"], frame["target_band_code"], strict=True)
        ],
        index=frame.index,
    )


def _target_score_in_band(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [
            pd.isna(score)
            or code not in reference.indices()
            or band in allowed_predicates(code, score)
            for code, band, score in zip(
                frame["index_code"], frame["target_band_code"], frame["target_score"], strict=True
            )
        ],
        index=frame.index,
    )


def _one_target_per_agency_index_year(frame: pd.DataFrame) -> pd.Series:
    keys = frame[["file_id", "agency_code", "index_code", "evaluation_year"]]
    return ~keys.duplicated(keep=False) | frame["agency_code"].isna()


def targets_schema() -> pa.DataFrameSchema:
    """A regency's targets (RPJMD, Renstra, Perjanjian Kinerja): a band per agency, index, year."""
    return pa.DataFrameSchema(
        {
            **FILE_COLUMNS,
            **_SOURCE_ROW,
            "pemda_code": pa.Column(str),
            "agency_name": pa.Column(str),
            "agency_code": pa.Column(str, nullable=True),
            "index_code": pa.Column(
                str,
                pa.Check.isin(list(reference.indices()), name="known_index", error="known_index"),
            ),
            "evaluation_year": pa.Column(int, pa.Check.in_range(2000, 2100)),
            "target_band_code": pa.Column(str),
            "target_score": pa.Column(float, nullable=True, required=False),
            "plan_document": pa.Column(str, nullable=True, required=False),
        },
        checks=[
            _of_the_files_region(),
            _row_check("known_agency", "agency_name", _known_agency),
            _row_check("target_band_of_index", "target_band_code", _target_band_of_index),
            _row_check("target_score_in_band", "target_score", _target_score_in_band),
            _row_check(
                "one_target_per_agency_index_year", "agency_name", _one_target_per_agency_index_year
            ),
        ],
        strict=True,
        coerce=True,
    )
