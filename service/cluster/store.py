"""The output folder of a corpus run: atomic JSONL shards, the resume index and `summary.json`.

    OUT/run.json                     models and options the folder was started with
    OUT/shards/part-<run>-<n>.jsonl  one record per article, as in the local `results.jsonl`, plus "id"
    OUT/shards/part-<run>-<n>.zip    the same articles as Markdown (optional; the local batch's writer)
    OUT/summary.json                 counts, failures with reasons, throughput (rewritten by each run)

Each shard is written to a temporary name and renamed into place, so a shard is either complete or
absent: a run killed mid-write loses only the batch it was writing, and a rerun skips every key found
in a complete shard. The JSONL is renamed last; a zip without its JSONL is left over from a killed
run and is removed, as are temporary files.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from service.batch_files import BatchItem, write_markdown_zip
from service.errors import InputError

SHARDS = "shards"


class _Rendered:
    """A result already rendered to Markdown on the worker, shaped for `write_markdown_zip`."""

    def __init__(self, markdown: str):
        self._markdown = markdown

    def to_markdown(self) -> str:
        return self._markdown


@dataclass
class ShardRecord:
    key: str
    record: dict
    markdown: str = ""


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class OutputStore:
    """Shards of one output folder; `done` holds the keys already answered by any run.

    With `retry_failed`, a key whose latest record is a failure is not done: the run processes it
    again and writes a new record, which wins over the old one (`latest()`, `read_results`). Without
    it a failure is an answer like any other (an empty file stays empty)."""

    def __init__(self, out_dir: str | os.PathLike, settings: dict, retry_failed: bool = False):
        self.out_dir = Path(out_dir)
        self.shard_dir = self.out_dir / SHARDS
        self.shard_dir.mkdir(parents=True, exist_ok=True)
        self._lock = self._take_lock()
        try:
            self._check_settings(settings)
        except BaseException:
            self.close()
            raise
        self._remove_leftovers()
        self.done: set[str] = {
            key for key, record in self.latest().items() if record["ok"] or not retry_failed
        }
        # shards sort by run (the newest record of a key wins): local time as before, now to the
        # microsecond (an older folder's shards still sort first), and runs into one folder never
        # overlap (the lock)
        now = time.time()
        self.run_id = (
            time.strftime("%Y%m%dT%H%M%S", time.localtime(now)) + f".{int(now % 1 * 1e6):06d}-{os.getpid()}"
        )
        self._next = 0

    def _take_lock(self):
        """One run per folder at a time: two would both process what neither has written yet."""
        lock = (self.out_dir / ".lock").open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise InputError(
                f"Another run is writing into '{self.out_dir}'; wait for it or choose a new --out"
            ) from None
        return lock  # held until `close()` (or the end of the process)

    def close(self) -> None:
        """Let another run write into the folder."""
        self._lock.close()

    def _check_settings(self, settings: dict) -> None:
        """Results in one folder must come from one model set and one set of options."""
        path = self.out_dir / "run.json"
        if path.exists():
            before = json.loads(path.read_text(encoding="utf-8"))
            if before != settings:
                raise InputError(
                    f"'{self.out_dir}' holds results made with other settings ({before}); "
                    f"rerun with those settings to resume, or choose a new --out"
                )
        else:
            _atomic_write(path, json.dumps(settings, ensure_ascii=False, indent=2).encode())

    def _remove_leftovers(self) -> None:
        for path in self.shard_dir.iterdir():
            if (path.name.startswith(".") and path.name.endswith(".tmp")) or (
                path.suffix == ".zip" and not path.with_suffix(".jsonl").exists()
            ):
                path.unlink()

    def shard_paths(self) -> list[Path]:
        return sorted(self.shard_dir.glob("part-*.jsonl"))

    def latest(self) -> dict[str, dict]:
        """The newest record of every key (a retried failure has an older one)."""
        return read_results(self.out_dir)

    def write_shard(self, batch: Sequence[ShardRecord], markdown: bool) -> Path | None:
        """Write one batch as a shard (skipping keys already written); returns its JSONL path."""
        fresh = [r for r in batch if r.key not in self.done]
        if not fresh:
            return None
        self._next += 1
        path = self.shard_dir / f"part-{self.run_id}-{self._next:05d}.jsonl"
        if markdown:
            items = [_zip_item(r) for r in fresh]
            tmp = path.with_name(f".{path.stem}.zip.tmp")
            write_markdown_zip(items, tmp)
            os.replace(tmp, path.with_suffix(".zip"))
        lines = "".join(json.dumps(r.record, ensure_ascii=False) + "\n" for r in fresh)
        _atomic_write(path, lines.encode("utf-8"))
        self.done.update(r.key for r in fresh)
        return path

    def write_summary(self, summary: dict) -> Path:
        path = self.out_dir / "summary.json"
        _atomic_write(path, json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8"))
        return path


def _zip_item(record: ShardRecord) -> BatchItem:
    item = BatchItem(name=record.record["file"])
    if record.record["ok"]:
        item.result = _Rendered(record.markdown)  # type: ignore[assignment]
    else:
        item.error, item.error_code = record.record["message"], record.record["error"]
    return item


def read_results(out_dir: str | os.PathLike) -> dict[str, dict]:
    """The newest record of every key in an output folder (shards sort by run, oldest first)."""
    results: dict[str, dict] = {}
    for path in sorted((Path(out_dir) / SHARDS).glob("part-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                results[record["id"]] = record
    return results
