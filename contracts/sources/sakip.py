"""SAKIP (PermenPAN-RB 88/2021): the Inspektorat's evaluation of each agency, and KemenPAN-RB's
of the regency, each component in points out of its weight; `Nilai` is their sum."""

from contracts import reference
from contracts.messages import said
from contracts.sources import Rule
from contracts.sources._index import component_fields, index_source

SUM_TOLERANCE = 0.01


def components_sum_to_score() -> Rule:
    codes = [c.code for c in reference.components("sakip")]

    def test(frame):
        total = frame[codes].sum(axis=1, min_count=len(codes))
        return (total - frame["score"]).abs().le(SUM_TOLERANCE) | frame[
            [*codes, "score"]
        ].isna().any(axis=1)

    return Rule(
        "components_sum_to_score",
        "score",
        test,
        lambda f: said(
            "Nilai is not the sum of the component points (within {tolerance})",
            tolerance=SUM_TOLERANCE,
        ),
    )


SOURCE = index_source(
    "sakip",
    component_fields("sakip", required=True),
    rules=(components_sum_to_score(),),
    sender="Inspektorat",
)
