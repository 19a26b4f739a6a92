"""Speed and memory of the service's default path against plain transformers, at real model sizes.

    python benchmarks/bench.py            # full run (about half an hour), writes benchmarks/RESULTS.md
    python benchmarks/bench.py --quick    # reduced models and article, under a minute, prints only

Contenders, each in its own subprocess per input language (so peak RSS is its own), on the same
models, settings and work:

  (a) naive       transformers fp32, one sentence (or chunk) per `generate` call, targets in turn
  (b) batched     transformers fp32, batches as the service plans them, targets in turn
  (c) service     `service.Pipeline` on the CTranslate2 engine (int8), warm: the default path
  (c) nllb        the same with the `nllb` set (one NLLB-600M model for every direction), English only
  plus a scaling run of (c) on 1x, 2x and 4x the English article and the batch path (`python -m
  service run FOLDER --out DIR`) for throughput.

Generation settings are the model sets' own (`service/models/builtin/*.toml`: beam 4 everywhere,
`no_repeat_ngram_size` 3 for the summary and 4 for translation, `length_penalty` 2 for the summary),
for the service and the same `generate` arguments for (a) and (b). The length of every output is
fixed so that every contender does the same work: 30 new tokens per translated sentence and 60 per
summary pass (`min_new_tokens`/`max_new_tokens`); random weights would otherwise stop anywhere.

Inputs: the English article (898 words, 41 segments incl. the title; longer than BART's window, so
two chunks plus a final pass, as the service always does), and a Korean and a Japanese article of
the same length (`article_ko.txt`, `article_ja.txt`), which go through the pivot: the whole article
is translated into English first. Summary mode: summary + its Korean and Japanese translations.
Article mode: the same plus every sentence in both languages (the article's own language keeps its
text). Time to first result: from the call until the English summary exists (`Pipeline.run`'s
`summary` event, what a streaming client shows first).

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
import tempfile
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
TARGETS = ("ko", "ja")
LANGUAGES = ("en", "ko", "ja")
ROLES = ("summarise", "en-ko", "en-ja", "ko-en", "ja-en")
QUICK_PARAGRAPHS = 3  # title + the first two paragraphs: 8 segments
#: Every worker's OpenMP threads sleep while they wait instead of spinning. On a shared machine
#: (load average 10-20 on 2 cores while this was written) spinning threads that are descheduled
#: stall each other: one beam-4 `generate` of 30 tokens took 18-27 s with torch's default 2 threads
#: against 0.6-1.5 s with this setting (and 0.9 s with 1 thread). Without it, the baselines would be
#: slowed far more than CTranslate2, and the ratios would flatter the service.
WORKER_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}
#: Articles through the batch path in the full run (two per language, all different).
BATCH_ARTICLES = 6


# -- the work --------------------------------------------------------------------------------------


def article_text(quick: bool, scale: int = 1, language: str = "en") -> str:
    text = (HERE / f"article_{language}.txt").read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if quick:
        paragraphs = paragraphs[:QUICK_PARAGRAPHS]
    copies = list(paragraphs)
    prefix = {"en": "In part {n}, ", "ko": "제{n}부에서, ", "ja": "第{n}部では、"}[language]
    for part in range(2, scale + 1):  # distinct sentences, so the service's cache cannot skip work
        for paragraph in paragraphs:
            lines = [prefix.format(n=part) + line for line in paragraph.splitlines() if line.strip()]
            copies.append("\n".join(lines))
    return "\n\n".join(copies) + "\n"


def generation(set_name: str, role: str) -> dict[str, Any]:
    """The built-in set's own settings for `role`, with the output length fixed (see above)."""
    from service.models.sets import load_model_set

    settings = dict(load_model_set(set_name).spec(role).generation)
    tokens = SUMMARY_TOKENS if role == "summarise" else TRANSLATION_TOKENS
    return {**settings, "min_new_tokens": tokens, "max_new_tokens": tokens}


def model_set_roles(folders: dict[str, Path], engine: str, set_name: str = "default") -> dict[str, dict]:
    roles = {}
    for role in ROLES:
        folder = folders["summarise" if role == "summarise" else ("nllb" if set_name == "nllb" else role)]
        roles[role] = {"engine": engine, "model": str(folder), **generation(set_name, role)}
    return roles


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
    from service.summary import MAX_TRIM_WINDOWS, MIN_SHRINK, trim_to_window
    from service.text.article import prepare
    from service.text.chunking import pack
    from service.text.segment import join_sentences, split_paragraphs, split_sentences

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    batch_tokens = DEFAULT_BATCH_TOKENS if cfg["batched"] else 1  # 1: one input per generate call
    roles = ["summarise", "en-ko", "en-ja"] + [f"{lang}-en" for lang in cfg["languages"] if lang != "en"]
    start = time.perf_counter()
    models = {}
    for role in roles:
        folder = cfg["folders"][role]
        models[role] = (
            AutoTokenizer.from_pretrained(folder),
            AutoModelForSeq2SeqLM.from_pretrained(folder).eval(),
        )
    load_s = time.perf_counter() - start
    kwargs = {role: generation("default", role) for role in roles}  # the set's settings, fixed lengths

    def count(role: str):
        tok = models[role][0]
        return lambda texts: [len(ids) for ids in tok(list(texts))["input_ids"]]

    def generate(role: str, texts: list[str]) -> list[str]:
        tok, model = models[role]

        def work(batch: list[str], _lengths: list[int]) -> list[str]:
            encoded = tok(batch, return_tensors="pt", padding=True, truncation=True, max_length=1024)
            with torch.inference_mode():
                out = model.generate(**encoded, do_sample=False, **kwargs[role])
            return [" ".join(t.split()) for t in tok.batch_decode(out, skip_special_tokens=True)]

        return run_batched(texts, count(role)(texts), work, batch_tokens) if texts else []

    limit = 1024 - PROMPT_MARGIN  # what the service's engines allow BART

    def summarise(text: str) -> tuple[str, int]:
        """The service's map-reduce (`Pipeline._summarise`) with the same inputs and lengths."""
        counter = count("summarise")
        if counter([text])[0] <= limit:
            return generate("summarise", [text])[0], 1
        if counter([text])[0] <= MAX_TRIM_WINDOWS * limit and (
            trimmed := trim_to_window(text, counter, limit)
        ):
            return generate("summarise", [trimmed[0]])[0], 1  # one pass, as the service
        chunks = pack([s for p in split_paragraphs(text) for s in split_sentences(p, "en")], counter, limit)
        passes, before = 0, counter([text])[0]
        while True:
            partials = generate("summarise", chunks)
            passes += len(chunks)
            combined = " ".join(partials)
            size = counter([combined])[0]
            if size <= limit:
                return generate("summarise", [combined])[0], passes + 1
            if size > MIN_SHRINK * before:  # as the service: not condensing, the partials are the answer
                return combined, passes
            before = size
            chunks = pack([s for p in partials for s in split_sentences(p, "en")], counter, limit)

    def translate_paragraphs(paragraphs: list[list[str]], role: str) -> list[list[str]]:
        out = iter(generate(role, [s for p in paragraphs for s in p]))
        return [[next(out) for _ in p] for p in paragraphs]

    def run(mode: str, text: str, language: str) -> dict[str, Any]:
        """What `Pipeline.run` does with the models' work, step for step, on plain transformers."""
        t0, cpu0 = time.perf_counter(), time.process_time()
        prepared = prepare(text, language)
        headline = [[prepared.title]] if prepared.title and mode == "article" else []
        source = headline + prepared.paragraphs
        t1 = time.perf_counter()
        english = source if language == "en" else translate_paragraphs(source, f"{language}-en")
        t2 = time.perf_counter()
        summary, passes = summarise("\n\n".join(join_sentences(p, "en") for p in english[len(headline) :]))
        summary_sentences = split_sentences(summary, "en")
        t3 = time.perf_counter()
        translated = 0
        for target in TARGETS:
            rows = [summary_sentences]
            if mode == "article" and target != language:  # the article's own language keeps its text
                rows += english
            translated += sum(len(r) for r in rows)
            translate_paragraphs(rows, f"en-{target}")
        t4 = time.perf_counter()
        return {
            "to_english_s": t2 - t1,
            "summarise_s": t3 - t2,
            "translate_s": t4 - t3,
            "first_result_s": t3 - t0,
            "total_s": t4 - t0,
            "cpu_s": time.process_time() - cpu0,
            "translated": translated,
            "pivot_sentences": sum(len(p) for p in english) if language != "en" else 0,
            "summary_sentences": len(summary_sentences),
            "summary_passes": passes,
        }

    for role in roles:  # first-call overheads are not the work
        generate(role, ["Warm-up."])
    for language in cfg["languages"]:  # nor the sentence splitters' first load (Korean: seconds)
        prepare(article_text(True, language=language), language)
    runs = {}
    for language in cfg["languages"]:
        text = article_text(cfg["quick"], language=language)
        for mode in cfg["modes"]:
            runs[f"{language}:{mode}"] = [run(mode, text, language) for _ in range(cfg["reps"])]
    return {"load_s": load_s, "runs": runs, "torch_threads": torch.get_num_threads()}


# -- worker: the service (c and its variants) ------------------------------------------------------------


def worker_service(cfg: dict[str, Any]) -> dict[str, Any]:
    for key, value in cfg.get("env", {}).items():
        os.environ[key] = str(value)
    from service import Pipeline
    from service.text.segment import split_sentences

    roles = ["summarise", "en-ko", "en-ja"] + [f"{lang}-en" for lang in cfg["languages"] if lang != "en"]
    from service.settings import Settings

    engines = Settings.from_env().engines  # SERVICE_CT2_THREADS etc. of the variants (`env`)
    start = time.perf_counter()
    warm = Pipeline(models=cfg["models"], engines=engines)
    failures = {k: v for k, v in warm.warm_up(roles).items() if v}
    if failures:
        raise RuntimeError(f"models failed to load: {failures}")
    load_s = time.perf_counter() - start
    if cfg.get("map_reduce"):  # the variant without the one-pass summary, for its gain
        import service.pipeline

        service.pipeline.MAX_TRIM_WINDOWS = 1.0
    for language in cfg["languages"]:  # first calls of each model, not timed
        warm.run(article_text(True, language=language), mode="article")

    def run(mode: str, text: str, language: str) -> dict[str, Any]:
        pipeline = Pipeline(models=cfg["models"], engines=engines)  # a fresh cache; engines stay loaded
        seen: dict[str, float] = {}
        t0, cpu0 = time.perf_counter(), time.process_time()

        def on_event(kind: str, data: dict[str, Any]) -> None:
            seen.setdefault(
                kind if kind == "summary" else f"{kind}:{data['language']}", time.perf_counter() - t0
            )

        result = pipeline.run(text, mode=mode, on_event=on_event)
        cpu_s = time.process_time() - cpu0
        summary_sentences = len(split_sentences(result.summary, "en"))
        article_rows = len(result.segments) if mode == "article" else 0
        return {
            "to_english_s": result.timings.get("to_english", 0.0),
            "summarise_s": result.timings.get("summarise", 0.0),
            "translate_s": result.timings.get("translate", 0.0),
            "first_result_s": seen["summary"],
            "translation_ready_s": {t: seen[f"translation:{t}"] for t in TARGETS},
            "total_s": result.timings["total"],
            "cpu_s": cpu_s,
            "translated": 2 * summary_sentences + article_rows * (1 if language in TARGETS else 2),
            "pivot_sentences": article_rows if language != "en" else 0,
            "summary_sentences": summary_sentences,
            "summary_passes": result.summary_chunks + 1 if result.summary_chunks > 1 else 1,
        }

    runs: dict[str, list[dict[str, Any]]] = {}
    for language in cfg["languages"]:
        for scale in cfg.get("scales", [1]):
            text = article_text(cfg["quick"], scale, language)
            for mode in cfg["modes"]:
                key = f"{language}:{mode}" + ("" if scale == 1 else f"@{scale}x")
                runs[key] = [run(mode, text, language) for _ in range(cfg["reps"])]
    return {"load_s": load_s, "runs": runs}


def worker_batch(cfg: dict[str, Any]) -> dict[str, Any]:
    """`python -m service run FOLDER --out DIR` on distinct articles: wall time from the command's start
    (models loaded, conversions cached) and the per-article times it records."""
    with tempfile.TemporaryDirectory() as work:
        folder, out = Path(work, "in"), Path(work, "out")
        folder.mkdir()
        for i in range(cfg["articles"]):
            language = LANGUAGES[i % len(LANGUAGES)]
            scale = 2 + i // len(LANGUAGES)  # "In part 2, ..." etc.: no sentence repeats across files
            text = article_text(cfg["quick"], scale, language).split("\n\n")
            body = text[len(text) // scale :]  # only the distinct copy, so each is one article long
            (folder / f"{i:02d}-{language}.txt").write_text("\n\n".join(body), encoding="utf-8")
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "service",
                "run",
                str(folder),
                "--out",
                str(out),
                "--models",
                cfg["models"],
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        wall = time.perf_counter() - start
        lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines() if out.is_dir() else []
        items = [json.loads(line) for line in lines]
        if proc.returncode != 0 or len(items) != cfg["articles"] or not all(i["ok"] for i in items):
            raise RuntimeError(f"batch failed ({proc.returncode}): {proc.stderr[-2000:]} {items}")
        per_article = [i["result"]["timings"]["total"] for i in items]
    return {
        "load_s": 0.0,
        "runs": {},
        "batch": {"articles": len(items), "wall_s": wall, "per_article_s": per_article},
    }


# -- orchestration ----------------------------------------------------------------------------------------


def run_worker(cfg: dict[str, Any], timeout: int = 3600) -> dict[str, Any]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(cfg)],
        env={**os.environ, **WORKER_ENV},
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
    """Tokens/s into Korean and Japanese (the pivot into English is timed apart)."""
    return run["translated"] * TRANSLATION_TOKENS / run["translate_s"] if run["translate_s"] else 0.0


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


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def contenders(
    quick: bool,
    sets: dict[str, Path],
    folders: dict[str, Path],
    scaling: bool,
    languages: tuple[str, ...] = LANGUAGES,
) -> list[dict]:
    """Full run: one worker per contender and input language (its own peak RSS). Quick: one worker
    per contender for all three languages (each worker start costs seconds of imports)."""
    groups = [list(languages)] if quick else [[lang] for lang in languages]
    # Cheapest and most wanted first, contender by contender: on a busy machine the run may have to
    # be cut short, and the report is written after every worker.
    plan: list[dict] = [
        {
            "name": "(c) service",
            "kind": "service",
            "models": str(sets["ct2"]),
            "reps": 1 if quick else 2,
            "languages": group,
        }
        for group in groups
    ]
    plan += [
        {"name": "(b) batched", "kind": "hf", "batched": True, "reps": 1, "languages": g} for g in groups
    ]
    # The naive loop at real size takes minutes per article: summary mode for every language first,
    # article mode (English only) after the batch row.
    naive = {"name": "(a) naive", "kind": "hf", "batched": False, "reps": 1}
    plan += [
        {**naive, "languages": g, "modes": ["summary", "article"] if quick else ["summary"]} for g in groups
    ]
    plan.append(
        {
            "name": "batch",
            "kind": "batch",
            "models": str(sets["ct2"]),
            "articles": 2 if quick else BATCH_ARTICLES,
        }
    )
    if not quick:
        if "en" in languages:
            plan.append({**naive, "languages": ["en"], "modes": ["article"]})
        plan.append(
            {
                "name": "(c) map-reduce summary",
                "kind": "service",
                "models": str(sets["ct2"]),
                "reps": 1,
                "languages": ["en"],
                "map_reduce": True,
            }
        )
        plan.append(  # thread policy: every model 2 intra-op threads in 1 worker (the 1024-dim en-ko too)
            {
                "name": "(c) all cores to every model",
                "kind": "service",
                "models": str(sets["ct2"]),
                "reps": 1,
                "languages": ["en"],
                "env": {"SERVICE_CT2_THREADS": cpu_description()[2], "SERVICE_CT2_INTER_THREADS": 1},
            }
        )
        if "nllb" in sets:
            plan.append(
                {
                    "name": "(c) nllb set",
                    "kind": "service",
                    "models": str(sets["nllb"]),
                    "reps": 1,
                    "languages": ["en"],
                }
            )
        if scaling:
            plan.append(
                {
                    "name": "(c) scaling",
                    "kind": "service",
                    "models": str(sets["ct2"]),
                    "reps": 1,
                    "modes": ["article"],
                    "scales": [1, 2, 4],
                    "languages": ["en"],
                }
            )
    for item in plan:
        item.setdefault("modes", ["summary", "article"])
        item["quick"] = quick
        item["folders"] = {role: str(path) for role, path in folders.items()}
    return plan


LANGUAGE_TITLES = {
    "en": "English article (898 words, 41 segments)",
    "ko": "Korean article (the same story, 41 segments; pivot: ko→en of the whole article first)",
    "ja": "Japanese article (the same story, 41 segments; pivot: ja→en of the whole article first)",
}


def _row(name: str, mode: str, r: dict[str, Any], result: dict[str, Any]) -> str:
    return (
        f"| {name} | {mode} | {r['to_english_s']:.2f} | {r['summarise_s']:.2f} | {r['translate_s']:.2f} | "
        f"{r['first_result_s']:.2f} | **{r['total_s']:.2f}** | {r.get('cpu_s', 0):.1f} | {r['translated']} | "
        f"{translation_rate(r):.0f} | "
        f"{result['peak_rss_mb']:.0f} | {result['load_s']:.1f} |"
    )


#: A 1-minute load average above this (on 2 cores) means someone else used the machine during the run.
QUIET_LOAD = 3.0


def load_note(max_load: float | None) -> str:
    """What the load says about the wall times: the benchmark's own worker keeps ~2 cores busy."""
    if max_load is not None and max_load <= QUIET_LOAD:
        return (
            f"**The machine was quiet** (load at most {max_load:.1f}: the worker's own 2 threads), so the "
            "wall times are what this 2-core machine gives; each figure is the fastest repetition."
        )
    return (
        "**The machine is shared**: other people's jobs ran on its 2 cores during this run, so absolute "
        "times are inflated and noisy; the ratios between contenders measured in the same run are what "
        "count (each figure is the fastest repetition)."
    )


def format_report(results: list[dict], quick: bool, meta: dict[str, Any]) -> str:
    """RESULTS.md: machine and load, shapes, a table per input language, ratios, first result, RSS,
    NLLB, scaling, batch throughput and the targets."""
    title = "Benchmark (QUICK: reduced models and article, not comparable)" if quick else "Benchmark results"
    lines = [f"# {title}", ""]
    lines += [
        f"- Machine: {meta['cpu']}, {meta['cpus']} CPUs available ({meta['cores']} physical cores), "
        f"{meta['memory_gb']:.0f} GiB RAM; {meta['versions']}; Python {platform.python_version()}.",
        f"- Load average (1, 5, 15 min) before / after the run: {meta['load_before']} / {meta['load_after']}; "
        f"during the workers: {meta['load_during']}. " + load_note(meta.get("max_load")),
        f"- Models (random weights, real shapes; see `benchmarks/README.md`): {meta['models']}.",
        f"- Work: {meta['work']}.",
        "- Columns: times in seconds of wall clock; *first result* = the English summary exists; *CPU s* = "
        "CPU time of the worker process during the run, all threads (the load of other users does not "
        "inflate it much, so it says what the run costs: with 2 free cores the wall time would be between "
        "CPU s / 2 and CPU s); *tok/s* = tokens generated into Korean and Japanese per second of the "
        "translation stage.",
        f"- Run: `python benchmarks/bench.py{' --quick' if quick else ''}`, {meta['wall_s']:.0f} s in all, "
        f"{meta['date']}.",
        "",
    ]
    by_name: dict[tuple[str, str], tuple[dict, dict]] = {}  # (contender, lang:mode) -> (best run, result)
    for result in results:
        for key, runs in result.get("runs", {}).items():
            by_name[(result["name"], key)] = (best(runs), result)
    header = [
        "| contender | mode | to English s | summarise s | translate s | first result s | total s | CPU s | "
        "sentences translated | tok/s (ko+ja) | peak RSS MB | load s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    checks: list[tuple[str, bool, str]] = []
    for lang in LANGUAGES:
        rows = [(n, k) for (n, k) in by_name if k.split(":")[0] == lang and "@" not in k]
        if not rows:
            continue
        heading = LANGUAGE_TITLES[lang] if not quick else f"{lang} article, first 8 segments"
        lines += [f"## {heading}", "", *header]
        for name, key in rows:
            r, result = by_name[(name, key)]
            lines.append(_row(name, key.split(":")[1], r, result))
        lines.append("")
        for mode in ("summary", "article"):
            c = by_name.get(("(c) service", f"{lang}:{mode}"))
            a = by_name.get(("(a) naive", f"{lang}:{mode}"))
            b = by_name.get(("(b) batched", f"{lang}:{mode}"))
            if not c:
                continue
            tc, rate = c[0]["total_s"], translation_rate(c[0])
            parts = []
            for label, other in (("(a)", a), ("(b)", b)):
                if not other:
                    continue
                o = other[0]
                part = (
                    f"{label}/(c) = **{o['total_s'] / tc:.1f}×** whole run, "
                    f"{rate / max(translation_rate(o), 1e-9):.1f}× translation tok/s"
                )
                if lang != "en" and c[0]["to_english_s"]:
                    part += f", {o['to_english_s'] / c[0]['to_english_s']:.1f}× to English"
                if mode == "summary":
                    part += f", {o['first_result_s'] / c[0]['first_result_s']:.1f}× first result"
                parts.append(part)
                if mode == "article" and lang == "en":
                    target = 8 if label == "(a)" else 2
                    checks.append(
                        (
                            f"(c) whole English article run ≥ {target}× faster than {label}",
                            o["total_s"] / tc >= target,
                            f"{o['total_s'] / tc:.1f}×",
                        )
                    )
            if parts:
                lines.append(f"- {mode} mode: " + "; ".join(parts) + ".")
        lines.append("")
    c_en = {m: by_name.get(("(c) service", f"en:{m}")) for m in ("summary", "article")}
    if all(c_en.values()):
        lines += ["## Time to first result (the English summary on screen, service)", ""]
        lines += [
            "| input | mode | summary ready s | Korean ready s | Japanese ready s | total s |",
            "|---|---|---|---|---|---|",
        ]
        for lang in LANGUAGES:
            for mode in ("summary", "article"):
                found = by_name.get(("(c) service", f"{lang}:{mode}"))
                if found:
                    r = found[0]
                    ready = r["translation_ready_s"]
                    lines.append(
                        f"| {lang} | {mode} | **{r['first_result_s']:.2f}** | {ready['ko']:.2f} | {ready['ja']:.2f} | "
                        f"{r['total_s']:.2f} |"
                    )
        lines.append("")
    nllb = [(k, v) for (n, k), v in by_name.items() if n == "(c) nllb set"]
    if nllb:
        lines += [
            "## Second row: the `nllb` set (NLLB-200-distilled-600M for both targets)",
            "",
            "English article only (see `build.py`: the random NLLB model's English output is not a fair "
            "summariser input). Same work as (c): beam 4, 30 tokens per sentence.",
            "",
            *header,
        ]
        for key, (r, result) in nllb:
            lines.append(_row("(c) nllb set", key.split(":")[1], r, result))
        lines.append("")
    scaling = [(k, v) for (n, k), v in by_name.items() if n == "(c) scaling"]
    if scaling:
        lines += [
            "## Scaling (service, English article, article mode)",
            "",
            "| article | rows | summary passes | summarise s | translate s | total s | s per row |",
            "|---|---|---|---|---|---|---|",
        ]
        points = {}
        for key, (r, _result) in scaling:
            scale = int(key.split("@")[1][:-1]) if "@" in key else 1
            rows = r["translated"] // 2 - r["summary_sentences"]
            points[scale] = (rows, r["total_s"])
            lines.append(
                f"| {scale}× | {rows} | {r['summary_passes']} | {r['summarise_s']:.2f} | {r['translate_s']:.2f} | "
                f"{r['total_s']:.2f} | {r['total_s'] / rows:.3f} |"
            )
        if {1, 2, 4} <= set(points):
            (n1, t1), (n2, t2), (n4, t4) = points[1], points[2], points[4]
            early, late = (t2 - t1) / (n2 - n1), (t4 - t2) / (n4 - n2)
            lines += [
                "",
                f"Marginal cost per added row: {early:.3f} s from 1× to 2×, {late:.3f} s from 2× to 4× "
                f"(ratio {late / early:.2f}; 1.00 = a straight line). 4× the article takes {t4 / t1:.2f}× "
                "the time of 1×.",
            ]
        lines.append("")
    batch = next((r["batch"] for r in results if "batch" in r), None)
    if batch:
        n, wall, per = batch["articles"], batch["wall_s"], batch["per_article_s"]
        lines += [
            "## Batch path throughput",
            "",
            f"`python -m service run FOLDER --out DIR` on {n} different articles (English, Korean and "
            f"Japanese in turn, each one article long, summary mode; {n} to keep the run short on a shared "
            "machine): "
            f"{wall:.1f} s from the command's start, including process start and model loading (conversions "
            f"cached) = **{60 * n / wall:.1f} articles/minute**; the articles themselves took {sum(per):.1f} s "
            f"({min(per):.1f}-{max(per):.1f} s each) = **{60 * n / sum(per):.1f} articles/minute** once "
            "the models are loaded.",
            "",
        ]
    if not quick:
        c = {
            k: by_name.get(("(c) service", k))
            for k in ("en:summary", "en:article", "ko:summary", "ko:article", "ja:summary", "ja:article")
        }
        targets = [
            ("summary mode ≤ 3 s (English)", "en:summary", "total_s", 3.0),
            ("article mode ≤ 10 s (English)", "en:article", "total_s", 10.0),
            ("time to first result ≤ 2.5 s (English, summary mode)", "en:summary", "first_result_s", 2.5),
            ("Korean pivot, summary mode ≤ 6 s", "ko:summary", "total_s", 6.0),
            ("Korean pivot, article mode ≤ 15 s", "ko:article", "total_s", 15.0),
            ("Japanese pivot, summary mode ≤ 6 s", "ja:summary", "total_s", 6.0),
            ("Japanese pivot, article mode ≤ 15 s", "ja:article", "total_s", 15.0),
        ]
        for label, key, field, limit in targets:
            if c[key]:
                run = c[key][0]
                cost = f" (CPU {run['cpu_s']:.1f} s for the whole run)" if field == "total_s" else ""
                checks.append((label, run[field] <= limit, f"{run[field]:.2f} s{cost}"))
        rss = [r["peak_rss_mb"] for r in results if r["name"] == "(c) service"]
        if rss:
            checks.append(
                (
                    "peak RSS ≤ 2 GB (default set, largest of the (c) workers)",
                    max(rss) <= 2048,
                    f"{max(rss):.0f} MB",
                )
            )
        if checks:
            lines += [
                "## Targets (service (c), default set, as measured in this run)",
                "",
                "| target | measured | met |",
                "|---|---|---|",
            ]
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
    parser.add_argument("--no-nllb", action="store_true", help="skip the nllb set (its model is 2.4 GB)")
    parser.add_argument("--only", help="comma-separated contender names to run (debugging)")
    parser.add_argument(
        "--languages",
        help="input languages to run (default: en,ko,ja; with --quick en only, to stay under a minute: add ko for the pivot)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        cfg = json.loads(args.worker)
        worker = {"hf": worker_hf, "service": worker_service, "batch": worker_batch}[cfg["kind"]]
        result = worker(cfg)
        result["peak_rss_mb"] = peak_rss_mb()
        print("RESULT " + json.dumps(result), flush=True)
        return 0

    from build import SIZES, build_models

    from service.devtools.tiny import write_model_set

    wall = time.perf_counter()
    load_before = loadavg()
    variant = "quick" if args.quick else "full"
    if args.quick:
        print(
            "QUICK MODE: small models (256/384-dim, 3+3 layers, 8k vocabulary), the first 8 segments of each "
            "article, one repetition each; for real numbers run without --quick.",
            flush=True,
        )
    with_nllb = not (args.quick or args.no_nllb)
    folders = build_models(
        args.models_dir, variant, report=lambda line: print(line, flush=True), nllb=with_nllb
    )
    base = folders["summarise"].parent
    sets = {
        "ct2": write_model_set(
            base / "bench-ct2.toml", "bench-ct2", model_set_roles(folders, "ctranslate2"), "bench"
        ),
    }
    if with_nllb:
        sets["nllb"] = write_model_set(
            base / "bench-nllb.toml", "bench-nllb", model_set_roles(folders, "ctranslate2", "nllb"), "bench"
        )
    from service.engines.ct2_cache import prepare_model_set
    from service.models.sets import load_model_set

    for path in sets.values():
        prepare_model_set(load_model_set(path), report=lambda line: print(line, flush=True))

    wanted = (args.languages or ("en" if args.quick else ",".join(LANGUAGES))).split(",")
    languages = tuple(lang for lang in LANGUAGES if lang in wanted)
    plan = contenders(args.quick, sets, folders, scaling=not args.no_scaling, languages=languages)
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        plan = [item for item in plan if item["name"] in wanted or item["name"].split()[0] in wanted]
    results: list[dict] = []
    loads: list[float] = []
    out = args.out or (None if args.quick or args.only else HERE / "RESULTS.md")

    def report_now(done: int) -> str:
        """The report of what has run so far, written to `out` after every worker, so a run cut
        short on a busy machine still leaves its figures."""
        cpu, cpus, cores = cpu_description()
        shapes = SIZES[variant]

        def shape(name: str) -> str:
            d = shapes[name]
            layers = f"{d['layers'][0]}+{d['layers'][1]} layers"
            return f"{d['d_model']}-dim {layers} {d['heads']} heads FFN {d['ffn']} vocab {d['vocab']:,}"

        meta = {
            "cpu": cpu,
            "cpus": cpus,
            "cores": cores,
            "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
            "versions": versions(),
            "load_before": load_before,
            "load_after": loadavg(),
            "max_load": max(loads) if loads else None,
            "load_during": (
                f"1-minute average {min(loads):.1f}-{max(loads):.1f} after each worker" if loads else "n/a"
            ),
            "models": (
                f"summariser BART {shape('bart')} (distilbart-cnn-12-6); en-ko Marian {shape('marian-big')} "
                f"(opus-mt-tc-big-en-ko); en-ja, ko-en, ja-en Marian {shape('marian')} (fugumt-en-ja, "
                f"opus-mt-ko-en, opus-mt-ja-en)"
                + (f"; nllb set: M2M100 {shape('nllb')} (nllb-200-distilled-600M)" if with_nllb else "")
            ),
            "work": (
                f"beam 4 for every model as the sets say; {TRANSLATION_TOKENS} new tokens per translated "
                f"sentence, {SUMMARY_TOKENS} per summary pass; every worker with "
                f"{', '.join(f'{k}={v}' for k, v in WORKER_ENV.items())} (see `WORKER_ENV`); "
                + (
                    "first 8 segments of each article"
                    if args.quick
                    else "articles of 41 segments (898 English words)"
                )
            ),
            "wall_s": time.perf_counter() - wall,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }
        report = format_report(results, args.quick, meta)
        if done < len(plan):
            report = report.replace("\n", f"\n\n**Partial: {done} of {len(plan)} workers have run.**\n", 1)
        elif not args.quick:
            notes = (HERE / "NOTES.md").read_text(encoding="utf-8") if (HERE / "NOTES.md").is_file() else ""
            report = report + ("\n" + notes if notes else "")
        if out:
            out.write_text(report, encoding="utf-8")
        return report

    for done, item in enumerate(plan, 1):
        print(f"running {item['name']} {','.join(item.get('languages', []))} ...", flush=True)
        try:
            result = run_worker(item)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:  # one failed worker does not end the run
            print(f"  FAILED: {str(exc)[-1500:]}", flush=True)
            continue
        result["name"] = item["name"]
        results.append(result)
        loads.append(os.getloadavg()[0])
        summary = ", ".join(f"{key} {best(runs)['total_s']:.2f} s" for key, runs in result["runs"].items())
        if "batch" in result:
            summary = f"{result['batch']['articles']} articles in {result['batch']['wall_s']:.1f} s"
        print(f"  {summary}; peak RSS {result['peak_rss_mb']:.0f} MB", flush=True)
        report_now(done)
    print()
    print(report_now(len(plan)))
    if out:
        print(f"(written to {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
