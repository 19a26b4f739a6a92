"""Corpus-scale batches on Ray: `python -m service run INPUTS… --out DIR --ray` (docs/cluster.md).

The same articles and the same results as the local batch (`service.batch`), spread over an actor
pool that holds one `Pipeline` per actor, written as resumable shards. Ray is an optional extra
(`pip install -e ".[cluster]"`) and is imported only when a run starts, so `import service` and
`import service.cluster` never need it.

- `items`: inputs (files, folders, JSONL manifests) → keyed work items;
- `store`: the output folder (atomic shards, resume, `summary.json`);
- `runner`: the Ray Data pipeline and `run_on_ray`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from service.cluster.items import WorkItem, collect_items
from service.cluster.runner import ClusterUnavailable, RunSummary, run_on_ray
from service.cluster.store import read_results

__all__ = [
    "ClusterUnavailable",
    "RunSummary",
    "WorkItem",
    "add_arguments",
    "collect_items",
    "read_results",
    "run_cluster_cli",
    "run_on_ray",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `run` command's cluster options."""
    group = parser.add_argument_group("cluster (--ray; needs the 'cluster' extra)")
    group.add_argument(
        "--ray",
        action="store_true",
        help="run the batch on Ray (with --out): inputs may also be JSONL manifests; reruns resume",
    )
    group.add_argument(
        "--ray-address", help="join this Ray cluster (default: $RAY_ADDRESS, else a local Ray)"
    )
    group.add_argument(
        "--actors", type=int, help="actors, each holding the models (default: CPUs / per actor)"
    )
    group.add_argument(
        "--cpus-per-actor", type=float, default=1, help="CPUs (and threads) per actor (default 1)"
    )
    group.add_argument("--batch-size", type=int, default=4, help="articles per actor call and per shard")
    group.add_argument("--markdown", action="store_true", help="also write each shard's articles as Markdown")
    group.add_argument(
        "--retry-failed",
        action="store_true",
        help="on a rerun, process the inputs that failed before again (default: keep their failures)",
    )


def run_cluster_cli(args: argparse.Namespace, models, options: dict, limits, engines) -> int:
    """`run --ray`: progress on a terminal, then the failures (or with `--json` the whole summary
    record, as in `summary.json`) on stdout, and counts and the throughput line on stderr."""
    from service.batch_files import EXIT_SOME_FAILED
    from service.errors import InputError

    if args.out is None:
        raise InputError("--ray writes its results into a folder: add --out DIR")
    if (args.actors is not None and args.actors < 1) or args.cpus_per_actor <= 0 or args.batch_size < 1:
        raise InputError("--actors, --cpus-per-actor and --batch-size must be positive")
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(unit="article", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.n = done
            bar.refresh()

    try:
        summary = run_on_ray(
            args.inputs,
            Path(args.out),
            models=models,
            options=options,
            limits=limits,
            engines=engines,
            actors=args.actors,
            cpus_per_actor=args.cpus_per_actor,
            address=args.ray_address,
            batch_size=args.batch_size,
            markdown=args.markdown,
            retry_failed=args.retry_failed,
            on_shard=progress,
        )
    finally:
        if bar is not None:
            bar.close()
    if args.json:  # the summary.json record itself, for scripts
        print(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        for failure in summary.failures:
            print(f"FAILED  {failure['id']}: {failure['message']}")
    print(
        f"{summary.ok} succeeded, {summary.failed} failed, {summary.skipped} already done; "
        f"{summary.shards} shard(s) and summary.json in {summary.out_dir}",
        file=sys.stderr,
    )
    print(summary.throughput_line(), file=sys.stderr)
    return EXIT_SOME_FAILED if summary.failed else 0
