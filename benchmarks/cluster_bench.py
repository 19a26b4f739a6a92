"""Articles per minute: the plain local batch against `run --ray` with 1 and 2 actors, same inputs, same run.

    python benchmarks/cluster_bench.py            # real-size random-weight models (bench.py's), 6 articles
    python benchmarks/cluster_bench.py --tiny     # the tiny test set: seconds, checks the wiring only

Each contender is the real command in a subprocess, timed from its start to its end (imports, Ray
start, model loading and conversion cache reads included: what a user waits for):

    local     python -m service run DIR --out OUT --models SET
    ray ×1    python -m service run DIR --out OUT --models SET --ray --actors 1 --cpus-per-actor C
    ray ×2    python -m service run DIR --out OUT --models SET --ray --actors 2 --cpus-per-actor C/2

The articles are bench.py's (English, Korean, Japanese, ~900 words each), every one distinct so no
translation cache helps. Peak memory: the local command's own peak RSS, and for Ray the largest RSS
any one actor process reached (sampled from /proc every 0.2 s). The section is written to
benchmarks/RESULTS_cluster.md (`--out` to change), keeping the file's hand-written "## Analysis";
nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from bench import LANGUAGES, article_text, cpu_description, loadavg, model_set_roles  # noqa: E402

ANALYSIS = "## Analysis"


class ActorMemory:
    """Largest RSS of any Ray actor process running `ArticleWorker` while the command runs."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> ActorMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            for proc in Path("/proc").iterdir():
                try:
                    if b"ArticleWorker" not in (proc / "cmdline").read_bytes():
                        continue
                    for line in (proc / "status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)
                except OSError:
                    continue


def write_articles(folder: Path, count: int, quick: bool) -> None:
    folder.mkdir()
    for i in range(count):
        language = LANGUAGES[i % len(LANGUAGES)]
        scale = 2 + i // len(LANGUAGES)  # "In part 2, ..." etc.: no sentence repeats across files
        paragraphs = article_text(quick, scale, language).split("\n\n")
        body = paragraphs[len(paragraphs) // scale :]  # the distinct copy only: one article long
        (folder / f"{i:02d}-{language}.txt").write_text("\n\n".join(body), encoding="utf-8")


def run(name: str, command: list[str], articles: int) -> dict:
    print(f"running {name} ...", flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    with ActorMemory() as actors:
        proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "name": name,
        "wall_s": wall,
        "per_minute": articles / wall * 60,
        "driver_peak_mb": child_peak / 1024 if child_peak > before else None,
        "actor_peak_mb": actors.peak_mb or None,
        "last_line": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="the tiny test set (wiring check, not a figure)")
    parser.add_argument("--articles", type=int, default=6)
    parser.add_argument("--models-dir", type=Path, default=None, help="as bench.py (default: its cache)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS_cluster.md")
    args = parser.parse_args(argv)

    from service.devtools.tiny import build_tiny_set, write_model_set
    from service.settings import default_cache_dir

    work = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    if args.tiny:
        models = build_tiny_set(work / "tiny")
        what = "tiny random models (the test set)"
    else:
        from build import build_models

        from service.engines.ct2_cache import prepare_model_set
        from service.models.sets import load_model_set

        folders = build_models(args.models_dir or default_cache_dir() / "bench-models", "full", report=print)
        models = write_model_set(
            work / "bench-ct2.toml", "bench-ct2", model_set_roles(folders, "ctranslate2"), "bench"
        )
        prepare_model_set(load_model_set(models), report=print)
        what = "real-size random-weight models in CTranslate2 int8 (bench.py's `bench-ct2` set)"
    inputs = work / "in"
    write_articles(inputs, args.articles, quick=args.tiny)
    cpus = len(os.sched_getaffinity(0))
    base = [sys.executable, "-m", "service", "run", str(inputs), "--models", str(models)]
    ray = ["--ray", "--batch-size", "1"]  # a few articles: one per batch, so both actors get work
    load_before = loadavg()
    rows = [
        run("local batch", [*base, "--out", str(work / "local")], args.articles),
        run(
            "ray, 1 actor",
            [*base, "--out", str(work / "ray1"), *ray, "--actors", "1", "--cpus-per-actor", str(cpus)],
            args.articles,
        ),
        run(
            "ray, 2 actors",
            [
                *base,
                "--out",
                str(work / "ray2"),
                *ray,
                "--actors",
                "2",
                "--cpus-per-actor",
                str(max(1, cpus // 2)),
            ],
            args.articles,
        ),
    ]
    load_after = loadavg()
    equal = _same_results(work)
    report = _report(rows, what, args, cpus, load_before, load_after, equal)
    print(report)
    if not args.tiny:
        # the hand-written reading of the figures (from "## Analysis" on) survives a rerun
        kept = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        kept = kept[kept.index(ANALYSIS) :] if ANALYSIS in kept else ""
        args.out.write_text(report + ("\n" + kept if kept else ""), encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


def _same_results(work: Path) -> bool:
    """Every Ray run gave the local run's results (minus timings): the speed is for the same work."""
    from service.cluster import read_results

    def strip(record: dict) -> dict:
        record = {k: v for k, v in record.items() if k != "id"}
        if record.get("result"):
            record["result"] = {k: v for k, v in record["result"].items() if k != "timings"}
        return record

    local = {
        r["file"]: strip(r)
        for r in map(json.loads, (work / "local" / "results.jsonl").read_text().splitlines())
    }
    return all(
        {k: strip(v) for k, v in read_results(work / name).items()} == local for name in ("ray1", "ray2")
    )


def _report(rows, what, args, cpus, load_before, load_after, equal) -> str:
    cpu, _, cores = cpu_description()
    local = rows[0]["wall_s"]
    lines = [
        "# Cluster batch: articles per minute (benchmarks/cluster_bench.py)",
        "",
        f"- Machine: {cpu}, {cpus} CPUs available ({cores} physical cores); **shared with other people's "
        f"work during the run** (load average before / after: {load_before} / {load_after}), so compare "
        "rows of this run only.",
        f"- Models: {what}; summary mode (summary + Korean and Japanese), the set's own decoding.",
        f"- Inputs: {args.articles} distinct articles ({'the first 8 segments of' if args.tiny else 'about 900 words,'} "
        "bench.py's articles), English, Korean and Japanese in turn.",
        f"- Results of both Ray runs equal to the local run's, item by item (minus timings): {'yes' if equal else 'NO'}.",
        f"- Run: `python benchmarks/cluster_bench.py{' --tiny' if args.tiny else ''}`, {time.strftime('%Y-%m-%d %H:%M')}.",
        "",
        "| contender | wall s | articles/min | vs local | peak RSS MB (local process / largest actor) |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        memory = row["actor_peak_mb"] if row["actor_peak_mb"] else row["driver_peak_mb"]
        lines.append(
            f"| {row['name']} | {row['wall_s']:.1f} | {row['per_minute']:.2f} | {local / row['wall_s']:.2f}× "
            f"| {memory:.0f} |"
            if memory
            else f"| {row['name']} | {row['wall_s']:.1f} | {row['per_minute']:.2f} "
            f"| {local / row['wall_s']:.2f}× | n/a |"
        )
    lines += ["", "Throughput lines printed by the Ray runs:", ""]
    lines += [f"- {row['name']}: `{row['last_line']}`" for row in rows[1:]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
