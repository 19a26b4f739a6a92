"""Cold start of the default model set on CTranslate2: conversion time and peak memory at real shapes.

The `auto` engine converts each Hub model to CTranslate2 int8 the first time it loads it, into
`$SERVICE_CACHE_DIR/ctranslate2` (`service.engines.ctranslate2.convert_model`). A Space without
persistent storage does that again on every restart. This script measures, per model shape of the
default set, with random weights (no download needed):

- `convert`: seconds for `convert_model` (the service's own code path: HF load in fp32, int8
  quantization, write) and the peak resident memory of the process doing it;
- `load`: seconds to load the converted model into a `ctranslate2.Translator` (what a restart with
  a kept cache costs instead) and its peak memory;
- the size of the HF folder and of the conversion on disk.

Each measurement runs in a fresh Python process, so peak memory (`ru_maxrss`) belongs to that step
alone; `baseline_mb` is the same process's resident memory after its imports, before the step.

Shapes (published configs, see models.md):
- `distilbart`: `sshleifer/distilbart-cnn-12-6`, BART 1024-dim, 16 heads, FFN 4096, 12+6 layers,
  50,265 tokens (306 M parameters);
- `tc-big`: `Helsinki-NLP/opus-mt-tc-big-en-ko`, Marian transformer-big 1024-dim, 16 heads, FFN
  4096, 6+6 layers, separate 32k source and target vocabularies;
- `marian-base`: `opus-mt-ko-en`, `opus-mt-ja-en` and `staka/fugumt-en-ja` share this shape (512-dim,
  8 heads, FFN 2048, 6+6, 32k shared vocabulary): measured once, counted three times in the total.

    python benchmarks/coldstart.py                     # build (once) and measure, print JSON + table
    python benchmarks/coldstart.py --models-dir DIR    # where the random models are kept (~2.5 GB)

One run of each step: on a shared machine treat the seconds as indicative (see README, Deployment).
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
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (ROOT, HERE):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

#: Shape of each model of the default set; `count` is how many default-set models have that shape.
SHAPES: dict[str, dict[str, Any]] = {
    "distilbart": {"count": 1, "models": ["sshleifer/distilbart-cnn-12-6"]},
    "tc-big": {"count": 1, "models": ["Helsinki-NLP/opus-mt-tc-big-en-ko"]},
    "marian-base": {
        "count": 3,
        "models": ["staka/fugumt-en-ja", "Helsinki-NLP/opus-mt-ko-en", "Helsinki-NLP/opus-mt-ja-en"],
    },
}
RECIPE = 2


def build_all(models_dir: Path, variant: str = "full") -> dict[str, Path]:
    """The three shapes under `models_dir`, built once (random weights) and reused afterwards."""
    from build import SIZES, build_bart, build_into, build_marian, build_tc_big

    sizes = SIZES[variant]
    builders = {
        "distilbart": lambda out: build_bart(out, sizes["bart"]),
        "tc-big": lambda out: build_tc_big(out, sizes["marian-big"], "en", "ko"),
        "marian-base": lambda out: build_marian(out, sizes["marian"], "ko", "en"),
    }
    return build_into(models_dir / f"coldstart-{variant}-r{RECIPE}", builders)


def _status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    """Peak resident memory of this process image. Not `ru_maxrss`: Linux carries that over from the
    parent through fork and exec, so a child of a process that built a 1.9 GB model reports 1.9 GB."""
    return _status_mb("VmHWM")


def _folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def step(kind: str, folder: Path) -> dict[str, Any]:
    """One measurement in this (fresh) process: `convert` or `load`; the cache comes from the env."""
    import ctranslate2  # (imports count in the baseline, not in the step)
    import torch  # noqa: F401
    import transformers  # noqa: F401

    from service.engines.ct2_cache import cache_root, convert_model, resolve_source

    source = resolve_source(str(folder))
    baseline = _rss_mb()
    start = time.perf_counter()
    if kind == "convert":
        out = convert_model(source, "int8")
        result = {"out_mb": round(_folder_mb(out), 1)}
    else:
        out = next(p for p in cache_root().iterdir() if p.is_dir() and not p.name.startswith("."))
        translator = ctranslate2.Translator(str(out), device="cpu", compute_type="int8", intra_threads=2)
        result = {"loaded_rss_mb": round(_rss_mb(), 1)}
        del translator
    seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 2),
        "baseline_mb": round(baseline, 1),
        "peak_mb": round(_peak_mb(), 1),
    } | result


def run_step(kind: str, folder: Path, cache: Path) -> dict[str, Any]:
    env = dict(os.environ, SERVICE_CACHE_DIR=str(cache), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    done = subprocess.run(
        [sys.executable, __file__, "--step", kind, str(folder)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{kind} {folder} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(models_dir: Path, variant: str = "full") -> dict[str, Any]:
    folders = build_all(models_dir, variant)
    rows: dict[str, Any] = {}
    for name, folder in folders.items():
        with tempfile.TemporaryDirectory(prefix="coldstart-cache-") as cache:
            convert = run_step("convert", folder, Path(cache))
            load = run_step("load", folder, Path(cache))
        rows[name] = {
            **SHAPES[name],
            "hf_folder_mb": round(_folder_mb(folder), 1),
            "convert": convert,
            "load": load,
        }
        print(name, json.dumps(rows[name]), flush=True)
    total_convert = sum(r["convert"]["seconds"] * r["count"] for r in rows.values())
    total_load = sum(r["load"]["seconds"] * r["count"] for r in rows.values())
    return {
        "machine": {
            "python": platform.python_version(),
            "cpus_visible": len(os.sched_getaffinity(0)),
            "note": "one run of each step on a shared machine",
        },
        "shapes": rows,
        "default_set": {
            "convert_all_s": round(total_convert, 1),
            "load_all_converted_s": round(total_load, 1),
            "peak_convert_mb": max(r["convert"]["peak_mb"] for r in rows.values()),
            "int8_on_disk_mb": round(sum(r["convert"]["out_mb"] * r["count"] for r in rows.values()), 1),
        },
    }


def table(report: dict[str, Any]) -> str:
    lines = [
        "| shape (default-set models) | HF fp32 on disk | convert to int8 | peak RSS converting | int8 on disk | load converted | peak RSS loading |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in report["shapes"].items():
        c, lo = row["convert"], row["load"]
        lines.append(
            f"| {name} (x{row['count']}) | {row['hf_folder_mb'] / 1024:.2f} GB | {c['seconds']:.1f} s "
            f"| {c['peak_mb'] / 1024:.2f} GB | {c['out_mb']:.0f} MB | {lo['seconds']:.1f} s | {lo['peak_mb'] / 1024:.2f} GB |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--models-dir", type=Path, default=Path(tempfile.gettempdir()) / "bench-models")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--quick", action="store_true", help="small models of the same families (a check)")
    parser.add_argument("--step", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(args.step[0], Path(args.step[1]))))
        return
    report = measure(args.models_dir, "quick" if args.quick else "full")
    print(json.dumps(report, indent=2))
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
