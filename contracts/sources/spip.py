"""SPIP maturity (PP 60/2008, Peraturan BPKP 5/2021): BPKP's score of each regency, as a
province's open-data portal republishes it, a CKAN datastore answer (docs/sources.md)."""

import re

from contracts.failures import SourceFileError
from contracts.messages import said
from contracts.sources import Field
from contracts.sources._index import component_fields, index_source

# The portal's own fields of a record: `_id` (always), `_full_text` and `rank` (after a search;
# `rank <field>` for a search of one field). Any other unknown field is a layout change.
PORTAL_FIELD = re.compile(r"_.*|rank( \S+)?")


def list_of_objects(value: object, where: str) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        found = (
            type(value).__name__ if not isinstance(value, list) else "a list holding non-objects"
        )
        raise SourceFileError(
            "wrong_type",
            said("'{where}' must be a list of objects; found {found}", where=where, found=found),
            column=where,
        )
    return value


def ckan_answer(document: object) -> dict[str, list[dict]]:
    """The records of a datastore answer (`success`, `result.records`, `result.total`), without
    the portal's own fields."""
    if not isinstance(document, dict) or document.get("success") is not True:
        error = document.get("error") if isinstance(document, dict) else None
        raise SourceFileError(
            "portal_error", said("the portal answered success=false: {error}", error=str(error))
        )
    result = document.get("result")
    if not isinstance(result, dict):
        raise SourceFileError(
            "wrong_type", said("'result' must be an object with 'records'"), column="result"
        )
    records = list_of_objects(result.get("records", []), "result.records")
    if not records:
        raise SourceFileError("empty_file", said("the portal answer holds no records"))
    total = result.get("total", len(records))
    if not isinstance(total, int) or isinstance(total, bool) or total != len(records):
        raise SourceFileError(
            "total_mismatch",
            said(
                "the answer says total {total} but holds {count} records: a page is missing "
                "(fetch it again with paging) or the answer was cut",
                total=repr(total),
                count=len(records),
            ),
            column="result.total",
            value=str(total),
        )
    return {
        "spip": [
            {k: v for k, v in record.items() if not PORTAL_FIELD.fullmatch(k)} for record in records
        ]
    }


SOURCE = index_source(
    "spip",
    component_fields("spip", required=False)
    | {k: Field("float", nullable=True, required=False, at_least=0) for k in ("mri", "iepk")},
    document=ckan_answer,
    sender="Inspektorat",
    per_agency=False,
)
