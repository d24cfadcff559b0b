"""The SPBE index (PermenPAN-RB 59/2020): KemenPAN-RB's evaluation of a regency, one JSON
document per regency and year with its four domains (components.csv) and 47 indicators."""

from contracts import reference
from contracts.failures import SourceFileError
from contracts.messages import said
from contracts.sources import Field, Rule, Table
from contracts.sources._index import component_fields, index_source
from contracts.sources.spip import list_of_objects
from contracts.text import fold

INDICATORS = 47


def evaluation(document: object) -> dict[str, list[dict]]:
    """The regency's row (the document's fields and its domain indices) and its indicators."""
    if not isinstance(document, dict) or "indeks" not in document:
        raise SourceFileError("invalid_document", said("not an SPBE evaluation: no 'indeks' field"))
    domains = {
        fold(d.get("kode")).replace(" ", "_"): d.get("indeks")
        for d in list_of_objects(document.get("domain", []), "domain")
    }
    expected = [c.code for c in reference.components("spbe")]
    if set(domains) != set(expected):
        raise SourceFileError(
            "spbe_domains",
            said(
                "an SPBE evaluation has the four domains {expected}; this one has {found}",
                expected=expected,
                found=sorted(domains),
            ),
            column="domain",
        )
    head = {k: v for k, v in document.items() if k not in {"domain", "indikator"}}
    indicators = list_of_objects(document.get("indikator") or [], "indikator")
    return {"spbe": [head | domains], "spbe_indicator": indicators}


def forty_seven_per_file() -> Rule:
    return Rule(
        "forty_seven_indicators",
        None,
        lambda frame: frame.groupby("file_id")["indicator_no"].transform("size") == INDICATORS,
        lambda f: said("an SPBE evaluation has {count} indicators", count=INDICATORS),
        whole_file=True,
    )


INDICATOR_TABLE = Table(
    "spbe_indicator",
    {
        "source_sheet": Field("str", nullable=True),
        "source_row": Field("int"),
        "evaluation_year": Field("int"),
        "agency_code": Field("str", nullable=True),
        "indicator_no": Field("int", within=(1, INDICATORS)),
        "indicator_name": Field("str", nullable=True),
        "domain_code": Field("str", allowed=tuple(c.code for c in reference.components("spbe"))),
        "maturity_level": Field("int", within=(1, 5)),
    },
    (forty_seven_per_file(),),
    replace_key=("agency_code", "evaluation_year"),
    unique=("file_id", "indicator_no"),
)

SOURCE = index_source(
    "spbe",
    component_fields("spbe", required=True)
    | {"announced_on": Field("date", nullable=True, required=False)},
    more_tables=(INDICATOR_TABLE,),
    document=evaluation,
    sender="Dinas Komunikasi dan Informatika",
    per_agency=False,
)
