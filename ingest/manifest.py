"""The source manifest: which files or URLs feed each source, and how to read them.

An entry's `source` is an index (`sakip`...) or a reference source (`agencies`, `targets`). Every source of the registry (`contracts/sources/`) is
also read from its own folder of the sources dir (`path: <source>/**/*`, after the entries: a
file an entry matches too takes that entry's options). A file's region comes from its folder
(`sakip/<region code>/...`), else from the entry's `pemda_code`: configuration, never code.

A `path` is a glob inside the sources dir: an absolute path or one with `..` is refused here,
and a file the glob reaches through a symlink to outside the sources dir is refused when
ingested. Credentials never sit in the manifest: a URL or header names environment variables
(`${SPIP_PORTAL_TOKEN}`), expanded only when the request is made; everything recorded or printed
shows the names, and any value that slips into an error message is redacted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import yaml

from ingest.limits import Limits
from ingest.options import Options, sources

DEFAULT_MANIFEST = Path(__file__).resolve().parent / "sources.yaml"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
REDACTED = "***"


class ManifestError(ValueError):
    pass


@dataclass(frozen=True)
class SourceEntry:
    index: str
    path: str | None = None
    url: str | None = None  # may name environment variables: ${NAME}
    headers: dict[str, str] = field(default_factory=dict)  # the same, e.g. Authorization
    name: str | None = None
    pemda_code: str | None = None
    sheet: str | None = None
    scale: float | None = None
    paging: str | None = None
    page_size: int = 1000
    timeout_seconds: float = 30.0  # the longest wait for any one read of the answer
    total_seconds: float = 300.0  # the longest a whole fetch may take, every page included
    limits: Limits = field(default_factory=Limits)
    # The values of the variables its URL and headers name (the settings', never printed).
    variables_given: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def options(self, pemda_code: str) -> Options:
        """How to read a file of this entry that belongs to `pemda_code`."""
        return Options(
            pemda_code=pemda_code, sheet=self.sheet, scale=self.scale, limits=self.limits
        )

    def local_files(self, sources_dir: Path) -> list[Path]:
        """The files the glob matches, in name order, skipping hidden and Office lock files."""
        if self.path is None:
            return []
        return sorted(
            p
            for p in sources_dir.glob(self.path)
            if p.is_file() and not p.name.startswith((".", "~$"))
        )

    def variables(self) -> list[str]:
        """The environment variables the URL and headers name."""
        texts = [self.url or "", *self.headers.values()]
        return sorted({name for text in texts for name in _VARIABLE.findall(text)})

    def request(self) -> tuple[str, dict[str, str], list[str]]:
        """The URL and headers with their variables expanded, and the secret values to redact."""
        given = self.variables_given
        missing = [name for name in self.variables() if not given.get(name)]
        if missing:
            raise KeyError(
                f"{self.url}: the environment variable(s) {', '.join(missing)} it names are not set"
            )
        secrets = [given[name] for name in self.variables()]

        def expand(text: str) -> str:
            return _VARIABLE.sub(lambda m: given[m.group(1)], text)

        return expand(self.url or ""), {k: expand(v) for k, v in self.headers.items()}, secrets


def redact(text: str, secrets: list[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def load_manifest(
    path: Path = DEFAULT_MANIFEST, variables: Mapping[str, str] | None = None
) -> list[SourceEntry]:
    """The entries of the manifest at `path`; `variables` (the settings') give the values of
    the `${NAME}`s its URLs and headers name."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        limits = Limits().updated(document.get("limits"), f"{path}: limits")
    except ValueError as exc:
        raise ManifestError(str(exc)) from None
    known = {f.name for f in fields(SourceEntry)} - {"index", "variables_given"} | {"source"}
    entries = []
    for number, raw in enumerate(document.get("sources") or [], start=1):
        where = f"{path}: source {number}"
        raw = dict(raw)
        unknown = set(raw) - known
        if unknown:
            raise ManifestError(f"{where}: unknown keys {sorted(unknown)}")
        raw["index"] = raw.pop("source", None)
        if bool(raw.get("path")) == bool(raw.get("url")):
            raise ManifestError(f"{where}: give exactly one of path or url")
        if raw.get("index") not in sources():
            raise ManifestError(
                f"{where}: unknown source {raw.get('index')!r}; "
                f"expected one of {', '.join(sources())}"
            )
        if raw.get("path"):
            _refuse_escaping_path(raw["path"], where)
        if raw.get("url"):
            _refuse_literal_credentials(raw["url"], where)
        if raw.get("pemda_code") is not None:
            raw["pemda_code"] = str(raw["pemda_code"])
        own = dict(raw.pop("limits", None) or {})
        try:
            raw["limits"] = limits.updated(own, f"{where}: limits")
        except ValueError as exc:
            raise ManifestError(str(exc)) from None
        entry = SourceEntry(**raw)
        given = {n: (variables or {})[n] for n in entry.variables() if n in (variables or {})}
        entries.append(replace(entry, variables_given=given))
    return entries + [SourceEntry(s, path=f"{s}/**/*", limits=limits) for s in sources()]


def _refuse_escaping_path(pattern: str, where: str) -> None:
    parts = PurePosixPath(pattern.replace("\\", "/")).parts
    if pattern.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", pattern) or ".." in parts:
        raise ManifestError(
            f"{where}: path {pattern!r} must be a glob inside the sources dir "
            "(KINERJA_SOURCES_DIR): no absolute path, no '..'"
        )


def _refuse_literal_credentials(url: str, where: str) -> None:
    userinfo = urlsplit(url).netloc.rpartition("@")[0]
    if userinfo and not all(_VARIABLE.fullmatch(part) for part in userinfo.split(":")):
        raise ManifestError(
            f"{where}: the URL holds credentials: name environment variables instead "
            "(https://${PORTAL_USER}:${PORTAL_PASSWORD}@host/...)"
        )
