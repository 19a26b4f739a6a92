"""Many files in, one result per file out; a failed file never stops the others.

Used by the CLI (`python -m service run A B C --out DIR`, or a folder; links such as
`https://…` may be mixed in, see `Link`) and by the web app's batch upload. Every file ends up
either with a result or with the reason it failed, and the whole batch
can be downloaded together: `results.jsonl` (one JSON object per file, failures included) and
`results.zip` (one Markdown file per article).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.batch_files import (  # noqa: F401 (re-exported: the batch's public names)
    EXIT_SOME_FAILED,
    BatchItem,
    Link,
    expand_inputs,
    is_link,
    markdown_names,
    write_jsonl,
    write_markdown_zip,
    write_outputs,
)
from service.documents import read_document
from service.errors import ModelSetError, ModelUnavailable, ServiceError
from service.fetching import WebDocument
from service.limits import Limits
from service.pipeline import Pipeline

if TYPE_CHECKING:
    from service.cluster import RunSummary

log = logging.getLogger(__name__)
#: Links of one batch fetched at once (`fetch_links`): a batch of slow sites waits a quarter as
#: long, and one batch never opens more than 4 connections.
FETCH_THREADS = 4


def run_batch(
    pipeline: Pipeline,
    files: Sequence[tuple[str, str | os.PathLike | bytes | Link | BatchItem]],
    options: dict[str, Any],
    limits: Limits | None = None,
    on_done: Callable[[BatchItem], None] | None = None,
) -> list[BatchItem]:
    """Process `(name, path-or-bytes)` pairs in order; input errors are recorded per file.

    A model that cannot be loaded or a broken model set fails every file the same way, so it stops
    the batch with that one clear error instead of repeating it per file.
    """
    limits = limits or pipeline.limits
    limits.check("max_batch_files", len(files), "The number of files in the batch")
    items = []
    for name, source in files:
        if isinstance(source, BatchItem):  # failed before the batch (a link `fetch_links` could not read)
            items.append(source)
            if on_done:
                on_done(source)
            continue
        item = BatchItem(name=name)
        try:
            if isinstance(source, Link):
                page = source.page or pipeline.read_url(source.url)
                item.result = pipeline.run(page.text, **options)
                item.result.source = page.source()
            else:
                document = read_document(source, name=name, limits=limits)
                item.result = pipeline.run(document.text, **options)
        except (ModelUnavailable, ModelSetError):
            raise
        except ServiceError as exc:
            item.error, item.error_code = str(exc), exc.code
        except OSError as exc:
            item.error, item.error_code = f"Cannot read '{name}': {exc.strerror or exc}", "unreadable"
        except Exception:  # a bug met by one file must not cost the others their results
            log.exception("Unexpected error on batch file %r", name)
            item.error = (
                f"Cannot process '{name}': an internal error occurred (the server log has the details)."
            )
            item.error_code = "internal_error"
        items.append(item)
        if on_done:
            on_done(item)
    return items


def fetch_links(
    read_url: Callable[[str], WebDocument], urls: Sequence[str], threads: int = FETCH_THREADS
) -> list[tuple[str, Link | BatchItem]]:
    """Each link fetched (a link given twice, once), `threads` at a time, in the order given:
    `(url, Link holding its page)`, or `(url, BatchItem with the reason)` when it cannot be read.
    `run_batch` takes both."""

    def fetch(url: str) -> Link | BatchItem:
        try:
            return Link(url, page=read_url(url))
        except ServiceError as exc:
            return BatchItem(name=url, error=str(exc), error_code=exc.code)
        except Exception:  # a bug met by one link must not cost the others their results
            log.exception("Unexpected error fetching batch link %r", url)
            message = f"Cannot read '{url}': an internal error occurred (the server log has the details)."
            return BatchItem(name=url, error=message, error_code="internal_error")

    unique = list(dict.fromkeys(urls))
    if not unique:
        return []
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="batch-fetch") as pool:
        fetched = dict(zip(unique, pool.map(fetch, unique), strict=True))
    # (a failure is an item of the batch: each occurrence gets its own)
    return [(url, replace(f) if isinstance(f := fetched[url], BatchItem) else f) for url in urls]


def run_batch_cli(
    pipeline: Pipeline, inputs: Sequence[str], out_dir: Path | None, options: dict[str, Any], as_json: bool
) -> int:
    from tqdm import tqdm

    files = expand_inputs(inputs)
    bar = tqdm(total=len(files), unit="file", disable=not sys.stderr.isatty(), file=sys.stderr)

    def done(item: BatchItem) -> None:
        bar.set_postfix_str(Path(item.name).name[:30])
        bar.update()

    pipeline.limits.check("max_batch_files", len(files), "The number of files in the batch")
    # Links first, four at a time (a batch of slow sites waits a quarter as long), then every item in order.
    pages = iter(fetch_links(pipeline.read_url, [str(p) for p in files if isinstance(p, Link)]))
    sources = [next(pages) if isinstance(p, Link) else (str(p), p) for p in files]
    try:
        items = run_batch(pipeline, sources, options, on_done=done)
    finally:
        bar.close()
    if out_dir is not None:
        jsonl, archive = write_outputs(items, out_dir)
        print(f"Wrote {jsonl} and {archive}", file=sys.stderr)
    if as_json:
        for item in items:
            print(json.dumps(item.to_dict(), ensure_ascii=False))
    ok = [i for i in items if i.result is not None]
    failed = [i for i in items if i.result is None]
    if not as_json:
        for item in ok:
            result = item.result
            assert result is not None
            print(f"ok      {item.name}: {result.source_language}, {len(result.segments)} segment(s)")
        for item in failed:
            print(f"FAILED  {item.name}: {item.error}")
    print(f"{len(ok)} succeeded, {len(failed)} failed", file=sys.stderr)
    return EXIT_SOME_FAILED if failed else 0


def run_on_ray(inputs: Iterable[str | os.PathLike], out_dir: str | os.PathLike, **options: Any) -> RunSummary:
    """The same batch on a Ray cluster (local Ray without an address), resumable: see
    `service.cluster.run_on_ray` for the options (models, actors, address, ...) and `docs/cluster.md`.
    Ray is an optional extra (`pip install -e ".[cluster]"`), imported only here."""
    from service.cluster import run_on_ray as run

    return run(inputs, out_dir, **options)
