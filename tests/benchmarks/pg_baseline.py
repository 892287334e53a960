"""Baseline: the PostgreSQL "bot turn" transaction driven by pgbench with 16 clients.

One turn = lock/update the conversation row + insert the inbound message (unique provider id) + insert
the reply. It is the ceiling for any pipeline that does a turn in one transaction on this box; our bot
turns/s are reported as a ratio to it.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from urllib.parse import urlparse

SETUP_SQL = """
DROP TABLE IF EXISTS bench_msg, bench_conv;
CREATE TABLE bench_conv (id int PRIMARY KEY, last_seq int NOT NULL DEFAULT 0, updated_at timestamptz);
CREATE TABLE bench_msg (
  id bigserial PRIMARY KEY, conv_id int NOT NULL REFERENCES bench_conv(id), seq int NOT NULL,
  external_id text, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (conv_id, seq));
CREATE UNIQUE INDEX bench_msg_ext ON bench_msg (external_id) WHERE external_id IS NOT NULL;
INSERT INTO bench_conv (id) SELECT g FROM generate_series(1, 1000) g;
"""

TURN_SQL = """\\set conv random(1, 1000)
BEGIN;
UPDATE bench_conv SET last_seq = last_seq + 2, updated_at = now() WHERE id = :conv;
INSERT INTO bench_msg (conv_id, seq, external_id, body)
  SELECT :conv, last_seq - 1, md5(random()::text || clock_timestamp()::text), 'hi' FROM bench_conv WHERE id = :conv;
INSERT INTO bench_msg (conv_id, seq, body)
  SELECT :conv, last_seq, 'Hello! How can we help?' FROM bench_conv WHERE id = :conv;
COMMIT;
"""


def _conn_args(database_url: str) -> tuple[list[str], dict[str, str]]:
    url = urlparse(database_url)
    args = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return [*args, url.path.lstrip("/") or "postgres"], env


def run(database_url: str, *, clients: int = 16, seconds: int = 10) -> dict:
    conn, env = _conn_args(database_url)
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-c", SETUP_SQL, *conn], check=True, env=env,
                   capture_output=True)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(TURN_SQL)
    try:
        out = subprocess.run(
            ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", script.name, *conn],
            check=True, env=env, capture_output=True, text=True,
        ).stdout
    finally:
        os.unlink(script.name)
        subprocess.run(["psql", "-q", "-c", "DROP TABLE IF EXISTS bench_msg, bench_conv", *conn], env=env,
                       capture_output=True)
    tps = float(re.search(r"tps = ([0-9.]+)", out).group(1))
    latency = re.search(r"latency average = ([0-9.]+) ms", out)
    return {"clients": clients, "seconds": seconds, "tps": round(tps, 1),
            "latency_avg_ms": float(latency.group(1)) if latency else None}
