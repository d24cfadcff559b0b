"""What a problem says, written once in English and said to a data owner in Bahasa Indonesia.

Every message a contract, a reader or a fetch gives is a template with named parameters:
`said("outside the allowed range {low}-{high}", low=0, high=30)`. The template is a gettext
msgid: Babel's extractor finds it in the code (`make messages`), and the Indonesian catalog
`contracts/locale/id/LC_MESSAGES/kinerja.po` translates it. The English text is what operators
read (logs, `kinerja validate`); `in_indonesian` is what the owner of the file reads (correction
packs, the review). Numbers: 65.41 in English, 65,41 in Indonesian (Babel, for the `id` locale).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "kinerja"


class Said(str):
    """An English message that keeps its template and parameters, to be said again in another
    language. It is a `str`: everything that shows a message as text keeps working."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, params: dict[str, object]) -> Said:
        text = super().__new__(cls, template.format(**_formatted(params, "en")))
        text.template, text.params = template, params
        return text

    def __reduce__(self):  # the process pool sends issues back from its workers
        return (Said, (self.template, self.params))


def said(template: str, **params: object) -> Said:
    """A message: `template` (a literal, so the extractor finds it) with `params`: text, numbers,
    None, another message (said in the same language) or a list of those (joined by commas)."""
    return Said(template, params)


def _formatted(params: dict[str, object], locale: str) -> dict[str, str]:
    return {name: _written(value, locale) for name, value in params.items()}


def _written(value: object, locale: str) -> str:
    if isinstance(value, Said):
        return value if locale == "en" else in_indonesian(value)
    if isinstance(value, list | tuple):
        return ", ".join(_written(v, locale) for v in value)
    if isinstance(value, float) and locale == "en":
        return f"{value:g}"  # every refused row says one: kept off Babel (the operator's text)
    if isinstance(value, float):
        from babel.numbers import format_decimal

        return format_decimal(value, locale=locale, group_separator=False)
    return "" if value is None else str(value)


@cache
def _catalog() -> dict[str, str]:
    """The Indonesian catalog: msgid -> msgstr (fuzzy and empty entries left out)."""
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / "id" / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as f:
        catalog = read_po(f, locale="id", domain=DOMAIN)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def in_indonesian(message: str) -> str:
    """The message in Bahasa Indonesia; a message without a template (text from a library the
    message quotes) or one the catalog lacks is returned as it is (a test keeps the catalog
    complete)."""
    if not isinstance(message, Said):
        return message
    translated = _catalog().get(message.template)
    if translated is None and is_structure(message.template):
        translated = message.template
    if translated is None:
        return str(message)
    return translated.format(**_formatted(message.params, "id"))


def is_structure(template: str) -> bool:
    """A template of placeholders and punctuation alone (`{where}: {message}`): nothing to
    translate, its parameters are."""
    return not re.search(r"[^\W\d_]", re.sub(r"\{\w*\}", "", template))


def stored(message: str) -> tuple[str | None, str | None]:
    """(template, parameters as JSON) to keep beside the English text in the warehouse."""
    if not isinstance(message, Said):
        return None, None
    return message.template, json.dumps(_plain(message.params), ensure_ascii=False)


def restored(text: str, template: str | None, params: str | None) -> str:
    """A stored message, with its template again when it had one."""
    if template is None:
        return text
    return Said(template, _said_again(json.loads(params or "{}")))


def _plain(value: object) -> object:
    if isinstance(value, Said):
        return {"said": value.template, "params": _plain(value.params)}
    if isinstance(value, dict):
        return {name: _plain(v) for name, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _said_again(value: object) -> object:
    if isinstance(value, dict) and "said" in value:
        return Said(value["said"], _said_again(value["params"]))
    if isinstance(value, dict):
        return {name: _said_again(v) for name, v in value.items()}
    if isinstance(value, list):
        return [_said_again(v) for v in value]
    return value
