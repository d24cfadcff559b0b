"""The public service index (PermenPAN-RB 29/2022, 4/2023): a regency decree's two appendices
(perangkat daerah, kecamatan) on 0-100, or KemenPAN-RB's 0-5 with the six aspects. The native
scale and value are kept; `score` is 0-5, rounded half up to two decimals before banding."""

from contracts import reference
from contracts.failures import SourceFileError
from contracts.messages import said
from contracts.sources import Field, Rule
from contracts.sources._index import component_fields, index_source
from ingest.numbers import rescale_half_up

SHEETS = ("Lampiran I", "Lampiran II")
ASPECTS_TOLERANCE = 0.05


def native_scale(columns: dict[str, list], options, parsed) -> None:
    """The decree's scale, from the manifest (`scale:`) or from the values, never guessed: a
    file whose values fit neither scale is refused."""
    native = columns["score"]
    values = [v for v in native if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    fits = {5.0: low >= 0 and high <= 5, 100.0: low >= 0 and high <= 100}
    if options.scale is not None:
        scale = float(options.scale)
        if not fits.get(scale, False):
            raise SourceFileError(
                "scale_mismatch",
                said(
                    "the manifest says IPP scale 0-{scale} but the values run {low}..{high}",
                    scale=scale,
                    low=low,
                    high=high,
                ),
                column="Nilai Indeks",
            )
    elif any(c in columns for c in ("kebijakan", "sdm", "inovasi")) or (values and high <= 5):
        scale = 5.0
    elif fits[100.0] and low > 5:
        scale = 100.0
    else:
        raise SourceFileError(
            "scale_unknown",
            said(
                "IPP values run {low}..{high}, which fits neither the 0-5 scale nor the 0-100 "
                "scale; state `scale:` for this source in the manifest",
                low=low,
                high=high,
            ),
            column="Nilai Indeks",
        )
    columns["native_scale"] = [scale] * len(native)
    columns["native_score"] = native
    columns["score"] = [v if v is None else rescale_half_up(v, 5, scale) for v in native]


def weighted_aspects_match_score() -> Rule:
    weights = {c.code: c.weight for c in reference.components("ipp")}

    def test(frame):
        import pandas as pd

        if not set(weights) <= set(frame.columns):
            return True  # a decree without the aspect columns: nothing to add up
        parts = frame[list(weights)]
        weighted = (parts * pd.Series(weights)).sum(axis=1)
        return (weighted - frame["score"]).abs().le(ASPECTS_TOLERANCE) | parts.isna().any(axis=1)

    return Rule(
        "weighted_components_match_score",
        "score",
        test,
        lambda f: said("the index is not the weighted sum of the six aspects"),
    )


SOURCE = index_source(
    "ipp",
    component_fields("ipp", required=False)
    | {
        "native_scale": Field("float", allowed=(5.0, 100.0)),
        "native_score": Field("float"),
        "note": Field("str", nullable=True, required=False),
    },
    rules=(weighted_aspects_match_score(),),
    sheets=SHEETS,
    conform=native_scale,
)
