"""The bureaucratic reform index (PermenPAN-RB 9/2023): the Bagian Organisasi's score of each
agency and KemenPAN-RB's of the regency; `Kode`, when given, is the agency's local code."""

from contracts.messages import said
from contracts.sources import Field, Rule
from contracts.sources._index import index_source


def kode_matches_agency() -> Rule:
    """`Kode` is the local part (SETDA) or the whole code (<region code>.SETDA) of the agency."""

    def test(frame):
        import pandas as pd

        if "local_code" not in frame:
            return True
        rows = zip(frame["local_code"], frame["agency_code"], frame["pemda_code"], strict=True)
        return pd.Series(
            [
                pd.isna(local)
                or pd.isna(code)
                or code in {f"{pemda}.{local}".upper(), str(local).upper()}
                for local, code, pemda in rows
            ],
            index=frame.index,
        )

    return Rule(
        "kode_matches_agency",
        "local_code",
        test,
        lambda f: said(
            "Kode {code} does not belong to agency '{agency}' ({agency_code})",
            code=f.value,
            agency=f.row["agency_name"],
            agency_code=f.row["agency_code"],
        ),
    )


SOURCE = index_source(
    "rb",
    {"local_code": Field("str", nullable=True, required=False)},
    rules=(kode_matches_agency(),),
)
