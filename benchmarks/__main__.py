"""Run every benchmark and record the results: ``python -m benchmarks`` (``--smoke`` for a quick check).

1. throughput against the ceiling min(rate, concurrency / latency), at several concurrency levels;
2. peers on the same work: a sequential httpx loop and Newman (Postman's runner), at 200 ms a call;
3. scale: load, validate and write 1k, 10k and 100k rows (CSV and XLSX), time and peak RSS;
4. client overhead: CPU seconds per 1,000 rows at zero server latency;
5. server capacity: the default (adaptive) limits against four servers of unknown capacity,
   side by side with the best fixed setting of a sweep and an aggressive one (``capacity.py``).

The sandbox runs in its own process, on loopback, with a fixed latency. Results go to
``benchmarks/results/`` (JSON, with the machine's description), and the table and chart to
``benchmarks/README.md`` and ``benchmarks/results/throughput.png``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx

from batch_enrol.client import Client
from batch_enrol.dispatcher import Dispatcher, Job, Policy
from batch_enrol.identity import fingerprint, position_key
from batch_enrol.journal import Journal
from batch_enrol.pipeline import check_file
from batch_enrol.sandbox import DEFAULT_TOKEN
from batch_enrol.schema import ENDPOINT
from batch_enrol.settings import Settings

from . import capacity, data, serve

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
RESULTS = HERE / "results"

# --- the sandbox in its own process ------------------------------------------------------------


@contextlib.contextmanager
def sandbox(latency: float) -> Iterator[str]:
    with serve.running(str(latency)) as url:
        yield url


def stats(url: str) -> dict:
    return httpx.get(f"{url}/__sandbox/stats").json()


# --- inputs ------------------------------------------------------------------------------------


def jobs_from(path: Path) -> list[Job]:
    checked = check_file(path, Settings(sandbox=True))
    return [
        Job(row=c.row, candidate=c.candidate, fingerprint=fingerprint(c.candidate), group=position_key(c.candidate))
        for c in checked.rows
        if c.candidate is not None
    ]


def dispatch(url: str, jobs: list[Job], concurrency: int, rate: float, journal: Path | None = None) -> dict:
    """Time the dispatcher alone (wall and CPU) over real loopback HTTP."""

    async def go() -> tuple[float, float, Dispatcher]:
        async with Client(url, DEFAULT_TOKEN, lanes=concurrency) as client:
            with contextlib.ExitStack() as stack:
                j = stack.enter_context(Journal(journal)) if journal else None
                dispatcher = Dispatcher(client, Policy(concurrency=concurrency, rate=rate), journal=j)
                wall, cpu = time.perf_counter(), time.process_time()
                await dispatcher.run(jobs)
                return time.perf_counter() - wall, time.process_time() - cpu, dispatcher

    wall, cpu, dispatcher = asyncio.run(go())
    decided = sum(o.status.is_decision for o in dispatcher.outcomes.values())
    return {"rows": len(jobs), "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "calls": dispatcher.stats.calls,
            "decided": decided, "client_max_in_flight": dispatcher.stats.max_in_flight,
            "client_max_started_in_1s": dispatcher.stats.max_started_in_1s}  # fmt: skip


# --- 1. throughput against the ceiling ---------------------------------------------------------


def throughput(levels: list[int], rate: float, latency: float, seconds: float) -> list[dict]:
    rows = []
    for concurrency in levels:
        ceiling = min(rate, concurrency / latency)
        n = max(20, round(ceiling * seconds))
        with tempfile.TemporaryDirectory() as tmp, sandbox(latency) as url:
            result = dispatch(url, jobs_from(data.api_csv(Path(tmp) / "in.csv", n)), concurrency, rate)
            server = stats(url)
        achieved = result["rows"] / result["wall_s"]
        rows.append({"concurrency": concurrency, "rate": rate, "latency_s": latency, "ceiling_per_s": round(ceiling, 2),
                     "achieved_per_s": round(achieved, 2), "of_ceiling": round(achieved / ceiling, 3), **result,
                     "server_max_in_flight": server["max_in_flight"], "server_max_started_in_1s": server["max_started_in_1s"],
                     "positions_created": server["positions"]})  # fmt: skip
        print(f"  concurrency {concurrency:>3}: {achieved:6.2f}/s of a {ceiling:5.1f}/s ceiling "
              f"({achieved / ceiling:.1%}), in flight ≤ {server['max_in_flight']}, started in any 1 s ≤ "
              f"{result['client_max_started_in_1s']} (seen at the server: {server['max_started_in_1s']})", flush=True)  # fmt: skip
    return rows


# --- 2. peers ----------------------------------------------------------------------------------


def sequential_loop(url: str, path: Path) -> float:
    """What a quick script does: one row after another."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    start = time.perf_counter()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, timeout=60) as client:
        for row in rows:
            client.post(ENDPOINT, json=row).raise_for_status()
    return time.perf_counter() - start


def newman_binary(install: bool) -> Path | None:
    local = WORK / "node" / "node_modules" / ".bin" / "newman"
    if local.exists():
        return local
    if not install or shutil.which("npm") is None:
        return None
    WORK.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(WORK / "node"), "newman@6"],
                   check=True, timeout=600)  # fmt: skip
    return local if local.exists() else None


def newman(binary: Path, url: str, path: Path) -> float:
    """Postman's runner with the CSV as iteration data: one request per row, in sequence."""
    body = {field: f"{{{{{field}}}}}" for field in data.API_FIELDS}
    collection = {
        "info": {"name": "enrol", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [{"name": "enrol", "request": {
            "method": "POST", "url": f"{url}{ENDPOINT}",
            "header": [{"key": "Authorization", "value": f"Bearer {DEFAULT_TOKEN}"}, {"key": "Content-Type", "value": "application/json"}],
            "body": {"mode": "raw", "raw": json.dumps(body)},
        }}],
    }  # fmt: skip
    spec = path.with_suffix(".postman.json")
    spec.write_text(json.dumps(collection), "utf-8")
    start = time.perf_counter()
    subprocess.run([str(binary), "run", str(spec), "-d", str(path), "--reporters", "cli", "--reporter-cli-no-summary",
                    "--reporter-cli-no-banner", "--bail"], check=True, stdout=subprocess.DEVNULL, timeout=3600)  # fmt: skip
    return time.perf_counter() - start


def peers(rows: int, latency: float, concurrency: int, rate: float, install_newman: bool) -> dict:
    out: dict[str, object] = {"rows": rows, "latency_s": latency, "concurrency": concurrency, "rate": rate}
    with tempfile.TemporaryDirectory() as tmp:
        path = data.api_csv(Path(tmp) / "in.csv", rows)
        with sandbox(latency) as url:
            out["batch_enrol_s"] = dispatch(url, jobs_from(path), concurrency, rate)["wall_s"]
            assert stats(url)["enrolments"] == rows
        with sandbox(latency) as url:
            out["sequential_httpx_s"] = round(sequential_loop(url, path), 3)
            assert stats(url)["enrolments"] == rows
        binary = newman_binary(install_newman)
        if binary is None:
            out["newman_s"] = None
        else:
            with sandbox(latency) as url:
                out["newman_s"] = round(newman(binary, url, path), 3)
                assert stats(url)["enrolments"] == rows
    for peer in ("sequential_httpx_s", "newman_s"):
        if out.get(peer):
            out[peer.replace("_s", "_ratio")] = round(out[peer] / out["batch_enrol_s"], 1)  # type: ignore[operator]
    print(f"  batch-enrol (concurrency {concurrency}): {out['batch_enrol_s']:.1f} s; sequential httpx loop: "
          f"{out['sequential_httpx_s']:.1f} s ({out.get('sequential_httpx_ratio')}×); Newman: "
          f"{out['newman_s'] if out['newman_s'] is not None else 'not installed'} s ({out.get('newman_ratio', '-')}×)", flush=True)  # fmt: skip
    return out


# --- 3. scale ----------------------------------------------------------------------------------


def scale(sizes: list[int]) -> list[dict]:
    WORK.mkdir(parents=True, exist_ok=True)
    out = []
    for n in sizes:
        generated = None
        for suffix, writer in ((".csv", data.write_csv), (".xlsx", data.write_xlsx)):
            path = WORK / f"scale-{n}{suffix}"
            if not path.exists():
                generated = generated or data.rows(n)
                writer(path, generated)
            result = subprocess.run([sys.executable, "-m", "benchmarks.scale_one", str(path)], cwd=HERE.parent,
                                    check=True, capture_output=True, text=True)  # fmt: skip
            figures = json.loads(result.stdout)
            figures["file_mb"] = round(path.stat().st_size / 2**20, 1)
            out.append(figures)
            print(f"  {n:>7} rows {suffix[1:]:<4}: load+validate {figures['load_validate_s']:6.2f} s, write "
                  f"{figures['write_s']:6.2f} s, peak RSS {figures['peak_rss_mb']:6.0f} MB", flush=True)  # fmt: skip
    return out


# --- 4. client overhead ------------------------------------------------------------------------


def overhead(rows: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp, sandbox(0.0) as url:
        jobs = jobs_from(data.api_csv(Path(tmp) / "in.csv", rows))
        result = dispatch(url, jobs, concurrency=16, rate=100_000, journal=Path(tmp) / "journal.sqlite")
    per_1000 = result["cpu_s"] / rows * 1000
    print(f"  {rows} rows at zero latency: {result['cpu_s']:.2f} CPU s, {per_1000:.3f} CPU s per 1,000 rows "
          f"({per_1000:.3f} ms per row), journal on", flush=True)  # fmt: skip
    return {**result, "cpu_s_per_1000_rows": round(per_1000, 3), "cpu_ms_per_row": round(per_1000, 3)}


# --- recording ---------------------------------------------------------------------------------


def machine() -> dict:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    return {"cpu": model, "cores": os.cpu_count(), "memory": memory, "python": platform.python_version(),
            "platform": platform.platform()}  # fmt: skip


def table(results: dict) -> str:
    lines = ["| concurrency | rate limit | latency | ceiling /s | achieved /s | of ceiling | max in flight | max started in 1 s | max arriving in 1 s at the server |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in results["throughput"]:
        lines.append(f"| {r['concurrency']} | {r['rate']:g} | {r['latency_s'] * 1000:.0f} ms | {r['ceiling_per_s']:g} | "
                     f"{r['achieved_per_s']:.2f} | {r['of_ceiling']:.1%} | {r['server_max_in_flight']} | "
                     f"{r['client_max_started_in_1s']} | {r['server_max_started_in_1s']} |")  # fmt: skip
    if results.get("target"):
        t = results["target"]
        lines += ["", f"Issue target: {t['rows']} rows, 200 ms calls, `--concurrency 20 --rate 40`: "
                      f"**{t['achieved_per_s']:.2f}/s = {t['of_ceiling']:.1%} of 40/s**."]  # fmt: skip
    p = results["peers"]
    lines += ["", f"Peers, {p['rows']} rows at {p['latency_s'] * 1000:.0f} ms a call (batch-enrol at concurrency {p['concurrency']}):", "",
              "| tool | wall time | batch-enrol is faster by |", "|---|---:|---:|",
              f"| batch-enrol | {p['batch_enrol_s']:.1f} s | |",
              f"| sequential httpx loop | {p['sequential_httpx_s']:.1f} s | {p.get('sequential_httpx_ratio', '-')}× |",
              f"| Newman (CSV as iteration data) | {p['newman_s'] if p['newman_s'] is not None else 'not installed'} s | {p.get('newman_ratio', '-')}× |"]  # fmt: skip
    lines += ["", "Scale (load + validate, then write; ~2 KB resume per row, 12 columns):", "",
              "| rows | format | file | load | validate | load + validate | write | peak RSS |", "|---:|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for s in results["scale"]:
        lines.append(f"| {s['rows']:,} | {s['format']} | {s['file_mb']} MB | {s['load_s']:.2f} s | {s['validate_s']:.2f} s | "
                     f"{s['load_validate_s']:.2f} s | {s['write_s']:.2f} s | {s['peak_rss_mb']:.0f} MB |")  # fmt: skip
    o = results["overhead"]
    lines += ["", f"Client overhead at zero latency: **{o['cpu_s_per_1000_rows']:.3f} CPU s per 1,000 rows** "
                  f"({o['cpu_ms_per_row']:.3f} ms per row; {o['rows']} rows, journal on)."]  # fmt: skip
    return "\n".join(lines)


def chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["throughput"]
    xs = [r["concurrency"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    ax.plot(xs, [r["ceiling_per_s"] for r in rows], "--", color="grey", label="ceiling: min(rate, concurrency / latency)")
    ax.plot(xs, [r["achieved_per_s"] for r in rows], "o-", color="#1f77b4", label="batch-enrol")
    p = results["peers"]
    seq = p["rows"] / p["sequential_httpx_s"]
    ax.axhline(seq, color="#d62728", linestyle=":", label=f"sequential httpx loop ({seq:.1f}/s)")
    if p.get("newman_s"):
        nm = p["rows"] / p["newman_s"]
        ax.axhline(nm, color="#ff7f0e", linestyle="-.", label=f"Newman ({nm:.1f}/s)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.set_xlabel("concurrency")
    ax.set_ylabel("calls per second")
    ax.set_title(f"Throughput at {rows[0]['latency_s'] * 1000:.0f} ms per call, rate limit {rows[0]['rate']:g}/s")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def record(results: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    with contextlib.suppress(ImportError):
        chart(results, RESULTS / "throughput.png")
    readme = HERE / "README.md"
    text = readme.read_text("utf-8") if readme.exists() else ""
    begin, end = "<!-- results:begin -->", "<!-- results:end -->"
    block = f"{begin}\nRecorded {results['recorded_at']} on {results['machine']['cpu'] or 'unknown CPU'}, " \
            f"{results['machine']['cores']} cores, Python {results['machine']['python']}.\n\n{table(results)}\n\n" \
            f"![throughput against concurrency](results/throughput.png)\n{end}"  # fmt: skip
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text += "\n" + block + "\n"
    readme.write_text(text, "utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the harness, records nothing")
    parser.add_argument("--no-newman", action="store_true", help="do not install or run Newman")
    args = parser.parse_args(argv)
    smoke = args.smoke
    results: dict = {"recorded_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), "smoke": smoke}
    print("throughput against the ceiling (latency 200 ms, rate limit 40/s):", flush=True)
    # 20 s of work per level (800 rows at 40/s), closer to a weekly list than a 10 s burst: the
    # start (the first row of each new position goes alone) and the tail weigh less.
    results["throughput"] = throughput([1, 4] if smoke else [1, 2, 4, 8, 16, 32], rate=40, latency=0.05 if smoke else 0.2,
                                       seconds=0.5 if smoke else 20)  # fmt: skip
    if not smoke:
        print("the dispatcher's target: 400 rows, 200 ms calls, --concurrency 20 --rate 40:", flush=True)
        (results["target"],) = throughput([20], rate=40, latency=0.2, seconds=10)
    print("peers on the same work:", flush=True)
    results["peers"] = peers(10 if smoke else 200, latency=0.02 if smoke else 0.2, concurrency=16, rate=100,
                             install_newman=not (smoke or args.no_newman))  # fmt: skip
    print("scale:", flush=True)
    results["scale"] = scale([100, 300] if smoke else [1_000, 10_000, 100_000])
    print("client overhead:", flush=True)
    results["overhead"] = overhead(100 if smoke else 2000)
    print("server capacity: defaults against the best fixed setting (see benchmarks/capacity.py):", flush=True)
    results["capacity"] = capacity.capacity(smoke=smoke)
    print()
    print(table(results))
    print()
    print(capacity.table(results["capacity"]))
    if not smoke:
        print(f"\nrecorded: {record(results)}")
        capacity.record(results["capacity"], results["recorded_at"],
                        f"{results['machine']['cpu'] or 'unknown CPU'}, {results['machine']['cores']} cores")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
