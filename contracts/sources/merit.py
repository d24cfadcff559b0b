"""The merit-system index (PermenPAN-RB 40/2018, Peraturan KASN 9/2019): KASN's score of the
regency, 100-400, with its eight aspects. A file in the PermenPAN-RB 19/2025 model (0-1,
Dasar..Maju) is refused with a message that names the model."""

from contracts.failures import SourceFileError
from contracts.messages import said
from contracts.sources._index import component_fields, index_source
from contracts.text import fold

MODEL_2025_CATEGORIES = {"dasar", "berkembang", "menengah", "maju"}


def refuse_the_2025_model(columns: dict[str, list], options, parsed) -> None:
    categories = {fold(p) for p in columns.get("predicate", []) if p}
    scores = [s for s in columns.get("score", []) if s is not None]
    if categories & MODEL_2025_CATEGORIES or (scores and all(0 <= s <= 1 for s in scores)):
        raise SourceFileError(
            "unsupported_model",
            said(
                "this merit file follows the PermenPAN-RB 19/2025 model (scores 0-1, categories "
                "Dasar..Maju), which kinerja does not support yet; it reads the PermenPAN-RB "
                "40/2018 model (100-400, categories I-IV)"
            ),
        )


SOURCE = index_source(
    "merit",
    component_fields("merit", required=False),
    conform=refuse_the_2025_model,
    sender="Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
    per_agency=False,
)
