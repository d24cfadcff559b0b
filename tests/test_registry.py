"""One home per source: the registry (`contracts/sources/`) and the seeds say what the sources
are, and the manifest, the raw tables, the Dagster assets and the dbt lists follow them."""

from contracts import reference
from contracts.dbt_lists import stale
from contracts.sources import registry
from ingest.manifest import load_manifest
from orchestration.settings import PROJECT_ROOT


def test_every_index_of_the_seed_has_its_module_and_the_reference_sources_load_first():
    assert list(registry()) == ["agencies", "targets", *reference.indices()]
    assert registry()["spbe"].raw_tables == ("spbe", "spbe_indicator")
    assert registry()["agencies"].raw_tables == ("agency_master",)


def test_every_source_is_read_from_its_own_folder_after_the_entries(tmp_path):
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        "sources:\n  - source: spip\n    url: https://portal.example.go.id/spip\n"
        "    pemda_code: '32'\n  - source: ipp\n    path: ipp/32.16/*\n    scale: 100\n",
        encoding="utf-8",
    )
    entries = [(e.index, e.path, e.url, e.scale) for e in load_manifest(manifest)]
    assert entries[:2] == [
        ("spip", None, "https://portal.example.go.id/spip", None),
        ("ipp", "ipp/32.16/*", None, 100),
    ]
    assert entries[2:] == [(s, f"{s}/**/*", None, None) for s in registry()]
    bundled = load_manifest(PROJECT_ROOT / "ingest" / "sources.yaml")
    assert [e.index for e in bundled] == list(registry())


def test_the_dbt_lists_are_the_seeds():
    assert stale() == [], "regenerate them: python -m contracts.dbt_lists (make does it)"
