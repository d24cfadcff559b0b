"""Great Expectations Data Docs that show their results offline.

GX's pages load jQuery, Bootstrap, bootstrap-table and the rest from CDNs, and the index draws its
list of validations with those scripts: on a regency network without internet it lists nothing.
`make` installs the same libraries from the npm registry (`serving/datadocs/package.json`); after
each gate, `keep_offline` copies them beside the docs and points the pages written by that gate
at the copies.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

INSTALLED = Path(__file__).resolve().parent / "datadocs" / "node_modules"
# Each CDN address GX's templates use -> the same library in node_modules.
LOCAL_COPIES = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js/dist/umd/popper.min.js"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap/dist/js/bootstrap.min.js"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap/dist/css/bootstrap.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table/dist/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table/dist/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "@fortawesome/fontawesome-free/css/all.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
}
# Files a copied stylesheet loads in turn (Font Awesome's fonts).
ALSO_COPIED = ("@fortawesome/fontawesome-free/webfonts",)
# A CDN's integrity hash pins its own bytes; the local copy is checked by npm's lock file.
_INTEGRITY = re.compile(r'\s+integrity="[^"]*"(\s+crossorigin="anonymous")?')
_GX_LOGO = re.compile(r'https://great-expectations-web-assets\.s3[^"]*/(logo-long\.png)[^"]*')


def keep_offline(docs_dir: Path, written_since: float) -> bool:
    """Copy the libraries into `docs_dir/static/vendor` and point every page written since
    `written_since` (a time stamp) at them; False when `make` has not installed them."""
    if not INSTALLED.is_dir():
        return False
    vendor = docs_dir / "static" / "vendor"
    for relative in {*LOCAL_COPIES.values(), *ALSO_COPIED}:
        source, copy = INSTALLED / relative, vendor / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, copy, dirs_exist_ok=True)
        elif not copy.exists() or copy.stat().st_size != source.stat().st_size:
            shutil.copyfile(source, copy)
    for page in docs_dir.rglob("*.html"):
        if page.stat().st_mtime >= written_since:
            _point_at_copies(page, Path(os.path.relpath(docs_dir, page.parent)).as_posix())
    return True


def _point_at_copies(page: Path, up: str) -> None:
    text = page.read_text(encoding="utf-8")
    for address, relative in LOCAL_COPIES.items():
        text = text.replace(f'"{address}"', f'"{up}/static/vendor/{relative}"')
    text = _GX_LOGO.sub(rf"{up}/static/images/\1", _INTEGRITY.sub("", text))
    page.write_text(text, encoding="utf-8")
