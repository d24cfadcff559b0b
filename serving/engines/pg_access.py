"""Who may read what on PostgreSQL: given to the marts in the transaction that publishes them.

- `kinerja_reader` (BI tools): every row of `marts`, nothing else, never a write.
- One role per regency (`kinerja_pemda_32_16`) and per province (`kinerja_prov_32`), made for
  every region the marts hold: a member reads, in every mart with a `pemda_code` (every mart
  about agencies has one), the rows of its regency, or of its province's regencies (and the
  province's own). The marts of `REGION_FREE` (the reference dimensions, the publish log) are
  read whole; a mart with neither is not granted to them; a view reads its tables under the
  reader's own policies (`security_invoker`). The roles cannot log in: an operator grants one to
  a login (`grant kinerja_pemda_32_16 to bekasi_bi`). PostgreSQL's statistics (`pg_class`,
  `pg_stat_user_tables`, the row estimates of `EXPLAIN`) still show each table's whole size to
  any login: counts, never values (docs/bi.md).

Row-level security lives on the tables, so a publish, which swaps a new schema in, gives the new
tables their policies and grants before it commits: a reader polling through a publish sees the
old marts or the new, each with its rows and no others.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

READER_ROLE = "kinerja_reader"
REGIONAL_ROLE = "kinerja_regional"  # every regency and province role is a member
REGENCY_PREFIX, PROVINCE_PREFIX = "kinerja_pemda_", "kinerja_prov_"
REGION_COLUMN = "pemda_code"
# The marts without a region that every regional role reads whole: the reference dimensions of
# the regulations and the release log. Any other mart without a region is read by no regional
# role (a new one is kept from them until it gains `pemda_code` or is named here).
REGION_FREE = ("dim_component", "dim_index", "dim_period", "dim_rating_band", "publish_log")


def _codes_of(prefix: str) -> str:
    """The region codes of the roles named `<prefix><code>` that the current user is a member of
    (the role name's `_` back to the code's `.`)."""
    like = prefix.replace("_", "\\_") + "%"
    return (
        f"select replace(substr(r.rolname, {len(prefix) + 1}), '_', '.') from pg_roles as r "
        f"where r.rolname like '{like}' and pg_has_role(current_user, r.oid, 'member')"
    )


# A regional member's rows: its regencies' and its provinces', by the roles it is a member of
# (kinerja_pemda_32_16 reads 32.16; kinerja_prov_32 reads 32 and every 32.xx).
_OWN_ROWS = (
    f"{REGION_COLUMN} in ({_codes_of(REGENCY_PREFIX)}) "
    f"or split_part({REGION_COLUMN}, '.', 1) in ({_codes_of(PROVINCE_PREFIX)})"
)


def regency_role(pemda_code: str) -> str:
    return REGENCY_PREFIX + pemda_code.replace(".", "_")


def province_role(province_code: str) -> str:
    return PROVINCE_PREFIX + province_code


def ensure_roles(pg: psycopg.Connection, dbname: str, reader_password: str | None) -> None:
    """The reader role BI tools log in as (its password the settings' reader password, when
    set) and the regional group role; nobody else may create in the database."""
    _create_role(pg, READER_ROLE, login=True)
    if reader_password:
        pg.execute(
            sql.SQL("alter role {} password {}").format(
                sql.Identifier(READER_ROLE), sql.Literal(reader_password)
            )
        )
    _create_role(pg, REGIONAL_ROLE, login=False)
    database = sql.Identifier(dbname)
    pg.execute(sql.SQL("revoke create, temporary on database {} from public").format(database))
    pg.execute(sql.SQL("revoke create on schema public from public"))
    for role in (READER_ROLE, REGIONAL_ROLE):
        pg.execute(
            sql.SQL("grant connect on database {} to {}").format(database, sql.Identifier(role))
        )


def grant_readers(pg: psycopg.Connection, schema: str) -> None:
    """Let the readers into `schema`, each to its rows: `kinerja_reader` to every relation; the
    regional roles to every relation with a region (under the policies of the module docstring),
    to the views (which read their tables with the reader's own policies), and to `REGION_FREE`;
    a relation that is none of these is granted to no regional role."""
    for role in (READER_ROLE, REGIONAL_ROLE):
        pg.execute(
            sql.SQL("grant usage on schema {} to {}").format(
                sql.Identifier(schema), sql.Identifier(role)
            )
        )
    pg.execute(
        sql.SQL("grant select on all tables in schema {} to {}").format(
            sql.Identifier(schema), sql.Identifier(READER_ROLE)
        )
    )
    relations = _relations(pg, schema)
    regional = [name for name, (kind, region) in relations.items() if region and kind == "r"]
    for code in _regions(pg, schema, regional):
        if "." in code:  # a regency or city; a code without one is a province's
            _create_role(pg, regency_role(code), login=False, member_of=REGIONAL_ROLE)
        _create_role(pg, province_role(code.split(".")[0]), login=False, member_of=REGIONAL_ROLE)
    for name, (kind, region) in relations.items():
        target = sql.Identifier(schema, name)
        if kind == "v":
            pg.execute(sql.SQL("alter view {} set (security_invoker = true)").format(target))
        if region and kind == "r":
            _give_policies(pg, target)
        if region or kind == "v" or name in REGION_FREE:
            pg.execute(
                sql.SQL("grant select on {} to {}").format(target, sql.Identifier(REGIONAL_ROLE))
            )


def _give_policies(pg: psycopg.Connection, target: sql.Composable) -> None:
    # A rollback serves again tables that have their policies already.
    for policy in ("every_row", "own_region"):
        pg.execute(sql.SQL("drop policy if exists {} on {}").format(sql.Identifier(policy), target))
    pg.execute(sql.SQL("alter table {} enable row level security").format(target))
    pg.execute(
        sql.SQL("create policy every_row on {} for select to {} using (true)").format(
            target, sql.Identifier(READER_ROLE)
        )
    )
    pg.execute(
        sql.SQL("create policy own_region on {} for select to {} using ({})").format(
            target, sql.Identifier(REGIONAL_ROLE), sql.SQL(_OWN_ROWS)
        )
    )


def revoke_readers(pg: psycopg.Connection, schema: str) -> None:
    """No reader may read `schema` (the previous marts, kept for a rollback)."""
    for role in (READER_ROLE, REGIONAL_ROLE):
        pg.execute(
            sql.SQL("revoke all on schema {} from {}").format(
                sql.Identifier(schema), sql.Identifier(role)
            )
        )


def _relations(pg: psycopg.Connection, schema: str) -> dict[str, tuple[str, bool]]:
    """Every table and view of `schema` (from the catalog): its kind (`r` a table, `v` a view,
    `m` a materialized view, `p` a partitioned table) and whether it has a region column."""
    rows = pg.execute(
        "select c.relname, c.relkind, exists (select 1 from pg_attribute as a where "
        "a.attrelid = c.oid and a.attname = %s and not a.attisdropped) "
        "from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relkind in ('r', 'v', 'm', 'p') order by 1",
        [REGION_COLUMN, schema],
    ).fetchall()
    return {name: ("r" if kind == "p" else kind, region) for name, kind, region in rows}


def _regions(pg: psycopg.Connection, schema: str, tables: list[str]) -> list[str]:
    """Every region code the marts hold."""
    if not tables:
        return []
    union = sql.SQL(" union ").join(
        sql.SQL("select {} from {}").format(
            sql.Identifier(REGION_COLUMN), sql.Identifier(schema, table)
        )
        for table in tables
    )
    rows = pg.execute(sql.SQL("select distinct * from ({}) as regions").format(union))
    return sorted(code for (code,) in rows.fetchall() if code)


def _create_role(
    pg: psycopg.Connection, role: str, login: bool, member_of: str | None = None
) -> None:
    if pg.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone():
        return
    pg.execute(
        sql.SQL("create role {} {}{}").format(
            sql.Identifier(role),
            sql.SQL("login" if login else "nologin"),
            sql.SQL(" in role {}").format(sql.Identifier(member_of)) if member_of else sql.SQL(""),
        )
    )
