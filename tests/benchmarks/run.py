"""`make bench`: every figure of the performance issue in one run, with same-run baselines.

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL): the embedded default is not a production
configuration, so measuring it would mislead. Prints one JSON document and a short table, and writes
bench-results.json. `--smoke` is the 20-second CI version: correctness only (zero lost, duplicated or
failed messages), exit status 1 otherwise. Every run is bounded in time and only talks to loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.benchmarks import pg_baseline, servers

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    """A production-like server: DEBUG off, PostgreSQL, the Redis PubSub layer; limits opened for load."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "INBOUND_RATE_PER_MINUTE": "100000",
        # Every simulated visitor connects from 127.0.0.1 and chats far faster than a person: raise the widget's
        # per-address and per-visitor throttles (README "What is throttled") for the load, not off.
        "WIDGET_NEW_CONVERSATIONS_PER_IP_PER_MINUTE": "10000000",
        "WIDGET_MESSAGES_PER_MINUTE": "100000",
        "LOG_LEVEL": "WARNING",
    }


def run_py(args: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    out = subprocess.run([PY, *args], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def spawn_py(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([PY, *args], cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def collect(proc: subprocess.Popen, timeout: float) -> dict[str, Any]:
    stdout, stderr = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"load process failed:\n{stderr[-3000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


# The end-to-end run uses one daphne process per core of the 2-core reference box, as README's scaling
# section deploys it; customers are spread over them and the operator's inbox sits on the first, so the
# handoff event also crosses processes through Redis.
E2E_PROCESSES = 2

# New connections per second the load client opens: each widget connect runs the bot's welcome turn, and
# daphne drops a handshake that is not accepted within its 5 s connect timeout.
CONNECT_RATE = 50.0


def load(urls: list[str], setup: dict, *, conversations: int, interval: float, duration: float,
         closed_loop: bool = False, mode: str = "widget", drain: float = 10) -> list[str]:
    ramp = round(conversations / CONNECT_RATE, 1)
    args = ["-m", "tests.benchmarks.loadclient", "--mode", mode, "--conversations", str(conversations),
            "--interval", str(interval), "--duration", str(duration), "--origin", setup.get("origin", ""),
            "--text", setup.get("text", "hi"), "--drain", str(drain), "--ramp", str(ramp)]
    for url in urls:
        args += ["--url", url]
    if closed_loop:
        args.append("--closed-loop")
    return args


def widget_urls(ports: list[int], key: str) -> list[str]:
    return [f"ws://127.0.0.1:{port}/ws/widget/{key}/" for port in ports]


def echo_baseline(conversations: int, interval: float, duration: float) -> dict[str, Any]:
    port = servers.free_port()
    proc = subprocess.Popen([PY, "-m", "tests.benchmarks.echo_server", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        servers.wait_for_port(port)
        result = collect(spawn_py(load([f"ws://127.0.0.1:{port}/"], {"origin": "http://127.0.0.1"},
                                       conversations=conversations, interval=interval, duration=duration,
                                       mode="echo"), {}), duration + 60)
        result["server_rss_kb"] = servers.rss_kb(proc.pid)
        return result
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def end_to_end(env: dict[str, str], setup: dict, *, conversations: int, interval: float, duration: float,
               handoff_every: float, drain: float, processes: int = 1) -> dict[str, Any]:
    """Open-loop load on `processes` daphne processes (customers spread across them, as a load balancer
    would), with the handoff probe running at the same time."""
    with servers.daphne(env, processes) as procs:
        port = procs[0][0]
        # The operator's inbox connects first (as a support team's would be), then customers arrive.
        probe = spawn_py(["-m", "tests.benchmarks.handoff", "--base", f"ws://127.0.0.1:{port}",
                          # `=`: a widget key may start with "-" (token_urlsafe), which argparse would take for an option
                          f"--widget-key={setup['widget_key']}", "--workspace", setup["workspace"],
                          "--session", setup["session"], "--origin", setup["origin"],
                          "--delay", str(conversations / CONNECT_RATE + 2),
                          "--duration", str(max(5.0, duration - 2)), "--every", str(handoff_every)], env)
        time.sleep(2.0)
        loader = spawn_py(load(widget_urls([p for p, _ in procs], setup["widget_key"]), setup,
                               conversations=conversations,
                               interval=interval, duration=duration, drain=drain), env)
        bots = collect(loader, conversations / CONNECT_RATE + duration + drain + 120)
        try:
            handoff = collect(probe, conversations / CONNECT_RATE + duration + drain + 60)
        except RuntimeError as exc:  # reported, not fatal: the bot figures are still worth having
            handoff = {"error": str(exc)[-500:], "observed": 0, "missing_events": None, "errors": 1,
                       "latency_ms": {"p50": None, "p99": None, "max": None}}
        bots["server_rss_kb"] = sum(servers.rss_kb(p.pid) for _, p in procs)
        return {"processes": processes, "bot_replies": bots, "handoff": handoff}


def saturation(env: dict[str, str], setup: dict, *, processes: int, conversations: int,
               duration: float) -> dict[str, Any]:
    with servers.daphne(env, processes) as procs:
        result = collect(spawn_py(load(widget_urls([p for p, _ in procs], setup["widget_key"]), setup,
                                       conversations=conversations, interval=0, duration=duration,
                                       closed_loop=True), env), duration + 120)
        return {"processes": processes, "bot_turns_per_s": result["replies_per_s"], **result}


def idle_memory(env: dict[str, str], setup: dict, sockets: int) -> dict[str, Any]:
    with servers.daphne(env, 1) as procs, tempfile.TemporaryDirectory() as tmp:
        port, proc = procs[0]
        time.sleep(1.0)
        before = servers.rss_kb(proc.pid)
        ready = Path(tmp) / "ready"
        args = load(widget_urls([port], setup["widget_key"]), setup, conversations=sockets, interval=1,
                    duration=sockets / CONNECT_RATE + 90)
        client = spawn_py([*args, "--idle", "--ready-file", str(ready)], env)
        deadline = time.monotonic() + sockets / CONNECT_RATE + 60
        while not ready.exists() and time.monotonic() < deadline and client.poll() is None:
            time.sleep(0.5)
        time.sleep(2.0)
        after = servers.rss_kb(proc.pid)
        connected = int(ready.read_text()) if ready.exists() else 0
        client.terminate()
        client.wait(timeout=60)
        return {"sockets": connected, "server_rss_before_kb": before, "server_rss_after_kb": after,
                "kb_per_socket": round((after - before) / connected, 1) if connected else None}


def ratio(a: float | None, b: float | None, digits: int = 2) -> float | None:
    return round(a / b, digits) if a and b else None


def table(results: dict[str, Any]) -> str:
    rows = []
    e2e = results.get("end_to_end", {})
    bots = e2e.get("bot_replies", {})
    if bots:
        lat = bots["latency_ms"]
        rows.append((f"bot reply p50/p95/p99/max ms ({e2e.get('processes', 1)} processes)", f"{lat['p50']} / {lat['p95']} / {lat['p99']} / {lat['max']}",
                     "p99 ≤ 20"))
        rows.append(("replies/s, lost, duplicated, errors",
                     f"{bots['replies_per_s']}, {bots['unanswered']}, {bots['duplicated_seqs']}, {bots['errors']}",
                     "0 lost"))
    if e2e.get("handoff"):
        lat = e2e["handoff"]["latency_ms"]
        rows.append(("handoff event p50/p99 ms", f"{lat['p50']} / {lat['p99']}", "p99 ≤ 20"))
    for sat in results.get("saturation", []):
        rows.append((f"bot turns/s, {sat['processes']} process(es)", sat["bot_turns_per_s"], "≥ 1,000 per box"))
    for mem in results.get("idle_memory", []):
        rows.append((f"KB per idle socket @ {mem['sockets']}", mem["kb_per_socket"], "≤ 30"))
        if "marginal_kb_per_socket" in mem:
            rows.append(("KB per additional idle socket (1,000 → 5,000)", mem["marginal_kb_per_socket"], "≤ 30"))
    if "engine" in results:
        rows.append(("engine steps/s (fixtures / 1,000 nodes)",
                     f"{results['engine']['fixtures_steps_per_s']} / "
                     f"{results['engine']['generated_1000_nodes_steps_per_s']}", "≥ 100,000"))
    if "graph" in results:
        validation = results["graph"]["validation"]
        biggest = validation[max(validation, key=int)]
        rows.append((f"validation ms @ {max(validation, key=int)} nodes", biggest["total_ms"], "≤ 200"))
        tr = results["graph"]["transfer_5000"]
        rows.append(("export / import 5,000 nodes ms", f"{tr['export_ms']} / {tr['import_ms']}", ""))
    base = results.get("baselines", {})
    if base:
        rows.append(("baseline: websockets echo p99 ms", base["websockets_echo"]["latency_ms"]["p99"], ""))
        rows.append(("baseline: PostgreSQL bot-turn tps (16 clients)", base["postgres_bot_turn"]["tps"], ""))
    for name, value in results.get("ratios", {}).items():
        rows.append((f"ratio: {name}", value, ""))
    width = max(len(r[0]) for r in rows) if rows else 0
    lines = [f"{'figure'.ljust(width)}  {'measured':<34} target"]
    lines += [f"{name.ljust(width)}  {value!s:<34} {target}" for name, value, target in rows]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="20-second correctness run for CI")
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--output", default=str(ROOT / "bench-results.json"))
    args = parser.parse_args(argv)

    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not redis_url.startswith("redis"):
        print("make bench needs PostgreSQL and Redis: set DATABASE_URL=postgres://… and REDIS_URL=redis://…\n"
              "(the embedded SQLite + in-memory default is a demo configuration and is not benchmarked)",
              file=sys.stderr)
        return 2
    env = server_env(database_url, redis_url)
    started = time.monotonic()
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env={**os.environ, **env},
                   check=True)
    setup = run_py(["-m", "tests.benchmarks.setup_data"], env, 120)
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "smoke": args.smoke,
    }
    if args.smoke:
        log("smoke: 100 conversations × 1 msg/s for 10 s, with handoffs")
        results["end_to_end"] = end_to_end(env, setup, conversations=100, interval=1.0, duration=10,
                                           handoff_every=1.0, drain=10, processes=E2E_PROCESSES)
        bots, handoff = results["end_to_end"]["bot_replies"], results["end_to_end"]["handoff"]
        problems = {
            "unanswered": bots["unanswered"], "duplicated_seqs": bots["duplicated_seqs"],
            "missing_seqs": bots["missing_seqs"], "errors": bots["errors"] + handoff["errors"],
            "connect_failures": bots["connect_failures"], "handoff_events_missing": handoff["missing_events"],
            "handoff_probe": 1 if "error" in handoff else 0,
        }
        results["smoke_problems"] = {k: v for k, v in problems.items() if v}
        ok = not results["smoke_problems"] and bots["replies"] > 0 and handoff["observed"] > 0
    else:
        from tests.benchmarks import engine_bench

        log("engine steps/s")
        results["engine"] = engine_bench.run()
        log("graph checks and export/import")
        results["graph"] = run_py(["-m", "tests.benchmarks.graph_bench"], env, 300)
        log("baseline: PostgreSQL bot-turn transaction, 16 clients (pgbench)")
        pg = pg_baseline.run(database_url, clients=16, seconds=10)
        log(f"baseline: raw websockets echo, {args.conversations} × 1/{args.interval:g} s")
        echo = echo_baseline(args.conversations, args.interval, args.duration)
        results["baselines"] = {"postgres_bot_turn": pg, "websockets_echo": echo}
        log(f"end to end: {args.conversations} widget conversations × 1/{args.interval:g} s + handoff probe")
        # A long drain: replies that arrive late are counted (as late), not as lost.
        results["end_to_end"] = end_to_end(env, setup, conversations=args.conversations, interval=args.interval,
                                           duration=args.duration, handoff_every=0.5, drain=90,
                                           processes=E2E_PROCESSES)
        log("saturation (closed loop): 1 and 2 processes")
        results["saturation"] = [
            saturation(env, setup, processes=n, conversations=200, duration=20) for n in (1, 2)
        ]
        log("idle sockets: memory at 1,000 and 5,000")
        results["idle_memory"] = [idle_memory(env, setup, n) for n in (1000, 5000)]
        small, large = results["idle_memory"]
        if small["sockets"] and large["sockets"] > small["sockets"]:
            # What one more socket costs, without the process's fixed start-up and pool memory.
            large["marginal_kb_per_socket"] = round(
                (large["server_rss_after_kb"] - small["server_rss_after_kb"]) / (large["sockets"] - small["sockets"]),
                1)
        bots = results["end_to_end"]["bot_replies"]
        best = max(s["bot_turns_per_s"] for s in results["saturation"])
        results["ratios"] = {
            "bot reply p99 / echo p99": ratio(bots["latency_ms"]["p99"], echo["latency_ms"]["p99"]),
            "max bot turns/s / PostgreSQL bot-turn tps": ratio(best, pg["tps"]),
        }
        ok = bots["unanswered"] == 0 and bots["duplicated_seqs"] == 0 and bots["errors"] == 0
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    Path(args.output).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False))
    print(table(results))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
