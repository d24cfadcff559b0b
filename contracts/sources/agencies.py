"""A regency's agency master (docs/sources.md, reference sources): every version of every agency, the
regency itself included (type pemda), each with the date its name and type took effect. A newer
good master replaces the regency's whole master."""

from __future__ import annotations

import difflib

from contracts import reference
from contracts.agencies import agency_key, split_aliases
from contracts.failures import WARNING, Issue
from contracts.messages import said
from contracts.regions import kecamatan_of, name_key
from contracts.sources import Failure, Field, Rule, Source, Table
from contracts.sources._index import each_row, within_region
from contracts.text import fold

# docs/warehouse.md's agency types.
AGENCY_TYPES = (
    "pemda", "sekretariat", "inspektorat", "dinas", "badan", "kecamatan", "rsud", "satpol_pp",
    "kelurahan", "other",
)  # fmt: skip


def conform(columns: dict[str, list], options, parsed) -> None:
    """Trim the text of a master and read `valid_from` as a date; the file names its regency."""
    from ingest.layouts import cells, clean_text, parse_date

    for column in set(columns) - {"source_sheet", "source_row", "valid_from"}:
        columns[column] = [clean_text(v) for v in columns[column]]
    columns["agency_code"] = [None if c is None else c.upper() for c in columns["agency_code"]]
    columns["pemda_code"] = [options.pemda_code] * len(columns["agency_code"])
    if "valid_from" in columns:
        columns["valid_from"] = cells(columns, "valid_from", parsed, parse_date, "date_format")


def _series(frame, values):
    import pandas as pd

    return pd.Series(values, index=frame.index)


def code_under_regency() -> Rule:
    def test(frame):
        is_regency = frame["agency_code"] == frame["file_pemda_code"]
        pairs = each_row(frame, "agency_code", "file_pemda_code")
        under = _series(frame, [within_region(c, r) for c, r in pairs]) & ~is_regency
        is_pemda = frame["agency_type"] == "pemda"
        return (is_regency & is_pemda) | (under & ~is_pemda)

    return Rule(
        "code_under_regency",
        "agency_code",
        test,
        lambda f: said(
            "an agency code of {region} is '{region}.<local code>' (the regency itself: "
            "'{region}', type pemda)",
            region=f.pemda_code,
        ),
    )


def parent_exists() -> Rule:
    """A parent is an agency of the same master; the regency's own parent is its province."""

    def test(frame):
        regions = reference.regions()
        province = frame["file_pemda_code"].map(
            lambda code: regions[code].province_code if code in regions else None
        )
        codes = set(each_row(frame, "file_id", "agency_code"))
        parents = each_row(frame, "file_id", "parent_agency_code")
        in_master = _series(frame, [pair in codes for pair in parents])
        regency_row = frame["agency_type"] == "pemda"
        return (regency_row & (frame["parent_agency_code"] == province)) | (
            ~regency_row & in_master
        )

    return Rule(
        "parent_exists",
        "parent_agency_code",
        test,
        lambda f: said(
            "the parent is not an agency of this master (the regency's parent: its province)"
        ),
    )


def agencies_sharing_a_name(frame) -> dict[str, set[str]]:
    """Folded written form -> the agency codes it names, for forms naming more than one."""
    named: dict[str, set[str]] = {}
    rows = each_row(frame, "agency_code", "agency_name", "agency_short_name", "aliases")
    for code, name, short, aliases in rows:
        for written in (name, short, *split_aliases(aliases)):
            if isinstance(written, str) and written.strip():
                named.setdefault(agency_key(written), set()).add(code)
    return {form: codes for form, codes in named.items() if len(codes) > 1}


def each_name_one_agency() -> Rule:
    def of_a_master(frame):
        shared = agencies_sharing_a_name(frame)
        rows = each_row(frame, "agency_name", "agency_short_name", "aliases")
        return _series(
            frame,
            [
                not any(
                    agency_key(w) in shared
                    for w in (name, short, *split_aliases(aliases))
                    if isinstance(w, str) and w.strip()
                )
                for name, short, aliases in rows
            ],
        )

    def test(frame):
        import pandas as pd

        masters = [of_a_master(master) for _, master in frame.groupby("file_id")]
        return pd.concat(masters).reindex(frame.index)

    def message(f: Failure) -> str:
        shared = agencies_sharing_a_name(f.file_rows())
        mine = {
            fold(w)
            for w in (f.row["agency_name"], f.row["agency_short_name"], f.row["aliases"])
            if isinstance(w, str)
        }
        named = {
            form: sorted(codes) for form, codes in shared.items() if any(form in m for m in mine)
        }
        return said(
            "a name or alias of this agency also names another one: {names}",
            names=str(named or shared),
        )

    return Rule("name_names_one_agency", "agency_name", test, message)


def regency_row_present() -> Rule:
    def test(frame):
        regency_row = (frame["agency_code"] == frame["file_pemda_code"]) & (
            frame["agency_type"] == "pemda"
        )
        return regency_row.groupby(frame["file_id"]).transform("any")

    return Rule(
        "regency_row_present",
        None,
        test,
        lambda f: said(
            "the master has no row for the regency itself ({region}, type pemda)",
            region=f.pemda_code,
        ),
        whole_file=True,
    )


def kecamatan_warnings(frame, files) -> list[tuple[int, Issue]]:
    """A kecamatan of a master that is not one of its regency's in the Kemendagri list: a
    misspelling, or a kecamatan newer than the list. It loads, with a warning."""
    warnings = []
    rows = frame[frame["agency_type"] == "kecamatan"]
    for n, sheet, row_number, pemda, name in zip(
        rows["file_id"], rows["source_sheet"], rows["source_row"], rows["pemda_code"],
        rows["agency_name"], strict=True,
    ):  # fmt: skip
        real = kecamatan_of(pemda)
        place = agency_key(name).removeprefix("kecamatan ")
        if not real or name_key(place) in real:
            continue
        closest = difflib.get_close_matches(name_key(place), real, n=3, cutoff=0.6)
        issue = Issue(
            "kecamatan_not_in_region_list",
            said(
                "'{name}' is not a kecamatan of {regency} in the Kemendagri list (Kepmendagri "
                "300.2.2-2138/2025); closest: {closest}",
                name=name,
                regency=reference.region_name(pemda),
                closest=[f"'{real[c]}'" for c in closest] or "-",
            ),
            sheet=sheet if isinstance(sheet, str) else None,
            row=int(row_number),
            column=files[n].labels.get("agency_name", "agency_name"),
            value=name,
            severity=WARNING,
        )
        warnings.append((int(n), issue))
    return warnings


SOURCE = Source(
    "agencies",
    "Agency masters, one per regency: every version of every agency",
    (
        Table(
            "agency_master",
            {
                "source_sheet": Field("str", nullable=True),
                "source_row": Field("int"),
                "pemda_code": Field("str"),
                "agency_code": Field("str"),
                "agency_name": Field("str"),
                "agency_short_name": Field("str", nullable=True),
                "agency_type": Field("str"),
                "parent_agency_code": Field("str", nullable=True),
                "aliases": Field("str", nullable=True, required=False),
                "valid_from": Field("date"),
            },
            (
                code_under_regency(),
                Rule(
                    "one_version_per_date",
                    "agency_code",
                    lambda frame: (
                        ~frame[["file_id", "agency_code", "valid_from"]].duplicated(keep=False)
                    ),
                    lambda f: said("more than one row for this agency code and valid_from"),
                ),
                Rule(
                    "known_agency_type",
                    "agency_type",
                    lambda frame: frame["agency_type"].isin(AGENCY_TYPES),
                    lambda f: said(
                        "not an agency type; expected one of {types}", types=list(AGENCY_TYPES)
                    ),
                ),
                parent_exists(),
                each_name_one_agency(),
                regency_row_present(),
            ),
            replace_key=("pemda_code",),
            warnings=(kecamatan_warnings,),
        ),
    ),
    conform=conform,
    standard_conform=False,
)
