"""Speed and memory of the service's default path against plain transformers, at real model sizes.

    python benchmarks/bench.py            # full run (several minutes), writes benchmarks/RESULTS.md
    python benchmarks/bench.py --quick    # reduced models and article, under a minute, prints only

Contenders, each in its own subprocess (so peak RSS is its own), on the same models and work:

  (a) naive       transformers fp32, one sentence (or chunk) per `generate` call, targets in turn
  (b) batched     transformers fp32, batches as the service plans them, targets in turn
  (c) service     `service.Pipeline` on the CTranslate2 engine (int8), warm: the default path
  (d) service-hf  `service.Pipeline` on the transformers engine (fp32): the pipeline without CT2
  plus variants of (c) that explain its settings (threads, concurrent targets, beam size) and a
  scaling run of (c) on 1x, 2x and 4x the article.

Work is fixed so that every contender does the same: each translated sentence gets exactly 30 new
tokens (greedy) and every summary pass exactly 60 tokens (beam 4, no_repeat_ngram_size 3,
length_penalty 2, as distilbart-cnn), through the model set keys `min_new_tokens`/`max_new_tokens`
for the service and the same `generate` arguments for (a) and (b). Random weights would otherwise
stop at arbitrary points. Summary mode: summarise the article (898 words, 41 segments incl. the
title; longer than BART's window, so two chunks plus a final pass, as the service always does) and
translate the summary into Korean and Japanese. Article mode: the same plus every sentence of the
article into both languages.

Nothing here asserts a timing; the numbers depend on the machine and on what else runs on it (the
load average is recorded with the results).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

TRANSLATION_TOKENS = 30
SUMMARY_TOKENS = 60
SUMMARY_BEAMS = 4
TARGETS = ("ko", "ja")
QUICK_PARAGRAPHS = 3  # title + the first two paragraphs: 8 segments


# -- the work --------------------------------------------------------------------------------------


def article_text(quick: bool, scale: int = 1) -> str:
    text = (HERE / "article_en.txt").read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if quick:
        paragraphs = paragraphs[:QUICK_PARAGRAPHS]
    copies = list(paragraphs)
    for part in range(2, scale + 1):  # distinct sentences, so the service's cache cannot skip work
        for paragraph in paragraphs:
            lines = [f"In part {part}, {line}" for line in paragraph.splitlines() if line.strip()]
            copies.append("\n".join(lines))
    return "\n\n".join(copies) + "\n"


def model_set_roles(folders: dict[str, Path], engine: str, **extra: Any) -> dict[str, dict[str, Any]]:
    translation = {
        "engine": engine,
        "num_beams": extra.get("translation_beams", 1),
        "min_new_tokens": TRANSLATION_TOKENS,
        "max_new_tokens": TRANSLATION_TOKENS,
    }
    summary = {
        "engine": engine,
        "model": str(folders["summarise"]),
        "num_beams": SUMMARY_BEAMS,
        "no_repeat_ngram_size": 3,
        "length_penalty": 2.0,
        "min_new_tokens": SUMMARY_TOKENS,
        "max_new_tokens": SUMMARY_TOKENS,
    }
    return {
        "summarise": summary,
        "en-ko": {**translation, "model": str(folders["en-ko"])},
        "en-ja": {**translation, "model": str(folders["en-ja"])},
        "ko-en": {**translation, "model": str(folders["en-ko"])},  # not used by English articles
        "ja-en": {**translation, "model": str(folders["en-ja"])},
    }


def peak_rss_mb() -> float:
    """This process's peak RSS. Not `ru_maxrss`: Linux carries that over from the parent across
    fork + exec, so a worker started by a parent holding 2 GB would report 2 GB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- worker: plain transformers (a, b) ------------------------------------------------------------------


def worker_hf(cfg: dict[str, Any]) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from service.engines.base import PROMPT_MARGIN
    from service.engines.batching import DEFAULT_BATCH_TOKENS, run_batched
    from service.text.chunking import pack
    from service.text.clean import clean_text
    from service.text.segment import join_sentences, split_paragraphs, split_sentences

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    batch_tokens = DEFAULT_BATCH_TOKENS if cfg["batched"] else 1  # 1: one input per generate call
    start = time.perf_counter()
    models = {}
    for role, folder in cfg["folders"].items():
        tok = AutoTokenizer.from_pretrained(folder)
        models[role] = (tok, AutoModelForSeq2SeqLM.from_pretrained(folder).eval())
    load_s = time.perf_counter() - start

    def count(role: str):
        tok = models[role][0]
        return lambda texts: [len(ids) for ids in tok(list(texts))["input_ids"]]

    def generate(role: str, texts: list[str], **kwargs: Any) -> list[str]:
        tok, model = models[role]

        def work(batch: list[str], _lengths: list[int]) -> list[str]:
            encoded = tok(batch, return_tensors="pt", padding=True, truncation=True, max_length=1024)
            with torch.inference_mode():
                out = model.generate(**encoded, do_sample=False, **kwargs)
            return [" ".join(t.split()) for t in tok.batch_decode(out, skip_special_tokens=True)]

        return run_batched(texts, count(role)(texts), work, batch_tokens)

    summary_kwargs = dict(
        num_beams=SUMMARY_BEAMS,
        no_repeat_ngram_size=3,
        length_penalty=2.0,
        min_new_tokens=SUMMARY_TOKENS,
        max_new_tokens=SUMMARY_TOKENS,
    )
    translation_kwargs = dict(
        num_beams=1, min_new_tokens=TRANSLATION_TOKENS, max_new_tokens=TRANSLATION_TOKENS
    )
    limit = 1024 - PROMPT_MARGIN  # what the service's engines allow BART

    def summarise(text: str) -> tuple[str, int]:
        """The service's map-reduce (`Pipeline._summarise`) with the same inputs and lengths."""
        counter = count("summarise")
        if counter([text])[0] <= limit:
            return generate("summarise", [text], **summary_kwargs)[0], 1
        chunks = pack([s for p in split_paragraphs(text) for s in split_sentences(p, "en")], counter, limit)
        passes = 0
        while True:
            partials = generate("summarise", chunks, **summary_kwargs)
            passes += len(chunks)
            combined = " ".join(partials)
            if counter([combined])[0] <= limit:
                return generate("summarise", [combined], **summary_kwargs)[0], passes + 1
            chunks = pack([s for p in partials for s in split_sentences(p, "en")], counter, limit)

    def run(mode: str, text: str) -> dict[str, Any]:
        t0 = time.perf_counter()
        cleaned = clean_text(text)
        paragraphs = [s for s in (split_sentences(p, "en") for p in split_paragraphs(cleaned)) if s]
        english = "\n\n".join(join_sentences(p, "en") for p in paragraphs)
        t1 = time.perf_counter()
        summary, passes = summarise(english)
        summary_sentences = split_sentences(summary, "en")
        t2 = time.perf_counter()
        sentences = summary_sentences + ([s for p in paragraphs for s in p] if mode == "article" else [])
        for target in TARGETS:
            generate(f"en-{target}", sentences, **translation_kwargs)
        t3 = time.perf_counter()
        return {
            "summarise_s": t2 - t1,
            "translate_s": t3 - t2,
            "total_s": t3 - t0,
            "sentences": len(sentences),
            "summary_sentences": len(summary_sentences),
            "summary_passes": passes,
        }

    generate("en-ko", ["Warm-up."], **translation_kwargs)  # first-call overheads are not the work
    generate("summarise", ["Warm-up."], **summary_kwargs)
    text = article_text(cfg["quick"])
    runs = {mode: [run(mode, text) for _ in range(cfg["reps"])] for mode in cfg["modes"]}
    return {"load_s": load_s, "runs": runs, "torch_threads": torch.get_num_threads()}


# -- worker: the service (c, d and variants) ------------------------------------------------------------


def worker_service(cfg: dict[str, Any]) -> dict[str, Any]:
    for key, value in cfg.get("env", {}).items():
        os.environ[key] = str(value)
    from concurrent.futures import ThreadPoolExecutor

    from service import Pipeline
    from service.text.segment import split_sentences

    start = time.perf_counter()
    warm = Pipeline(models=cfg["models"])
    failures = {k: v for k, v in warm.warm_up(["summarise", "en-ko", "en-ja"]).items() if v}
    if failures:
        raise RuntimeError(f"models failed to load: {failures}")
    load_s = time.perf_counter() - start
    warm.run(article_text(True), mode="article")  # first calls of each model, not timed

    def run(mode: str, text: str) -> dict[str, Any]:
        pipeline = Pipeline(models=cfg["models"])  # a fresh sentence cache; the engines stay loaded
        if cfg.get("sequential_targets"):
            pipeline._pool = ThreadPoolExecutor(max_workers=1)
        result = pipeline.run(text, mode=mode)
        summary_sentences = len(split_sentences(result.summary, "en"))
        return {
            "summarise_s": result.timings.get("summarise", 0.0),
            "translate_s": result.timings.get("translate", 0.0),
            "total_s": result.timings["total"],
            "sentences": summary_sentences + (len(result.segments) if mode == "article" else 0),
            "summary_sentences": summary_sentences,
            "summary_passes": result.summary_chunks + 1 if result.summary_chunks > 1 else 1,
        }

    runs: dict[str, list[dict[str, Any]]] = {}
    for scale in cfg.get("scales", [1]):
        text = article_text(cfg["quick"], scale)
        for mode in cfg["modes"]:
            key = mode if scale == 1 else f"{mode}@{scale}x"
            runs[key] = [run(mode, text) for _ in range(cfg["reps"])]
    return {"load_s": load_s, "runs": runs}


# -- orchestration ----------------------------------------------------------------------------------------


def run_worker(cfg: dict[str, Any], timeout: int = 3600) -> dict[str, Any]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(cfg)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"worker {cfg['name']} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(lines[-1][len("RESULT ") :])
    result["wall_s"] = time.perf_counter() - start
    return result


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest repetition (least disturbed by other load on the machine)."""
    return min(runs, key=lambda r: r["total_s"])


def translation_rate(run: dict[str, Any]) -> float:
    return (
        run["sentences"] * len(TARGETS) * TRANSLATION_TOKENS / run["translate_s"]
        if run["translate_s"]
        else 0.0
    )


def cpu_description() -> tuple[str, int, int]:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from service.engines.ctranslate2 import physical_cores

    return model, len(os.sched_getaffinity(0)), physical_cores()


def versions() -> str:
    from importlib.metadata import version

    names = ("torch", "transformers", "ctranslate2")
    return ", ".join(f"{n} {version(n)}" for n in names)


def contenders(
    quick: bool, sets: dict[str, Path], folders: dict[str, Path], full_scaling: bool
) -> list[dict]:
    modes = ["summary", "article"]
    reps_slow, reps = (1, 1) if quick else (1, 3)
    plan = [
        {"name": "(a) naive", "kind": "hf", "batched": False, "reps": reps_slow},
        {"name": "(b) batched", "kind": "hf", "batched": True, "reps": 1 if quick else 2},
        {"name": "(c) service", "kind": "service", "models": str(sets["ct2"]), "reps": reps},
    ]
    if not quick:
        plan += [
            {"name": "(d) service-hf", "kind": "service", "models": str(sets["hf"]), "reps": 1},
            {
                "name": "(c) targets in turn",
                "kind": "service",
                "models": str(sets["ct2"]),
                "reps": reps,
                "sequential_targets": True,
                "modes": ["article"],
            },
            {
                "name": "(c) all cores to every model",
                "kind": "service",
                "models": str(sets["ct2"]),
                "reps": reps,
                "env": {"SERVICE_CT2_THREADS": cpu_description()[2], "SERVICE_CT2_INTER_THREADS": 1},
                "modes": ["article"],
            },
            {
                "name": "(c) translation beam 4",
                "kind": "service",
                "models": str(sets["ct2-beam4"]),
                "reps": 2,
                "modes": ["summary", "article"],
            },
        ]
        if full_scaling:
            plan.append(
                {
                    "name": "(c) scaling",
                    "kind": "service",
                    "models": str(sets["ct2"]),
                    "reps": 2,
                    "modes": ["article"],
                    "scales": [1, 2, 4],
                }
            )
    for item in plan:
        item.setdefault("modes", modes)
        item["quick"] = quick
        item["folders"] = {role: str(path) for role, path in folders.items()}
    return plan


def format_report(results: dict[str, dict], quick: bool, meta: dict[str, Any]) -> str:
    lines = []
    title = "Benchmark (QUICK: reduced models and article, not comparable)" if quick else "Benchmark results"
    lines += [f"# {title}", ""]
    lines += [
        f"- Machine: {meta['cpu']}, {meta['cpus']} CPUs available ({meta['cores']} physical cores), "
        f"{meta['memory_gb']:.0f} GiB RAM; {meta['versions']}; Python {platform.python_version()}.",
        f"- Load average before / after the run: {meta['load_before']} / {meta['load_after']} "
        "(other processes share this machine; each figure is the fastest of its repetitions).",
        f"- Models: {meta['models']}. Work: {meta['work']}.",
        f"- Run: `python benchmarks/bench.py{' --quick' if quick else ''}`, {meta['wall_s']:.0f} s in all, "
        f"{meta['date']}.",
        "",
        "| contender | mode | summarise s | translate s | total s | sentences × 2 targets | "
        "translation tok/s | peak RSS MB | load s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        for mode, runs in result["runs"].items():
            if "@" in mode:
                continue
            r = best(runs)
            lines.append(
                f"| {name} | {mode} | {r['summarise_s']:.2f} | {r['translate_s']:.2f} | {r['total_s']:.2f} | "
                f"{r['sentences']} | {translation_rate(r):.0f} | {result['peak_rss_mb']:.0f} | "
                f"{result['load_s']:.1f} |"
            )
    lines.append("")
    a, b, c = (results.get(k) for k in ("(a) naive", "(b) batched", "(c) service"))
    checks = []
    if a and b and c:
        ca = translation_rate(best(c["runs"]["article"])) / translation_rate(best(a["runs"]["article"]))
        cb = translation_rate(best(c["runs"]["article"])) / translation_rate(best(b["runs"]["article"]))
        total_ca = best(a["runs"]["article"])["total_s"] / best(c["runs"]["article"])["total_s"]
        total_cb = best(b["runs"]["article"])["total_s"] / best(c["runs"]["article"])["total_s"]
        summary_s = best(c["runs"]["summary"])["total_s"]
        article_s = best(c["runs"]["article"])["total_s"]
        lines += [
            "## Ratios (article mode)",
            "",
            f"- Translation tokens/s: (c)/(a) = **{ca:.1f}×**, (c)/(b) = **{cb:.1f}×**.",
            f"- Whole run (summary + translation): (a)/(c) = {total_ca:.1f}× faster, (b)/(c) = {total_cb:.1f}×.",
            "",
        ]
        checks = [
            ("(c) translation ≥ 8× tokens/s of (a)", ca >= 8, f"{ca:.1f}×"),
            ("(c) translation ≥ 2× tokens/s of (b)", cb >= 2, f"{cb:.1f}×"),
            ("summary mode ≤ 4 s", summary_s <= 4, f"{summary_s:.2f} s"),
            ("article mode ≤ 10 s", article_s <= 10, f"{article_s:.2f} s"),
            ("peak RSS of (c) ≤ 2 GB", c["peak_rss_mb"] <= 2048, f"{c['peak_rss_mb']:.0f} MB"),
        ]
    scaling = results.get("(c) scaling")
    if scaling:
        lines += [
            "## Scaling (service path, article mode)",
            "",
            "| article | segments | summary passes | summarise s | translate s | total s | s per segment |",
            "|---|---|---|---|---|---|---|",
        ]
        points = {}
        for key, runs in scaling["runs"].items():
            scale = int(key.split("@")[1][:-1]) if "@" in key else 1
            r = best(runs)
            points[scale] = (r["sentences"], r["total_s"])
            lines.append(
                f"| {scale}× | {r['sentences']} | {r['summary_passes']} | {r['summarise_s']:.2f} | "
                f"{r['translate_s']:.2f} | {r['total_s']:.2f} | {r['total_s'] / r['sentences']:.3f} |"
            )
        if {1, 2, 4} <= set(points):
            (n1, t1), (n2, t2), (n4, t4) = points[1], points[2], points[4]
            early, late = (t2 - t1) / (n2 - n1), (t4 - t2) / (n4 - n2)
            lines += [
                "",
                f"Marginal cost per added segment: {early:.3f} s from 1× to 2×, {late:.3f} s from 2× to 4× "
                f"(ratio {late / early:.2f}; 1.00 = a straight line). 4× the article takes "
                f"{t4 / t1:.2f}× the time of 1× (the summary's fixed cost is shared by more text).",
            ]
            checks.append(
                (
                    "cost linear in article length (marginal cost 2×→4× within ±40% of 1×→2×, "
                    "4× article ≤ 4× time)",
                    0.6 <= late / early <= 1.4 and t4 <= 4 * t1,
                    f"marginal ratio {late / early:.2f}, time ratio {t4 / t1:.2f}",
                )
            )
        lines.append("")
    if checks and not quick:  # the targets are about real sizes; quick numbers say nothing about them
        lines += ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
        lines += [f"| {name} | {value} | {'yes' if ok else '**no**'} |" for name, ok, value in checks]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small models and 8 segments, under a minute")
    parser.add_argument(
        "--models-dir",
        type=Path,
        default=Path(os.environ.get("SERVICE_CACHE_DIR") or Path.home() / ".cache" / "service")
        / "bench-models",
        help="where the random-weight models are built and reused",
    )
    parser.add_argument(
        "--out", type=Path, help="write the report here (full run default: benchmarks/RESULTS.md)"
    )
    parser.add_argument("--no-scaling", action="store_true", help="skip the 1x/2x/4x scaling run")
    parser.add_argument("--only", help="comma-separated contender names to run (debugging)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        cfg = json.loads(args.worker)
        result = worker_hf(cfg) if cfg["kind"] == "hf" else worker_service(cfg)
        result["peak_rss_mb"] = peak_rss_mb()
        print("RESULT " + json.dumps(result), flush=True)
        return 0

    from build import build_models

    from service.devtools.tiny import write_model_set

    wall = time.perf_counter()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    variant = "quick" if args.quick else "full"
    if args.quick:
        print(
            "QUICK MODE: small models (256-dim, 3+3 layers, 8k vocabulary) and the first 8 segments of the "
            "article, one repetition each; for real numbers run without --quick.",
            flush=True,
        )
    folders = build_models(args.models_dir, variant, report=lambda line: print(line, flush=True))
    base = folders["summarise"].parent
    sets = {
        "ct2": write_model_set(
            base / "bench-ct2.toml", "bench-ct2", model_set_roles(folders, "ctranslate2"), "bench"
        ),
        "hf": write_model_set(
            base / "bench-hf.toml", "bench-hf", model_set_roles(folders, "transformers"), "bench"
        ),
        "ct2-beam4": write_model_set(
            base / "bench-ct2-beam4.toml",
            "bench-ct2-beam4",
            model_set_roles(folders, "ctranslate2", translation_beams=4),
            "bench",
        ),
    }
    from service.engines.ctranslate2 import prepare_model_set
    from service.models.sets import load_model_set

    prepare_model_set(load_model_set(sets["ct2"]), report=lambda line: print(line, flush=True))

    plan = contenders(args.quick, sets, folders, full_scaling=not args.no_scaling)
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        plan = [item for item in plan if item["name"] in wanted or item["name"].split()[0] in wanted]
    results: dict[str, dict] = {}
    for item in plan:
        print(f"running {item['name']} ...", flush=True)
        results[item["name"]] = run_worker(item)
        summary = ", ".join(
            f"{mode} {best(runs)['total_s']:.2f} s" for mode, runs in results[item["name"]]["runs"].items()
        )
        print(f"  {summary}; peak RSS {results[item['name']]['peak_rss_mb']:.0f} MB", flush=True)

    cpu, cpus, cores = cpu_description()
    size = (
        "256-dim 3+3 Marian and BART, 8k vocabularies"
        if args.quick
        else (
            "Marian 512-dim 6+6 layers 32k vocab (opus-mt size, 61 M params) for en-ko and en-ja (two "
            "folders, same weights); BART 1024-dim 12+6 layers 50k vocab (distilbart-cnn-12-6 size, 306 M)"
        )
    )
    meta = {
        "cpu": cpu,
        "cpus": cpus,
        "cores": cores,
        "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
        "versions": versions(),
        "load_before": load_before,
        "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "models": size + ", random weights",
        "work": (
            f"{TRANSLATION_TOKENS} new tokens per translated sentence (greedy unless noted), "
            f"{SUMMARY_TOKENS} tokens per summary pass (beam {SUMMARY_BEAMS}); article "
            + ("first 8 segments" if args.quick else "898 words, 41 segments")
        ),
        "wall_s": time.perf_counter() - wall,
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    report = format_report(results, args.quick, meta)
    if not args.quick:
        notes = (HERE / "NOTES.md").read_text(encoding="utf-8") if (HERE / "NOTES.md").is_file() else ""
        report = report + ("\n" + notes if notes else "")
    print()
    print(report)
    out = args.out or (None if args.quick or args.only else HERE / "RESULTS.md")
    if out:
        out.write_text(report, encoding="utf-8")
        print(f"(written to {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
