"""`run --glossary FILE`: the names come out as the file says, and a bad file is a clear error."""

from __future__ import annotations

import json

from tests.test_cli import cli

pytest_plugins = ["tests.fakes"]

ARTICLE = "President Lee Jae-myung met reporters in Seoul on Monday.\nLee Jae-myung said exports rose 3% last year.\n"


def test_run_with_a_glossary_file(tmp_path, fake_models):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "names.tsv").write_text("en\tko\tja\nLee Jae-myung\t이재명\t李在明\n", encoding="utf-8")
    done = cli(
        "run", tmp_path / "a.txt", "--models", fake_models, "--glossary", tmp_path / "names.tsv", "--json"
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["segments"][0]["ko"] == "[en-ko] [summary] President 이재명 met reporters in Seoul on Monday."
    assert data["segments"][1]["ja"] == "[en-ja] 李在明 said exports rose 3% last year."
    assert {(g["language"], tuple(g["segments"])) for g in data["glossary"]} == {
        ("ko", (0, 1)),
        ("ja", (0, 1)),
    }
    assert data["segments"][1]["sources"][0] == {
        "paragraph": 1,
        "sentence": 0,
        "score": 1.0,
        "text": "Lee Jae-myung said exports rose 3% last year.",
    }


def test_a_bad_glossary_file_is_a_clear_error(tmp_path, fake_models):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "names.csv").write_text(
        "en,ko,ja\nLee Jae-myung,이재명,李在明\nLee Jae-myung,리재명,李在明\n", encoding="utf-8"
    )
    done = cli("run", tmp_path / "a.txt", "--models", fake_models, "--glossary", tmp_path / "names.csv")
    assert done.returncode == 2 and done.stdout == ""
    assert (
        "Glossary line 3, column 1 (en): duplicate term 'Lee Jae-myung', already given on line 2"
        in done.stderr
    )
    done = cli("run", tmp_path / "a.txt", "--models", fake_models, "--glossary", tmp_path / "missing.csv")
    assert done.returncode == 2 and "Cannot read the glossary missing.csv" in done.stderr
