"""The command line as a user runs it, offline, on the tiny model set: in-process through
`service.cli.main` (fast), plus one real subprocess."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.cli import main
from tests.conftest import ARTICLE_EN, ARTICLE_JA, ARTICLE_KO

DATA = Path(__file__).resolve().parents[1] / "evaluation" / "data"


@dataclass
class Completed:
    """What a finished command left behind, shaped like `subprocess.CompletedProcess`."""

    returncode: int
    stdout: str
    stderr: str


def cli(*args, env_models=None, stdin=None, timeout=300):
    """Run `python -m service ARGS` in this process (`service.cli.main`), with its own environment
    (`SERVICE_MODELS` set or removed), standard input and captured output. In-process saves the
    interpreter and library start-up (~90 s over this file); `test_the_real_command_runs` keeps one
    real subprocess."""
    env = {"SERVICE_MODELS": str(env_models)} if env_models else {}
    saved = {name: os.environ.get(name) for name in ("SERVICE_MODELS",)}
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    try:
        os.environ.pop("SERVICE_MODELS", None)
        os.environ.update(env)
        sys.stdin = io.TextIOWrapper(io.BytesIO((stdin or "").encode("utf-8")), encoding="utf-8")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as exc:  # argparse: usage errors and --help
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.stdin = old_stdin
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return Completed(code, out.getvalue(), err.getvalue())


def cli_subprocess(*args, env_models=None, stdin=None, timeout=300):
    env = dict(os.environ)
    env.pop("SERVICE_MODELS", None)
    if env_models:
        env["SERVICE_MODELS"] = str(env_models)
    return subprocess.run(
        [sys.executable, "-m", "service", *map(str, args)],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=timeout,
    )


def test_the_real_command_runs(tmp_path, tiny_models):
    """One real `python -m service` process: the entry point, exit code and streams as a user sees them."""
    path = tmp_path / "en.txt"
    path.write_text(ARTICLE_EN, encoding="utf-8")
    proc = cli_subprocess("run", path, "--json", "--length", "short", env_models=tiny_models)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["source_language"] == "en"
    proc = cli_subprocess("run", tmp_path / "missing.txt", "--models", tiny_models)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_models_tiny_builds_a_loadable_set(tmp_path):
    out = tmp_path / "tiny"
    proc = cli("models", "tiny", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out / "models.toml")
    for family in ("bart", "marian", "nllb", "m2m100", "t5"):
        assert (out / family / "config.json").is_file()
    from service.models.sets import load_model_set

    assert load_model_set(out / "models.toml").spec("summarise").engine == "transformers"
    assert load_model_set(out / "models-extractive.toml").spec("summarise").engine == "extractive"


def test_run_json_for_three_languages_in_one_batch(tmp_path, tiny_models):
    files = []
    for name, text in (("en.txt", ARTICLE_EN), ("ko.txt", ARTICLE_KO), ("ja.txt", ARTICLE_JA)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        files.append(path)
    proc = cli("run", *files, "--json", "--length", "short", env_models=tiny_models)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["result"]["source_language"] for line in lines] == ["en", "ko", "ja"]
    for line in lines:
        assert set(line["result"]["translations"]) == {"ko", "ja"}
        assert line["result"]["segments"]


def test_run_single_file_prints_the_result_dict(tmp_path, tiny_models):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE_KO, encoding="utf-8")
    proc = cli("run", path, "--json", "--mode", "article", env_models=tiny_models)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {"source_language", "summary", "translations", "segments", "models", "timings"} <= set(data)
    assert data["source_language"] == "ko" and data["mode"] == "article"
    assert "ko-en" in data["models"]


def test_extractive_summary_from_stdin(tiny_extractive):
    proc = cli("run", "-", "--json", "--length", "short", env_models=tiny_extractive, stdin=ARTICLE_EN)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["models"]["summarise"] == "extractive"
    assert data["summary"].startswith("The city council approved on Tuesday")


def test_readable_output_and_clear_errors(tmp_path, tiny_models):
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE_EN, encoding="utf-8")
    proc = cli("run", good, "--models", tiny_models)
    assert proc.returncode == 0, proc.stderr
    assert "== English summary ==" in proc.stdout and "== 한국어 ==" in proc.stdout
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    proc = cli("run", empty, "--models", tiny_models)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    proc = cli("run", tmp_path / "missing.txt", "--models", tiny_models)
    assert proc.returncode == 2 and "missing.txt" in proc.stderr and "Traceback" not in proc.stderr


def test_batch_folder_lists_failures_and_writes_downloads(tmp_path, tiny_extractive):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE_EN, encoding="utf-8")
    (folder / "b.txt").write_bytes(ARTICLE_KO.encode("cp949"))
    (folder / "c.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "d.md").write_text("", encoding="utf-8")
    (folder / "e.txt").write_text(
        "Die Regierung hat am Montag eine neue Politik angekündigt.", encoding="utf-8"
    )
    out = tmp_path / "out"
    proc = cli("run", folder, "--out", out, env_models=tiny_extractive)
    assert proc.returncode == 4, proc.stderr
    assert "2 succeeded, 3 failed" in proc.stderr
    failed = [line for line in proc.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 3 and all(": " in line for line in failed)
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["ok"] for r in records] == [True, True, False, False, False]
    assert {r["error"] for r in records if not r["ok"]} == {
        "bad_document",
        "empty_input",
        "unsupported_language",
    }
    with zipfile.ZipFile(out / "results.zip") as archive:
        assert sorted(archive.namelist()) == ["FAILED.md", "a.md", "b.md"]


def test_fetch_without_network_says_so():
    proc = cli("models", "fetch", "default")
    assert proc.returncode == 3
    assert "HF_HUB_OFFLINE" in proc.stderr or "network" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [["run"], ["models"], ["nonsense"]])
def test_usage_errors(args):
    proc = cli(*args)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr


def test_evaluate_prints_a_table_and_json(tiny_models, capsys):
    """In-process (no subprocess start-up): the harness on the tiny set and the shipped smoke data."""
    from service.cli import main

    def evaluate(data: str, *extra: str) -> str:
        assert main(["evaluate", "--models", str(tiny_models), "--data", str(DATA / data), *extra]) == 0
        return capsys.readouterr().out

    table = evaluate("ja-en.jsonl", "--limit", "3")
    assert "BLEU" in table and "chrF" in table and "13a" in table
    report = json.loads(evaluate("summarise-en.jsonl", "--limit", "2", "--json"))
    assert report["task"] == "summarise" and report["n_items"] == 2
    assert {"rouge1", "rouge2", "rougeL"} <= set(report["scores"])
