"""Evaluation harness: loading, failure isolation and the report, with a deterministic fake pipeline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from service.errors import InputError, ModelUnavailable
from service.evaluation.harness import evaluate
from service.evaluation.items import Item, load_items, normalise_task, task_from_filename
from service.evaluation.report import EvalReport

DATA = Path(__file__).resolve().parents[2] / "evaluation" / "data"


class FakePipeline:
    """Translates by looking the source up in a table (unknown text comes back unchanged), and fails
    on any text containing "FAIL". Records every call so tests can see how the harness batched."""

    def __init__(self, table: dict[str, str] | None = None, *, wrong_count: bool = False) -> None:
        self.table = table or {}
        self.wrong_count = wrong_count
        self.translate_calls: list[list[str]] = []
        self.summarise_calls: list[tuple[str, str]] = []

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        self.translate_calls.append(list(texts))
        if any("FAIL" in t for t in texts):
            raise RuntimeError("model crashed on this input")
        outputs = [self.table.get(t, t) for t in texts]
        return outputs[:-1] if self.wrong_count and len(texts) > 1 else outputs

    def summarise(self, text: str, length: str = "medium") -> str:
        self.summarise_calls.append((text, length))
        if "FAIL" in text:
            raise ValueError("summary failed")
        return self.table.get(text, text.split(". ")[0] + ".")

    def describe_models(self) -> dict[str, str]:
        return {"translate.en-ko": "fake/translator-v1", "summarise": "fake/summariser-v1"}


def _items(n: int, fail_at: tuple[int, ...] = ()) -> list[Item]:
    return [
        Item(
            f"Sentence number {i} FAIL." if i in fail_at else f"Sentence number {i}.",
            f"문장 {i}번.",
            line=i + 1,
        )
        for i in range(n)
    ]


def _table(items: list[Item]) -> dict[str, str]:
    return {item.source: item.reference for item in items}


# --- load_items -------------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_jsonl_and_infers_task_from_name(tmp_path: Path) -> None:
    rows = [
        {"source": "Hello.", "reference": "안녕하세요."},
        {"source": "Bye.", "reference": "안녕히 가세요."},
    ]
    path = _write(
        tmp_path, "news_en-ko.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n"
    )
    task, items = load_items(path)
    assert task == "en-ko"
    assert [(i.source, i.reference, i.line) for i in items] == [
        ("Hello.", "안녕하세요.", 1),
        ("Bye.", "안녕히 가세요.", 2),
    ]


def test_task_header_line_and_per_line_task(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "data.jsonl", '{"task": "ja-en"}\n{"source": "こんにちは。", "reference": "Hello."}\n'
    )
    assert load_items(path)[0] == "ja-en"
    path = _write(tmp_path, "data2.jsonl", '{"task": "summarize", "source": "A. B.", "reference": "A."}\n')
    assert load_items(path)[0] == "summarise"


def test_loads_tsv_with_and_without_header(tmp_path: Path) -> None:
    with_header = _write(tmp_path, "flores.en-ja.tsv", "source\treference\nHello.\tこんにちは。\n")
    task, items = load_items(with_header)
    assert task == "en-ja" and len(items) == 1 and items[0].line == 2
    without = _write(tmp_path, "pairs.tsv", "Hello.\tこんにちは。\nThanks.\tありがとう。\n")
    task, items = load_items(without, "en-ja")
    assert task == "en-ja" and [i.reference for i in items] == ["こんにちは。", "ありがとう。"]


@pytest.mark.parametrize(
    ("name", "content", "task", "message"),
    [
        ("en-ko.jsonl", "", None, "no items"),
        ("en-ko.tsv", "source\treference\n", None, "no items"),
        ("en-ko.jsonl", '{"source": "a", "reference": "b"}\n{"source": "a", "reference": \n', None, "line 2"),
        (
            "en-ko.jsonl",
            '{"source": "a", "reference": "b"}\n\n{"source": "a"}\n',
            None,
            'line 3: missing "reference"',
        ),
        ("en-ko.jsonl", '{"source": "", "reference": "b"}\n', None, "non-empty"),
        ("en-ko.jsonl", '["a", "b"]\n', None, "line 1: expected a JSON object"),
        ("en-ko.tsv", "a\tb\nc\td\te\n", None, "line 2: expected 2 tab-separated columns"),
        ("en-ko.tsv", "a\t\n", None, "line 1: source and reference must both be non-empty"),
        ("data.jsonl", '{"source": "a", "reference": "b"}\n', None, "cannot tell the task"),
        ("data.jsonl", '{"source": "a", "reference": "b"}\n', "en-fr", "unknown task"),
        ("data.jsonl", '{"task": "xx-yy", "source": "a", "reference": "b"}\n', None, "unknown task"),
        ("en-ko.jsonl", '{"task": "en-ja", "source": "a", "reference": "b"}\n', "en-ko", "the file says"),
        (
            "d.jsonl",
            '{"task": "en-ko", "source": "a", "reference": "b"}\n{"task": "en-ja", "source": "a", "reference": "b"}\n',
            None,
            "line 2: task",
        ),
    ],
)
def test_loader_errors(tmp_path: Path, name: str, content: str, task: str | None, message: str) -> None:
    path = _write(tmp_path, name, content)
    with pytest.raises(InputError, match=re.escape(message)):
        load_items(path, task)


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_items(tmp_path / "nope.jsonl")
    path = tmp_path / "en-ko.tsv"
    path.write_bytes("a\t\uc548\n".encode("euc-kr"))
    with pytest.raises(InputError, match="UTF-8"):
        load_items(path)


@pytest.mark.parametrize(
    ("name", "task"),
    [
        ("en-ko.jsonl", "en-ko"),
        ("flores200_devtest.en_ja.tsv", "en-ja"),
        ("KO-EN.jsonl", "ko-en"),
        ("summarise-en.jsonl", "summarise"),
        ("cnn_dailymail_summarize.jsonl", "summarise"),
        ("open-data.jsonl", None),  # "en" inside a word is not a language code
        ("en-ko_and_en-ja.tsv", None),  # ambiguous
    ],
)
def test_task_from_filename(name: str, task: str | None) -> None:
    assert task_from_filename(name) == task


def test_normalise_task() -> None:
    assert normalise_task(" Summarize ") == "summarise"
    assert normalise_task("EN_KO") == "en-ko"


# --- evaluate ---------------------------------------------------------------------------------------


def test_translation_report_fields() -> None:
    items = _items(5)
    report = evaluate(FakePipeline(_table(items)), "en-ko", items, progress=False, data="x.jsonl")
    assert isinstance(report, EvalReport)
    assert report.task == "en-ko" and report.n_items == 5 and report.n_failed == 0 and report.failures == []
    assert report.scores == pytest.approx({"BLEU": 100.0, "chrF2": 100.0})
    assert report.tokenization["BLEU"] in ("ko-mecab", "char")
    assert "chrF2" in report.tokenization and set(report.signatures) == {"BLEU", "chrF2"}
    assert report.models["summarise"] == "fake/summariser-v1"
    assert report.avg_output_chars == pytest.approx(sum(len(i.reference) for i in items) / 5)
    assert report.avg_output_tokens > 0 and report.avg_output_tokens == report.avg_reference_tokens
    assert report.seconds_total >= 0 and report.seconds_per_item == pytest.approx(report.seconds_total / 5)
    assert report.quality_flags == {} and report.data == "x.jsonl"
    json.dumps(report.to_dict())  # JSON-ready


def test_failed_item_is_isolated_and_listed() -> None:
    items = _items(10, fail_at=(3,))
    pipeline = FakePipeline(_table(items))
    report = evaluate(pipeline, "en-ko", items, progress=False, batch_size=4)
    assert report.n_failed == 1
    assert [(f.index, f.line) for f in report.failures] == [(3, 4)]
    assert report.failures[0].reason == "RuntimeError: model crashed on this input"
    # batches [0-3] (fails, then 4 single retries), [4-7], [8-9]
    assert [len(call) for call in pipeline.translate_calls] == [4, 1, 1, 1, 1, 4, 2]
    # the failed item is scored as an empty output, so scores drop below 100
    assert report.scores["BLEU"] < 100 and report.scores["chrF2"] < 100
    assert any("scored as empty" in note for note in report.notes)
    assert report.avg_output_chars == pytest.approx(sum(len(i.reference) for i in items if i.line != 4) / 9)


def test_wrong_output_count_is_retried_one_by_one() -> None:
    items = _items(3)
    report = evaluate(FakePipeline(_table(items), wrong_count=True), "en-ko", items, progress=False)
    assert report.n_failed == 0 and report.scores["BLEU"] == pytest.approx(100.0)


def test_configuration_errors_stop_the_run() -> None:
    class Missing(FakePipeline):
        def translate(self, texts, source, target):
            raise ModelUnavailable("model not downloaded", role="translate")

    with pytest.raises(ModelUnavailable):
        evaluate(Missing(), "en-ko", _items(3), progress=False)


def test_limit_and_bad_arguments() -> None:
    items = _items(10)
    report = evaluate(FakePipeline(_table(items)), "en-ko", items, limit=4, progress=False)
    assert report.n_items == 4 and report.limit == 4
    with pytest.raises(InputError, match="limit"):
        evaluate(FakePipeline(), "en-ko", items, limit=0, progress=False)
    with pytest.raises(InputError, match="unknown task"):
        evaluate(FakePipeline(), "en-de", items, progress=False)
    with pytest.raises(InputError, match="no items"):
        evaluate(FakePipeline(), "en-ko", [], progress=False)


def test_summarise_report_and_failure() -> None:
    article = "The council approved the plan. It will cost 5 million dollars. Work starts in May."
    items = [
        Item(article, "The council approved the plan.", line=1),
        Item("FAIL " + article, "The council approved the plan.", line=2),
    ]
    pipeline = FakePipeline()
    report = evaluate(pipeline, "summarise", items, progress=False, summary_length="short")
    assert set(report.scores) == {"rouge1", "rouge2", "rougeL", "rougeLsum"}
    assert report.scores["rouge1"] == pytest.approx(50.0)  # 100 for the good item, 0 for the failed one
    assert report.n_failed == 1 and report.failures[0].reason == "ValueError: summary failed"
    assert pipeline.summarise_calls[0] == (article, "short")
    assert "Porter" in report.tokenization["rouge1"]


def test_quality_flags_are_counted() -> None:
    items = [
        Item("The minister resigned on Friday after weeks of pressure from her party.", "장관은 사임했다.")
    ]
    pipeline = FakePipeline({items[0].source: "장관은 장관은 장관은 장관은 사임했다."})
    report = evaluate(pipeline, "en-ko", items, progress=False)
    assert report.quality_flags == {"repetition": 1}
    assert report.flagged[0]["index"] == 0 and report.flagged[0]["kind"] == "repetition"


def test_format_table_is_readable() -> None:
    items = _items(4, fail_at=(2,))
    report = evaluate(FakePipeline(_table(items)), "en-ko", items, progress=False, data="d.jsonl")
    table = report.format_table()
    for expected in (
        "en-ko",
        "d.jsonl",
        "fake/translator-v1",
        "BLEU",
        "chrF2",
        "Tokenisation",
        "4 (1 failed)",
        "item 2 (line 3): RuntimeError",
        "Time per item",
    ):
        assert expected in table
    bleu_line = next(line for line in table.splitlines() if line.startswith("BLEU"))
    chrf_line = next(line for line in table.splitlines() if line.startswith("chrF2"))
    assert bleu_line.index(report.tokenization["BLEU"]) == chrf_line.index("characters")  # aligned columns


def test_progress_flag_off_a_tty_does_not_break() -> None:
    items = _items(2)
    assert evaluate(FakePipeline(_table(items)), "en-ko", items, progress=True).n_items == 2


# --- shipped data -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "task", "minimum"),
    [("en-ko", "en-ko", 30), ("en-ja", "en-ja", 30), ("ko-en", "ko-en", 30), ("ja-en", "ja-en", 30)],
)
def test_shipped_translation_sets(name: str, task: str, minimum: int) -> None:
    loaded_task, items = load_items(DATA / f"{name}.jsonl")
    assert loaded_task == task and len(items) >= minimum
    assert len({i.source for i in items}) == len(items)  # no duplicates


def test_shipped_summarisation_set() -> None:
    task, items = load_items(DATA / "summarise-en.jsonl")
    assert task == "summarise" and len(items) >= 12
    for item in items:
        assert 150 <= len(item.source.split()) <= 350, item.id
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", item.reference.strip()) if s]
        assert 1 <= len(sentences) <= 3, item.id


def test_shipped_sets_run_through_the_harness() -> None:
    task, items = load_items(DATA / "ja-en.jsonl")
    report = evaluate(FakePipeline(_table(items)), task, items, progress=False)
    assert report.scores["BLEU"] == pytest.approx(100.0) and report.tokenization["BLEU"] == "13a"
