"""The batch path on Ray Data: inputs → documents → one `Pipeline` per actor → shards on the driver.

    items (driver) ─ from_items ─▶ ArticleWorker (actor pool: read_documents, then Pipeline.run) ─▶ driver
                                                                                          └─ OutputStore

Ray is imported inside the functions only, so `import service` never needs it. The models load once
per actor (`ArticleWorker.__init__` builds the `Pipeline`; models load on the first article, as in the
local batch) and articles stream through; the driver writes each batch it receives as one atomic
shard, so an interrupted job loses at most the batches in flight.

Documents are read inside the actor, not in a separate stage of Ray tasks: with a read stage of
0.25 CPU per task, a local Ray of 2 CPUs whose 2 actors held both CPUs never scheduled a read task
and the job hung with no shard written after 14 minutes. Reading costs milliseconds against
seconds of models per article, so it gains nothing from its own stage.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from service.batch_files import BatchItem
from service.cluster.items import WorkItem, collect_items
from service.cluster.store import OutputStore, ShardRecord
from service.documents import read_document
from service.errors import InputError, ModelSetError, ModelUnavailable, ServiceError
from service.limits import Limits
from service.models.sets import load_model_set
from service.options import PipelineOptions

if TYPE_CHECKING:
    from service.settings import EngineSettings

log = logging.getLogger(__name__)

INSTALL_HINT = 'pip install -e ".[cluster]"  (or: pip install "ray[data]==2.60.0")'


#: Errors that would fail every article alike: an actor reports them and the driver stops the job.
#: (They travel as a column, not as a raised exception: Ray Data wraps a UDF's exception in
#: UserCodeException, and the service's own error did not survive that for the driver to show.)
FATAL: dict[str, type[ServiceError]] = {
    ModelUnavailable.code: ModelUnavailable,
    ModelSetError.code: ModelSetError,
}


class ClusterUnavailable(ServiceError):
    """`--ray` was asked for but Ray is not installed (or the cluster cannot be reached)."""

    code = "cluster_unavailable"
    title = "Cluster unavailable"
    exit_code = 3


@dataclass
class RunSummary:
    """What `summary.json` holds; counts cover the whole output folder, timings this run only."""

    out_dir: str
    inputs: int
    ok: int
    failed: int
    skipped: int
    processed: int
    seconds: float
    articles_per_minute: float
    actors: int
    cpus_per_actor: float
    address: str
    models: dict[str, str]
    options: dict
    shards: int
    failures: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def throughput_line(self) -> str:
        return (
            f"{self.processed} article(s) in {self.seconds:.1f} s: {self.articles_per_minute:.1f} "
            f"articles/min on {self.actors} actor(s) × {self.cpus_per_actor:g} CPU ({self.address})"
        )


def import_ray():
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ClusterUnavailable(f"--ray needs Ray, which is not installed: {INSTALL_HINT}") from exc
    return ray


# -- work (runs in the actors) ------------------------------------------------------------------------


def read_documents(batch: dict, limits: Limits) -> dict:
    """File items become text; a reader error becomes that item's failure (the local batch's rules)."""
    out = {k: list(batch[k]) for k in batch}
    for i, kind in enumerate(out["kind"]):
        if kind != "path":
            continue
        name = out["name"][i]
        try:
            out["value"][i] = read_document(Path(out["value"][i]), name=name, limits=limits).text
            out["kind"][i] = "text"
        except ServiceError as exc:
            out["kind"][i], out["error"][i], out["error_code"][i] = "error", str(exc), exc.code
        except OSError as exc:
            out["kind"][i], out["error_code"][i] = "error", "unreadable"
            out["error"][i] = f"Cannot read '{name}': {exc.strerror or exc}"
    return out


class ArticleWorker:
    """One actor: one `Pipeline`, reused for every batch the actor is given."""

    def __init__(
        self,
        models,
        limits: Limits,
        engines: EngineSettings | None,
        options: dict,
        threads: int,
        markdown: bool,
    ):
        import torch

        from service.pipeline import Pipeline
        from service.settings import EngineSettings

        threads = max(1, threads)
        torch.set_num_threads(threads)
        # Each model gets the actor's CPUs in one worker unless the settings say otherwise: the
        # per-role policy (summariser = every core of the machine, translators = 2 workers) assumes
        # one pipeline per machine and would oversubscribe a node running several actors.
        engines = engines or EngineSettings()
        engines = replace(
            engines,
            ct2_threads=engines.ct2_threads or threads,
            ct2_inter_threads=engines.ct2_inter_threads or 1,
        )
        self.pipeline = Pipeline(models=models, limits=limits, engines=engines)
        self.limits = limits
        self.options = options
        self.markdown = markdown

    def __call__(self, batch: dict) -> dict:
        batch = read_documents(batch, self.limits)
        out: dict[str, list] = {"key": [], "record": [], "markdown": [], "fatal": []}
        for i, key in enumerate(batch["key"]):
            fatal = ""
            item = BatchItem(name=str(batch["name"][i]))
            kind, value = str(batch["kind"][i]), str(batch["value"][i])
            try:
                if kind == "error":
                    item.error, item.error_code = str(batch["error"][i]), str(batch["error_code"][i])
                else:
                    options = {**self.options, **json.loads(str(batch["options"][i]))}
                    item.result = self._run(kind, value, options)
            except (ModelUnavailable, ModelSetError) as exc:
                # every article would fail the same way: the driver stops the job with this one error
                item.error, item.error_code, fatal = str(exc), exc.code, exc.code
            except ServiceError as exc:
                item.error, item.error_code = str(exc), exc.code
            except OSError as exc:
                item.error, item.error_code = (
                    f"Cannot read '{item.name}': {exc.strerror or exc}",
                    "unreadable",
                )
            except Exception:  # as in the local batch: a bug met by one article must not stop the job
                log.exception("Unexpected error on %r", item.name)
                item.error = f"Cannot process '{item.name}': an internal error occurred (the worker log has the details)."
                item.error_code = "internal_error"
            out["key"].append(str(key))
            out["record"].append(json.dumps({"id": str(key), **item.to_dict()}, ensure_ascii=False))
            out["markdown"].append(item.result.to_markdown() if self.markdown and item.result else "")
            out["fatal"].append(fatal)
        return out

    def _run(self, kind: str, value: str, options: dict):
        if kind == "url":
            run_url = getattr(self.pipeline, "run_url", None)
            if run_url is None:
                raise ServiceError("URL input not available in this version of the service")
            return run_url(value, **options)
        return self.pipeline.run(value, **options)


# -- driver -----------------------------------------------------------------------------------------------


def _connect(ray, address: str | None, num_cpus: int | None) -> tuple[bool, str]:
    """Join `address` (or `$RAY_ADDRESS`, read by Ray itself), else start a local Ray.

    Returns (whether this call started Ray and so must stop it, a description for the summary).
    """
    if ray.is_initialized():
        return False, "existing Ray session"
    quiet = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    try:
        if address or os.environ.get("RAY_ADDRESS"):
            ray.init(address=address, **quiet)
            return True, f"cluster {address or os.environ['RAY_ADDRESS']}"
        ray.init(num_cpus=num_cpus or os.cpu_count() or 1, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterUnavailable(f"Cannot start or join Ray ({address or 'local'}): {exc}") from exc
    return True, "local Ray"


def run_on_ray(
    inputs: Iterable[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    models=None,
    options: dict | None = None,
    limits: Limits | None = None,
    engines: EngineSettings | None = None,
    actors: int | None = None,
    cpus_per_actor: float = 1,
    address: str | None = None,
    num_cpus: int | None = None,
    batch_size: int = 4,
    markdown: bool = False,
    retry_failed: bool = False,
    on_shard: Callable[[int, int], None] | None = None,
) -> RunSummary:
    """Process files, folders and JSONL manifests on Ray into `out_dir`; resumes what is there.

    `actors` defaults to as many as the cluster's CPUs allow (`cpus_per_actor` each); `batch_size`
    articles go to an actor at a time and make one shard. A rerun skips every key already answered,
    failures included, unless `retry_failed` (a link that was down, a file mended in place): then
    failed keys run again and their new records win. `on_shard(written, total)` is called after
    each shard (progress). Returns the summary also written to `out_dir/summary.json`.
    """
    ray = import_ray()
    options = {**asdict(PipelineOptions()), **(options or {})}  # explicit defaults: one settings record
    limits = limits or Limits()
    model_set = load_model_set(models)  # a broken model set fails here, before any cluster starts
    settings = {"models": model_set.describe(), "options": options}
    store = OutputStore(out_dir, settings, retry_failed=retry_failed)
    try:
        items = collect_items(inputs)
        todo = [item for item in items if item.key not in store.done]
        started = time.perf_counter()
        if not todo:
            return _summarise(
                store,
                items,
                len(items),
                0,
                0.0,
                actors or 0,
                cpus_per_actor,
                "nothing to do",
                model_set.describe(),
                options,
            )
        started_ray, where = _connect(ray, address, num_cpus)
        try:
            cpus = ray.cluster_resources().get("CPU", 1)
            if actors is None:
                actors = max(1, int(cpus // cpus_per_actor))
            # a local Ray cannot grow: asking it for more than it has would wait forever
            if where == "local Ray" and actors * cpus_per_actor > cpus:
                raise InputError(
                    f"{actors} actor(s) × {cpus_per_actor:g} CPU need more than the {cpus:g} CPUs of this machine; "
                    "lower --actors or --cpus-per-actor"
                )
            _stream(
                ray,
                todo,
                store,
                model_set,
                limits,
                engines,
                options,
                actors,
                cpus_per_actor,
                batch_size,
                markdown,
                on_shard,
            )
        finally:
            if started_ray:
                ray.shutdown()
        seconds = time.perf_counter() - started
        return _summarise(
            store,
            items,
            len(items) - len(todo),
            len(todo),
            seconds,
            actors,
            cpus_per_actor,
            where,
            model_set.describe(),
            options,
        )
    finally:
        store.close()


def _stream(
    ray,
    todo: list[WorkItem],
    store: OutputStore,
    model_set,
    limits,
    engines,
    options,
    actors,
    cpus_per_actor,
    batch_size,
    markdown,
    on_shard,
) -> None:
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = sys.stderr.isatty()
    context.print_on_execution_start = False
    # One block per batch: a block goes to one actor, and its results come back when the block is
    # done. With fewer blocks (first len // batch_size), 6 articles made one block that one of two
    # actors processed alone while the other stood idle.
    dataset = ray.data.from_items(
        [item.to_row() for item in todo], override_num_blocks=-(-len(todo) // batch_size)
    ).map_batches(
        ArticleWorker,
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=cpus_per_actor,
        fn_constructor_kwargs={
            "models": model_set,
            "limits": limits,
            "engines": engines,
            "options": options,
            "threads": int(cpus_per_actor),
            "markdown": markdown,
        },
    )
    written = 0
    for batch in dataset.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=0):
        for code, record in zip(batch["fatal"], batch["record"], strict=True):
            if code:  # not written: a rerun after the fix processes these articles
                raise FATAL[str(code)](json.loads(str(record))["message"])
        records = [
            ShardRecord(str(k), json.loads(str(r)), str(m))
            for k, r, m in zip(batch["key"], batch["record"], batch["markdown"], strict=True)
        ]
        store.write_shard(records, markdown)
        written += len(records)
        if on_shard:
            on_shard(written, len(todo))


def _summarise(
    store: OutputStore,
    items: list[WorkItem],
    skipped: int,
    processed: int,
    seconds: float,
    actors: int,
    cpus_per_actor: float,
    where: str,
    models: dict,
    options: dict,
) -> RunSummary:
    wanted = {item.key for item in items}
    records = [record for key, record in store.latest().items() if key in wanted]
    failures = [
        {"id": r["id"], "file": r["file"], "error": r["error"], "message": r["message"]}
        for r in records
        if not r["ok"]
    ]
    summary = RunSummary(
        out_dir=str(store.out_dir),
        inputs=len(items),
        ok=len(records) - len(failures),
        failed=len(failures),
        skipped=skipped,
        processed=processed,
        seconds=round(seconds, 2),
        articles_per_minute=round(processed / seconds * 60, 2) if seconds > 0 else 0.0,
        actors=actors or 0,
        cpus_per_actor=cpus_per_actor,
        address=where,
        models=models,
        options=options,
        shards=len(store.shard_paths()),
        failures=failures,
    )
    store.write_summary(summary.to_dict())
    return summary
