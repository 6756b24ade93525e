"""Server-capacity scenarios: does sending with the default (adaptive) limits find what a server takes?

``python -m benchmarks.capacity`` (also part of ``python -m benchmarks``). Four sandboxed servers,
each in its own process on loopback, with calls taking 0.1-0.3 s (the platform's 0.5-1.5 s
scaled down 5×, so each run is short):

* ``rate 5/s`` and ``rate 20/s``: a token-bucket rate limit (429 with ``Retry-After: 1`` beyond);
* ``12 in flight``: at most 12 requests worked on at once (503 with ``Retry-After: 1`` beyond);
* ``load latency``: 8 requests at full speed; beyond, every call slows in proportion.

Each runs with the defaults (three times), with each fixed setting of a small sweep, and with
an aggressive fixed setting (``--concurrency 64 --rate 1000``). Recorded: wall time, rows per
second as a share of the server's ceiling, the share of answers that were 429/503, rows lost
(not enrolled) and rows enrolled twice (from the sandbox's ledger).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from batch_enrol.client import Client
from batch_enrol.dispatcher import Dispatcher, Job, Policy
from batch_enrol.identity import fingerprint, position_key
from batch_enrol.pipeline import check_file
from batch_enrol.sandbox import DEFAULT_TOKEN
from batch_enrol.settings import Settings

from . import data, serve

HERE = Path(__file__).resolve().parent
LATENCY = {"latency": 0.2, "latency_jitter": 0.1}  #: 0.1-0.3 s a call: the platform's 0.5-1.5 s, ÷ 5
AGGRESSIVE = (64, 1000.0)


@dataclass(frozen=True)
class Scenario:
    name: str
    faults: dict
    ceiling: float  #: rows per second the server can take at best
    rows: int
    sweep: tuple[tuple[int, float], ...]  #: fixed (concurrency, rate) settings to try


SCENARIOS = (
    Scenario("rate 5/s", {"rate_limit": 5, **LATENCY}, 5.0, 80, ((4, 4.5), (8, 5), (16, 5), (8, 6))),
    Scenario("rate 20/s", {"rate_limit": 20, **LATENCY}, 20.0, 300, ((8, 20), (16, 18), (16, 20), (32, 20), (16, 24))),
    Scenario("12 in flight", {"max_in_flight": 12, **LATENCY}, 60.0, 1200, ((8, 1000), (12, 1000), (16, 1000))),
    Scenario("load latency", {"capacity": 8, **LATENCY}, 40.0, 400, ((6, 1000), (8, 1000), (12, 1000), (16, 1000))),
)


@contextlib.contextmanager
def server(faults: dict) -> Iterator[str]:
    with serve.running("--faults", json.dumps(faults)) as url:
        yield url


def run_once(scenario: Scenario, jobs: list[Job], policy: Policy) -> dict:
    async def go() -> tuple[float, Dispatcher]:
        async with Client(url, DEFAULT_TOKEN, lanes=policy.workers) as client:
            dispatcher = Dispatcher(client, policy)
            began = time.perf_counter()
            await dispatcher.run(jobs)
            return time.perf_counter() - began, dispatcher

    with server(scenario.faults) as url:
        wall, dispatcher = asyncio.run(go())
        seen = httpx.get(f"{url}/__sandbox/stats").json()
    enrolled = sum(o.status.is_decision for o in dispatcher.outcomes.values())
    return {"wall_s": round(wall, 2), "per_s": round(enrolled / wall, 2), "of_ceiling": round(enrolled / wall / scenario.ceiling, 3),
            "requests": seen["requests"], "throttled": round(seen["throttled"] / max(seen["requests"], 1), 3),
            "lost": len(jobs) - enrolled, "repeats": seen["repeats"], "max_in_flight": seen["max_in_flight"]}  # fmt: skip


def label(concurrency: int | None, rate: float | None) -> str:
    return "defaults (auto)" if concurrency is None else f"--concurrency {concurrency} --rate {rate:g}"


def scenario_results(scenario: Scenario, jobs: list[Job], repeats: int) -> dict:
    out: dict = {"scenario": scenario.name, "ceiling": scenario.ceiling, "rows": scenario.rows, "runs": []}

    def one(concurrency: int | None, rate: float | None, kind: str) -> dict:
        result = {"kind": kind, "setting": label(concurrency, rate), **run_once(scenario, jobs, Policy(concurrency=concurrency, rate=rate))}
        print(f"  {scenario.name:<13} {result['setting']:<34} {result['wall_s']:6.1f} s  {result['of_ceiling']:6.1%} of ceiling  "
              f"{result['throttled']:6.1%} throttled  {result['lost']} lost  {result['repeats']} repeats", flush=True)  # fmt: skip
        out["runs"].append(result)
        return result

    for _ in range(repeats):
        one(None, None, "defaults")
    fixed = [one(c, r, "sweep") for c, r in scenario.sweep]
    one(*AGGRESSIVE, "aggressive")
    best = max(fixed, key=lambda r: (r["lost"] == 0, r["per_s"]))
    defaults = [r for r in out["runs"] if r["kind"] == "defaults"]
    out["best_fixed"] = best["setting"]
    out["defaults_of_best"] = round(min(r["per_s"] for r in defaults) / best["per_s"], 3)
    out["defaults_max_throttled"] = max(r["throttled"] for r in defaults)
    out["defaults_lost"] = sum(r["lost"] for r in defaults)
    return out


def jobs_from(path: Path) -> list[Job]:
    checked = check_file(path, Settings(sandbox=True))
    return [Job(row=c.row, candidate=c.candidate, fingerprint=fingerprint(c.candidate), group=position_key(c.candidate))
            for c in checked.rows if c.candidate is not None]  # fmt: skip


def capacity(repeats: int = 3, smoke: bool = False) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in SCENARIOS:
            if smoke:
                scenario = Scenario(scenario.name, scenario.faults, scenario.ceiling, 20, scenario.sweep[:1])
            path = data.api_csv(Path(tmp) / f"{scenario.rows}.csv", scenario.rows)
            results.append(scenario_results(scenario, jobs_from(path), 1 if smoke else repeats))
    return results


def table(results: list[dict]) -> str:
    lines = ["| server | rows | setting | wall time | of ceiling | throttled (429/503) | rows lost |", "|---|---:|---|---:|---:|---:|---:|"]
    for s in results:
        for r in s["runs"]:
            best = " (best fixed)" if r["setting"] == s["best_fixed"] and r["kind"] == "sweep" else ""
            lines.append(f"| {s['scenario']} | {s['rows']} | {r['setting']}{best} | {r['wall_s']:.1f} s | {r['of_ceiling']:.1%} | "
                         f"{r['throttled']:.1%} | {r['lost']} |")  # fmt: skip
    lines += ["", "| server | defaults' slowest run ÷ best fixed | defaults' most throttled | rows lost by the defaults (3 runs) |",
              "|---|---:|---:|---:|"]  # fmt: skip
    for s in results:
        lines.append(f"| {s['scenario']} | {s['defaults_of_best']:.1%} | {s['defaults_max_throttled']:.1%} | {s['defaults_lost']} |")
    return "\n".join(lines)


def chart(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    names = [s["scenario"] for s in results]
    kinds = (("defaults", "defaults (auto), slowest of 3", "#1f77b4"), ("best", "best fixed (sweep)", "#2ca02c"),
             ("aggressive", "--concurrency 64 --rate 1000", "#d62728"))  # fmt: skip
    width = 0.27
    for i, (kind, text, colour) in enumerate(kinds):
        values = []
        for s in results:
            if kind == "defaults":
                runs = [r for r in s["runs"] if r["kind"] == "defaults"]
                values.append(min(r["of_ceiling"] for r in runs))
            elif kind == "best":
                values.append(next(r["of_ceiling"] for r in s["runs"] if r["setting"] == s["best_fixed"]))
            else:
                values.append(next(r["of_ceiling"] for r in s["runs"] if r["kind"] == "aggressive"))
        ax.bar([x + (i - 1) * width for x in range(len(names))], [v * 100 for v in values], width, label=text, color=colour)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("% of the server's ceiling (rows enrolled per second)")
    ax.set_ylim(0, 110)
    ax.axhline(100, color="grey", linestyle="--", linewidth=0.8)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Adaptive defaults against servers of unknown capacity")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def record(results: list[dict], recorded_at: str, machine: str) -> None:
    """Write ``results/capacity-latest.json``, the chart, and the table into ``benchmarks/README.md``."""
    out = HERE / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "capacity-latest.json").write_text(json.dumps({"recorded_at": recorded_at, "scenarios": results}, indent=2) + "\n")
    with contextlib.suppress(ImportError):
        chart(results, out / "capacity.png")
    readme = HERE / "README.md"
    text = readme.read_text("utf-8")
    begin, end = "<!-- capacity:begin -->", "<!-- capacity:end -->"
    block = (f"{begin}\nRecorded {recorded_at} on {machine}.\n\n{table(results)}\n\n"
             f"![share of the server's ceiling per scenario](results/capacity.png)\n{end}")  # fmt: skip
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text += "\n" + block + "\n"
    readme.write_text(text, "utf-8")


if __name__ == "__main__":
    from datetime import UTC, datetime

    from .__main__ import machine  # noqa: PLC0415

    smoke = "--smoke" in sys.argv
    found = capacity(smoke=smoke)
    print(table(found))
    if not smoke:
        m = machine()
        record(found, datetime.now(UTC).isoformat(timespec="seconds"), f"{m['cpu'] or 'unknown CPU'}, {m['cores']} cores")
