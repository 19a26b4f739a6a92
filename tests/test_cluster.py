"""Corpus batches on Ray (service.cluster) against the local batch, on a local Ray of 2 CPUs.

The tiny set with greedy decoding (its cheapest settings) and one Ray session serve the module (starting Ray costs ~2 s, a run ~10-40 s on the tiny set). The
12 inputs mix good articles, bad files and a manifest with texts and bad lines; the tiny set is
deterministic, so every Ray result must equal the single-machine result for the same input, minus
timings. The interrupted run is a real `python -m service run --ray` killed with SIGKILL mid-job.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.cli import main as cli_main
from service.cluster import collect_items, read_results, run_on_ray
from service.errors import InputError
from tests.conftest import ARTICLE_EN, ARTICLE_JA, ARTICLE_KO

ROOT = Path(__file__).resolve().parents[1]

NEWS_PAGE_JA = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>市バス、深夜便を再開｜港町新聞</title></head>
<body><nav><a href="/">トップ</a> | <a href="/local">地域</a> | シェア: <a href="#">X</a> <a href="#">LINE</a></nav>
<article><h1>市バス、深夜便を２年ぶりに再開へ</h1>
<p class="byline">港町新聞 社会部　山田花子 ・ 2026年1月13日 19:09</p>
<figure><figcaption>写真：終点のフェリーターミナル（記者撮影）</figcaption></figure>
<p>市交通局は火曜日、東部地区を走る深夜バスを3月1日から再開すると発表した。運転手不足で運行を止めてから２年ぶりとなる。</p>
<p>４路線が午前０時から５時まで２０分おきに走り、フェリーターミナルと大学病院、環状道路の外側の新しい住宅地を結ぶ。</p>
<p>「夜に働く人たちが歩いて帰るしかなかった……それも今日で終わりです」と、再開を求めてきた市議は話した。</p>
<p>費用は年間約420万ドルで、市中心部の駐車許可証への上乗せでまかなう。運賃は昼間と同じ1.50ドルに据え置く。</p></article>
<footer>© 港町新聞　無断転載を禁じます</footer></body></html>"""

NEWS_MD_EN = """# Harbour bridge reopens after repairs

*By Min-ji Seo, city desk · Updated 14 Jan. 2026, 08:30*

The harbour bridge reopened to traffic on Wednesday after eleven months of repairs that cost about 86 million dollars.
Engineers replaced 1,240 steel cables and resurfaced the deck, the transport office said.
"It is safer than on the day it first opened," the chief engineer told reporters... and then laughed.
Buses will return to the bridge next week; cyclists get a protected lane for the first time.

Share this article: Facebook | X | Email
"""

FRENCH = (
    "Le conseil municipal a approuvé mardi un projet de nouvelle ligne de tramway reliant les quartiers "
    "de l'est au centre-ville. Le chantier coûtera environ 1,2 milliard de dollars et devrait s'achever "
    "en 2030, selon la mairie, qui promet des trajets deux fois plus courts pour les habitants."
)


@pytest.fixture(scope="module")
def ray_session():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    """7 files (4 articles, 3 bad) and a manifest of 5 lines (3 articles, 2 bad lines): 12 inputs."""
    root = tmp_path_factory.mktemp("corpus")
    folder = root / "articles"
    folder.mkdir()
    (folder / "tram-en.txt").write_text(ARTICLE_EN, encoding="utf-8")
    (folder / "tram-ko.txt").write_text(ARTICLE_KO, encoding="utf-8")
    (folder / "bus-ja.html").write_text(NEWS_PAGE_JA, encoding="utf-8")
    (folder / "bridge-en.md").write_text(NEWS_MD_EN, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n\x00\x01\x02 truncated before any object")
    (folder / "tram-fr.txt").write_text(FRENCH, encoding="utf-8")
    lines = [
        json.dumps({"id": "wire-ko-1", "text": ARTICLE_KO, "length": "short"}, ensure_ascii=False),
        json.dumps({"text": ARTICLE_JA}, ensure_ascii=False),
        json.dumps({"id": "wire-en-2", "path": "articles/tram-en.txt", "length": "long"}),
        '{"id": "wire-3", "text": "cut off in the middle',
        json.dumps({"id": "wire-4", "text": ARTICLE_EN, "colour": "red"}),
    ]
    manifest = root / "wire.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder, manifest


EXPECTED_FAILURES = {
    "empty.txt": "empty_input",
    "broken.pdf": "bad_document",
    "tram-fr.txt": "unsupported_language",
    "wire.jsonl:4": "bad_manifest",
    "wire-4": "bad_manifest",
}


def _without_timings(record: dict) -> dict:
    record = json.loads(json.dumps(record))
    record.pop("id", None)
    if record.get("result"):
        record["result"].pop("timings")
    return record


def _raw_ids(out: Path) -> list[str]:
    return [
        json.loads(line)["id"]
        for shard in sorted((out / "shards").glob("part-*.jsonl"))
        for line in shard.read_text(encoding="utf-8").splitlines()
    ]


@pytest.fixture(scope="module")
def ray_run(ray_session, corpus, tiny_greedy, tmp_path_factory):
    out = tmp_path_factory.mktemp("ray-out")
    summary = run_on_ray(list(corpus), out, models=tiny_greedy, actors=2, batch_size=2, markdown=True)
    return out, summary


def test_results_equal_the_local_batch_item_by_item(ray_run, corpus, tiny_greedy, tmp_path):
    from service import Pipeline

    pipeline = Pipeline(models=tiny_greedy)
    out, summary = ray_run
    folder, manifest = corpus
    local_out = tmp_path / "local"
    cli_main(["run", str(folder), "--out", str(local_out), "--models", str(tiny_greedy)])
    local = [json.loads(line) for line in (local_out / "results.jsonl").read_text().splitlines()]
    ray_results = read_results(out)

    assert len(local) == 7
    for record in local:  # every file: same outcome, same result
        assert _without_timings(ray_results[record["file"]]) == _without_timings(record)

    items = {item.key: item for item in collect_items([manifest])}
    for key in ("wire-ko-1", "wire-en-2", next(k for k in items if k.startswith("sha256:"))):
        item = items[key]
        text = item.value if item.kind == "text" else Path(item.value).read_text(encoding="utf-8")
        expected = pipeline.run(text, **item.options).to_dict()
        got = ray_results[key]
        assert got["ok"], got
        assert _without_timings({"result": got["result"]}) == _without_timings({"result": expected})
    # the manifest's options reached the run
    assert ray_results["wire-ko-1"]["result"]["length"] == "short"
    assert ray_results["wire-en-2"]["result"]["length"] == "long"
    assert summary.processed == 12 and summary.ok == 7 and summary.failed == 5


def test_every_input_written_once_and_failures_listed_with_reasons(ray_run):
    out, _ = ray_run
    ids = _raw_ids(out)
    assert len(ids) == len(set(ids)) == 12
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk["inputs"] == 12 and on_disk["ok"] == 7 and on_disk["failed"] == 5
    assert on_disk["actors"] == 2 and on_disk["articles_per_minute"] > 0
    codes = {Path(f["id"]).name: f["error"] for f in on_disk["failures"]}
    assert codes == EXPECTED_FAILURES
    messages = {Path(f["id"]).name: f["message"] for f in on_disk["failures"]}
    assert "empty.txt" in messages["empty.txt"]
    assert "not valid JSON" in messages["wire.jsonl:4"]
    assert "colour" in messages["wire-4"]
    # the Markdown of each shard holds its articles and names its failures
    import zipfile

    names = []
    for archive in (out / "shards").glob("part-*.zip"):
        with zipfile.ZipFile(archive) as z:
            names += z.namelist()
    assert sum(n != "FAILED.md" for n in names) == 7


def test_a_finished_output_is_not_processed_again(ray_run, corpus, tiny_greedy):
    out, _ = ray_run
    shards = sorted((out / "shards").glob("part-*"))
    summary = run_on_ray(list(corpus), out, models=tiny_greedy, actors=2, batch_size=2)
    assert (summary.skipped, summary.processed, summary.ok, summary.failed) == (12, 0, 7, 5)
    assert sorted((out / "shards").glob("part-*")) == shards


def test_json_prints_the_summary_record_on_stdout(ray_run, corpus, tiny_greedy, capsys):
    out, _ = ray_run
    args = ["run", *map(str, corpus), "--out", str(out), "--models", str(tiny_greedy)]
    code = cli_main([*args, "--ray", "--actors", "2", "--batch-size", "2", "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 4  # some inputs failed (in the earlier run)
    assert (printed["skipped"], printed["processed"], printed["ok"], printed["failed"]) == (12, 0, 7, 5)
    assert {Path(f["id"]).name: f["error"] for f in printed["failures"]} == EXPECTED_FAILURES
    assert printed == json.loads((out / "summary.json").read_text())


def test_retry_failed_runs_the_failures_again_and_their_new_records_win(ray_session, tiny_greedy, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "tram-en.txt").write_text(ARTICLE_EN, encoding="utf-8")
    (folder / "late.txt").write_bytes(b"")  # empty at first: a failure
    out = tmp_path / "out"
    first = run_on_ray([folder], out, models=tiny_greedy, actors=1)
    assert (first.ok, first.failed) == (1, 1)
    (folder / "late.txt").write_text(ARTICLE_KO, encoding="utf-8")  # mended in place

    kept = run_on_ray([folder], out, models=tiny_greedy, actors=1)  # a failure is an answer
    assert (kept.skipped, kept.processed, kept.ok, kept.failed) == (2, 0, 1, 1)

    retried = run_on_ray([folder], out, models=tiny_greedy, actors=1, retry_failed=True)
    assert (retried.skipped, retried.processed, retried.ok, retried.failed) == (1, 1, 2, 0)
    assert retried.failures == [] and json.loads((out / "summary.json").read_text())["failed"] == 0
    late = read_results(out)[str(folder / "late.txt")]
    assert late["ok"] and late["result"]["source_language"] == "ko"
    assert sorted(_raw_ids(out)).count(str(folder / "late.txt")) == 2  # the old failure stays on disk
    again = run_on_ray([folder], out, models=tiny_greedy, actors=1, retry_failed=True)
    assert (again.skipped, again.processed) == (2, 0)  # nothing failed is left to retry


def test_other_settings_cannot_resume_into_the_same_folder(ray_run, corpus, tiny_greedy):
    out, _ = ray_run
    with pytest.raises(InputError, match="other settings"):
        run_on_ray(list(corpus), out, models=tiny_greedy, options={"length": "short"})


def test_resume_after_a_killed_run_has_no_duplicates_and_no_gaps(
    ray_session, ray_run, corpus, tiny_greedy, tmp_path
):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "service", "run", *map(str, corpus), "--out", str(out)]
    command += ["--ray", "--models", str(tiny_greedy), "--actors", "1", "--batch-size", "1"]
    proc = subprocess.Popen(
        command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 240
        while len(list((out / "shards").glob("part-*.jsonl"))) < 3 and time.monotonic() < deadline:
            assert proc.poll() is None, "the run ended before it could be interrupted"
            time.sleep(0.1)
        assert proc.poll() is None
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and the local Ray it started
        proc.wait()
    before = {p.name: p.read_bytes() for p in (out / "shards").glob("part-*.jsonl")}
    done_before = _raw_ids(out)
    assert 3 <= len(done_before) < 12, done_before
    # a write cut short by the kill leaves at most a temporary file, never a shard
    (out / "shards" / ".part-killed-00009.jsonl.tmp").write_text('{"id": "half a rec', encoding="utf-8")

    summary = run_on_ray(list(corpus), out, models=tiny_greedy, actors=2, batch_size=2)

    assert summary.skipped == len(done_before) and summary.processed == 12 - len(done_before)
    ids = _raw_ids(out)
    assert len(ids) == len(set(ids)) == 12  # no duplicates, no gaps
    assert {
        p.name: p.read_bytes() for p in (out / "shards").glob("part-*.jsonl") if p.name in before
    } == before
    assert not list((out / "shards").glob(".*.tmp"))
    complete = read_results(ray_run[0])
    for key, record in read_results(out).items():
        assert _without_timings(record) == _without_timings(complete[key])


def test_manifest_items_keys_and_bad_lines(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE_EN, encoding="utf-8")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(
        "\n".join(
            [
                json.dumps({"id": "x", "path": "a.txt"}),
                json.dumps({"id": "x", "text": ARTICLE_EN}),
                json.dumps({"text": ARTICLE_EN}),
                json.dumps({"text": ARTICLE_EN, "length": "short"}),
                json.dumps({"id": "y", "text": ARTICLE_EN, "url": "https://example.com/a"}),
                json.dumps(["not", "an", "object"]),
                "",
            ]
        ),
        encoding="utf-8",
    )
    items = collect_items([manifest])
    assert [i.kind for i in items] == ["path", "error", "text", "text", "error", "error"]
    assert items[0].value == str(tmp_path / "a.txt")
    assert items[1].error_code == "duplicate_id" and "'x'" in items[1].error
    # the content key is stable from run to run and changes with the options
    assert items[2].key == collect_items([manifest])[2].key != items[3].key
    assert "exactly one" in items[4].error and "object" in items[5].error


def test_ray_missing_gives_an_install_hint(corpus, tiny_greedy, tmp_path):
    code = "import sys; sys.modules['ray'] = None; from service.cli import main; sys.exit(main(sys.argv[1:]))"
    args = ["run", str(corpus[0]), "--out", str(tmp_path / "o"), "--ray", "--models", str(tiny_greedy)]
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 3, proc.stderr
    assert 'needs Ray, which is not installed: pip install -e ".[cluster]"' in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_model_that_cannot_load_stops_the_job_with_its_own_message(ray_session, corpus, tiny_dir, tmp_path):
    from service.devtools.tiny import TINY_ROLES, write_model_set
    from service.errors import ModelUnavailable

    roles = {role: {"engine": "transformers", "model": f"./{family}"} for role, family in TINY_ROLES.items()}
    roles["summarise"]["model"] = str(tmp_path / "no-such-model")
    broken = write_model_set(tiny_dir / "models-broken.toml", "tiny-broken", roles, "a missing summariser")
    with pytest.raises(ModelUnavailable, match=r"no-such-model.*does not exist"):
        run_on_ray([corpus[0]], tmp_path / "out", models=broken, actors=1)


def test_more_actors_than_a_local_ray_has_cpus_is_refused(corpus, tiny_greedy, tmp_path):
    args = ["run", str(corpus[0]), "--out", str(tmp_path / "o"), "--ray", "--models", str(tiny_greedy)]
    proc = subprocess.run(
        [sys.executable, "-m", "service", *args, "--actors", "64"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"},
    )
    assert proc.returncode == 2, proc.stderr
    assert "64 actor(s) × 1 CPU need more than the" in proc.stderr and "lower --actors" in proc.stderr


def test_one_run_per_output_folder_at_a_time(tmp_path):
    from service.cluster.store import OutputStore

    first = OutputStore(tmp_path, {"models": {}, "options": {}})
    with pytest.raises(InputError, match="Another run is writing"):
        OutputStore(tmp_path, {"models": {}, "options": {}})
    first.close()
    OutputStore(tmp_path, {"models": {}, "options": {}}).close()


def test_links_in_a_manifest_go_through_the_url_reader(ray_session, tiny_greedy, tmp_path):
    manifest = tmp_path / "links.jsonl"
    manifest.write_text(json.dumps({"id": "local-page", "url": "http://127.0.0.1:9/news/1"}) + "\n")
    summary = run_on_ray([manifest], tmp_path / "out", models=tiny_greedy, actors=1)
    assert [(f["id"], f["error"]) for f in summary.failures] == [("local-page", "url_refused")]
    assert "127.0.0.1" in summary.failures[0]["message"]
