"""A throw-away PostgreSQL server on 127.0.0.1 for the tests, started from the Debian binaries.

`initdb` refuses to run as root: as root the server runs as the `postgres` system user that the
Debian package creates, in a data directory it owns.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import PostgresConnection

BIN = Path(os.environ.get("KINERJA_PG_BIN", "/usr/lib/postgresql/15/bin"))
ADMIN = "kinerja_admin"
PASSWORD = "test-only-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    root: Path
    port: int

    @property
    def env(self) -> dict[str, str]:
        """The KINERJA_PG_* settings of a pipeline writing to this server."""
        return {
            "KINERJA_PG_HOST": "127.0.0.1",
            "KINERJA_PG_PORT": str(self.port),
            "KINERJA_PG_USER": ADMIN,
            "KINERJA_PG_PASSWORD": PASSWORD,
            "KINERJA_PG_DATABASE": "kinerja",
        }

    def connection(self, reader_password: str | None = None) -> PostgresConnection:
        """The settings' connection to this server."""
        return PostgresConnection.from_variables(
            self.env | ({"KINERJA_PG_READER_PASSWORD": reader_password} if reader_password else {})
        )

    @classmethod
    def start(cls) -> PostgresServer:
        if not (BIN / "initdb").exists():
            raise RuntimeError(
                f"no PostgreSQL binaries in {BIN}: install the Debian package postgresql"
            )
        root = Path(tempfile.mkdtemp(prefix="kinerja-pg-"))
        server = cls(root, _free_port())
        (root / "pw").write_text(PASSWORD)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
            shutil.chown(root / "pw", "postgres")
        server._run(
            "initdb",
            "-D",
            str(root / "data"),
            "-U",
            ADMIN,
            "--auth=scram-sha-256",
            f"--pwfile={root / 'pw'}",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        server._run(
            "pg_ctl",
            "-D",
            str(root / "data"),
            "-l",
            str(root / "log"),
            "-w",
            "start",
            "-o",
            f"-h 127.0.0.1 -p {server.port} -k {root} -F",
        )
        server._run(
            "createdb",
            "-h",
            "127.0.0.1",
            "-p",
            str(server.port),
            "-U",
            ADMIN,
            "kinerja",
            env={"PGPASSWORD": PASSWORD},
        )
        return server

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *arguments: str, env: dict | None = None) -> None:
        command = [str(BIN / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(
            command,
            check=True,
            capture_output=True,
            cwd=self.root,
            env={**os.environ, **(env or {})},
        )
