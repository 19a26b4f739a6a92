"""The page's handlers, called in-process (no server): outputs, files, errors, escaping, status."""

from __future__ import annotations

import json
import re
from pathlib import Path

import gradio as gr
import pytest
from docx import Document as DocxDocument

from service.settings import Settings
from service.web.backend import Backend
from service.web.gradio_ui import ALIGNED_HEADERS, Downloads, Handlers, build_demo, load_examples
from service.web.page_text import where

pytest.register_assert_rewrite("tests.server_fixtures")
from tests.server_fixtures import FORMATS, example_text, make_document, set_gradio_temp_dir  # noqa: E402

HANGUL = re.compile(r"[\uac00-\ud7a3]")
KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
GERMAN = "Die Stadt hat beschlossen, eine neue Straßenbahnlinie durch die östlichen Bezirke zu bauen."
XSS = '<script>window.__xss=1</script> <img src=x onerror="window.__xss=2">'


@pytest.fixture
def tmp_path(tmp_path_factory) -> Path:
    """A folder inside Gradio's upload folder: the handlers read only uploaded files (a path from
    anywhere else is refused, `service.web.guard.uploaded_path`), and these tests stand in for uploads."""
    import tempfile

    from gradio.utils import get_upload_folder

    set_gradio_temp_dir(tmp_path_factory)
    Path(get_upload_folder()).mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="upload-", dir=get_upload_folder()))


@pytest.fixture(scope="module")
def backend(pipeline) -> Backend:
    return Backend(pipeline)


@pytest.fixture(scope="module")
def handlers(backend, tmp_path_factory) -> Handlers:
    return Handlers(backend, downloads=Downloads(tmp_path_factory.mktemp("downloads"), keep=3))


def test_page_shows_three_languages_details_alignment_and_downloads(handlers):
    out = handlers.process_page(example_text("en-library"), None, "auto", "short", "summary")
    en, ko, ja, warnings, details, rows, article_box, a_en, a_ko, a_ja, json_btn, md_btn, docx_btn, *_ = out
    for value in (en, ko, ja):
        assert isinstance(value, str) and value.strip()
    assert "Source language: English (en)" in details
    assert "Models:" in details and "Time per stage:" in details
    assert warnings  # "No quality warnings." or the warnings themselves
    assert rows and all(len(row) == len(ALIGNED_HEADERS) for row in rows)
    assert all(isinstance(cell, str) for row in rows for cell in row)
    assert article_box["visible"] is False and a_en == a_ko == a_ja == ""
    saved = json.loads(Path(json_btn["value"]).read_text(encoding="utf-8"))
    assert saved["source_language"] == "en" and saved["translations"]["ko"] == ko
    assert saved["input"]["kind"] == "text"
    # The tiny models live in a temp folder: the page and its downloads name them, never the path.
    assert all("/" not in model for model in saved["models"].values()), saved["models"]
    assert "/" not in details.split("Models: ")[1].splitlines()[0]
    markdown = Path(md_btn["value"]).read_text(encoding="utf-8")
    assert markdown.startswith("# Summary and translations") and "## 한국어" in markdown
    table = DocxDocument(docx_btn["value"]).tables[0]
    assert [cell.text for cell in table.rows[0].cells] == ["English", "한국어", "日本語"]
    assert table.rows[1].cells[1].text == rows[0][2] and len(table.rows) == len(rows) + 1


def test_progress_names_each_stage(handlers, tmp_path):
    calls: list[tuple[float, str | None]] = []

    def progress(fraction, desc=None, **_):
        calls.append((fraction, desc))

    path = make_document(tmp_path, ".txt", example_text("ko-night-bus"))
    handlers.process_page("", str(path), "auto", "short", "summary", progress=progress)
    stages = [desc for _, desc in calls]
    assert stages[0] == "Reading the file" and stages[-1] == "Done"
    assert "Translating the article into English" in stages and "Summarising in English" in stages
    fractions = [fraction for fraction, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_article_mode_shows_the_full_article(handlers):
    out = handlers.process_page(example_text("ko-night-bus"), None, "auto", "short", "article")
    details, rows, article_box, a_en, a_ko, a_ja = out[4], out[5], out[6], out[7], out[8], out[9]
    assert "Source language: Korean (ko)" in details
    assert article_box["visible"] is True
    assert a_en.strip() and a_ja.strip()
    # The Korean column of a Korean article is the article itself.
    assert "심야버스" in a_ko
    assert len(rows) >= 4


@pytest.mark.parametrize(
    ("name", "language"), [("en-library", "en"), ("ko-night-bus", "ko"), ("ja-heavy-snow", "ja")]
)
def test_process_endpoint_returns_strings_and_details(handlers, name, language):
    summary, korean, japanese, details = handlers.process(
        example_text(name), None, "auto", "short", "summary"
    )
    assert all(isinstance(v, str) and v.strip() for v in (summary, korean, japanese))
    assert details["source_language"] == language
    assert details["translations"] == {"ko": korean, "ja": japanese}
    json.dumps(details)  # JSON-serialisable as it is


@pytest.mark.parametrize("extension", list(FORMATS))
def test_file_input_each_format(handlers, tmp_path, extension):
    path = make_document(tmp_path, extension)
    summary, korean, japanese, details = handlers.process("", str(path), "auto", "short", "summary")
    assert summary.strip() and korean.strip() and japanese.strip()
    assert (details["input"]["kind"], details["input"]["format"]) == ("file", FORMATS[extension])
    assert details["input"]["name"] == path.name
    assert details["source_language"] == "en"


def test_file_wins_over_text(handlers, tmp_path):
    path = make_document(tmp_path, ".docx", example_text("ja-heavy-snow"))
    *_, details = handlers.process(example_text("en-library"), str(path), "auto", "short", "summary")
    assert details["source_language"] == "ja" and details["input"]["format"] == "docx"


@pytest.mark.parametrize("text", ["", "   \n\t  ", None])
def test_empty_input_is_a_gradio_error(handlers, text):
    with pytest.raises(gr.Error, match="empty"):
        handlers.process_page(text, None, "auto", "medium", "summary")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (GERMAN, "Unsupported"),
        ("12345 67890 !!!", "no letters"),
    ],
)
def test_input_problems_are_gradio_errors_with_the_message(handlers, text, match):
    with pytest.raises(gr.Error, match=match) as caught:
        handlers.process(text, None, "auto", "medium", "summary")
    assert "Traceback" not in str(caught.value)


def test_unknown_option_is_a_gradio_error(handlers):
    with pytest.raises(gr.Error, match="Unknown length"):
        handlers.process("The council approved the plan on Tuesday.", None, "auto", "huge", "summary")


def test_unreadable_file_is_a_gradio_error_with_an_escaped_name(handlers, tmp_path):
    path = tmp_path / "<b onmouseover=alert(1)>empty.txt"
    path.write_bytes(b"")
    with pytest.raises(gr.Error) as caught:
        handlers.process("", str(path), "auto", "medium", "summary")
    message = str(caught.value)
    assert "&lt;b onmouseover=alert(1)&gt;empty.txt" in message and "<b" not in message


def test_markup_in_the_input_stays_plain_text(handlers):
    text = f"The council met on Tuesday. {XSS} It approved the new tram line for the eastern districts."
    out = handlers.process_page(text, None, "en", "short", "article")
    rows, article_en = out[5], out[7]
    english = " ".join(row[1] for row in rows)
    # Passed through as the literal characters (the components show text, never HTML).
    assert "<script>window.__xss=1</script>" in english and "<script>" in article_en
    assert "&lt;" not in english


def test_outputs_are_text_components_never_html(backend):
    demo = build_demo(backend)
    by_id = {c.elem_id: c for c in demo.blocks.values() if getattr(c, "elem_id", None)}
    outputs = ("out-en", "out-ko", "out-ja", "article-en", "article-ko", "article-ja", "warnings", "details")
    for elem_id in outputs:
        assert isinstance(by_id[elem_id], gr.Textbox), elem_id
        assert by_id[elem_id].interactive is False
    for elem_id in ("out-en", "out-ko", "out-ja"):
        assert by_id[elem_id].buttons == ["copy"]
    aligned = by_id["aligned"]
    assert isinstance(aligned, gr.Dataframe) and aligned.datatype == "str"
    # HTML only where page_text escapes every piece of text (tests/web/test_page_text.py).
    escaped = {
        "page-error",
        "glossary-error",
        "announce",
        "article-view",
        "char-count",
        "detected",
        "results-heading",
    }
    assert {c.elem_id for c in demo.blocks.values() if isinstance(c, gr.HTML)} <= escaped
    upload = by_id["upload"]
    assert set(upload.file_types) >= {".txt", ".md", ".html", ".pdf", ".docx"}


def test_client_endpoint_handlers(handlers):
    assert handlers.detect(example_text("ko-night-bus"))[0] == "ko"
    language, probability = handlers.detect(example_text("ja-heavy-snow"))
    assert language == "ja" and 0 < probability <= 1
    assert handlers.summarise(example_text("en-library"), "short").strip()
    assert handlers.summarise(example_text("ja-heavy-snow"), "short").strip()
    assert handlers.translate("The council approved the plan on Tuesday.", "ko", "auto").strip()
    assert handlers.translate("시의회는 화요일 계획을 승인했다.", "en", "ko").strip()
    same = "市議会は計画を承認した。"
    assert handlers.translate(same, "ja", "auto") == same
    with pytest.raises(gr.Error, match="Unknown target"):
        handlers.translate("Hello there, this is a test.", "de", "auto")
    with pytest.raises(gr.Error, match="empty"):
        handlers.detect("  ")


def test_examples_are_short_articles_in_three_languages():
    examples = load_examples()
    texts = " ".join(text for _, text in examples)
    assert len(examples) >= 3
    assert HANGUL.search(texts) and KANA_OR_KANJI.search(texts)


def test_missing_model_is_named_with_the_fix(tiny_dir, tmp_path):
    """A model that cannot be had: the app still works for the rest, says which one and how to fix."""
    toml = (tiny_dir / "models.toml").read_text(encoding="utf-8")
    toml = toml.replace('model = "./', f'model = "{tiny_dir}/')
    toml = re.sub(r'(\[roles\.en-ko\][^\[]*?model = )"[^"]*"', r'\1"example-org/no-such-model"', toml)
    (tmp_path / "models.toml").write_text(toml, encoding="utf-8")
    backend = Backend(models=tmp_path / "models.toml")
    backend.start_warm_up()
    assert backend.wait_warm_up(timeout=120)
    status = backend.status_line()
    assert "4 of 5 loaded" in status and "en-ko" in status and "models fetch" in status
    health = backend.health()
    assert health["ok"] is False and health["missing"] == ["en-ko"]
    assert health["models"]["summarise"]["state"] == "loaded"
    handlers = Handlers(backend)
    assert handlers.status()[1]["active"] is False  # the page stops polling
    with pytest.raises(gr.Error, match=r"no-such-model.*models fetch"):
        handlers.process(example_text("en-library"), None, "auto", "short", "summary")
    assert handlers.detect(example_text("en-library"))[0] == "en"  # needs no model


def test_bad_model_set_does_not_stop_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("SERVICE_MODELS", str(tmp_path / "missing.toml"))
    backend = Backend(settings=Settings.from_env())  # what create_app() does without arguments
    assert "missing.toml" in backend.status_line() and backend.health()["status"] == "misconfigured"
    with pytest.raises(gr.Error, match="Unknown model set"):
        Handlers(backend).process("The council approved the plan on Tuesday.", None)


def test_downloads_keep_only_recent_results(tmp_path, pipeline):
    downloads = Downloads(tmp_path, keep=2)
    result = pipeline.run("The council approved the new tram line on Tuesday.", length="short")
    paths = [downloads.write(result, result.to_dict()) for _ in range(4)]
    assert sum(1 for p in tmp_path.iterdir()) == 2
    assert all(Path(p).read_text(encoding="utf-8") for p in paths[-1])


# -- batches ---------------------------------------------------------------------------------------------


def batch_files(folder: Path) -> list[Path]:
    """Two good articles and three that fail for different reasons, in this order."""
    empty = folder / "empty.txt"
    empty.write_bytes(b"")
    broken = folder / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    german = folder / "german.md"
    german.write_text(GERMAN, encoding="utf-8")
    return [
        make_document(folder, ".docx", stem="tram"),
        empty,
        make_document(folder, ".txt", example_text("ko-night-bus"), stem="bus"),
        broken,
        german,
    ]


def test_batch_page_lists_every_file_and_offers_both_downloads(handlers, tmp_path):
    import zipfile

    files = batch_files(tmp_path)
    calls: list[tuple[float, str | None]] = []

    def progress(fraction, desc=None, **_):
        calls.append((fraction, desc))

    rows, summary, jsonl_btn, zip_btn, items = handlers.batch_page(
        [str(p) for p in files], "auto", "short", "summary", progress=progress
    )
    assert [row[0] for row in rows] == ["tram.docx", "empty.txt", "bus.txt", "broken.pdf", "german.md"]
    assert all(len(row) == 5 and all(isinstance(cell, str) for cell in row) for row in rows)
    assert [row[4] for row in rows] == ["tram.md", "FAILED.md", "bus.md", "FAILED.md", "FAILED.md"]
    assert [item.name for item in items] == [row[0] for row in rows]
    assert [row[1] for row in rows] == [
        "ok",
        "failed (empty_input)",
        "ok",
        "failed (bad_document)",
        "failed (unsupported_language)",
    ]
    assert [row[2] for row in rows] == ["en", "", "ko", "", ""]
    assert rows[0][3].strip() and rows[2][3].strip()  # the summaries
    assert "empty.txt" in rows[1][3] and "empty" in rows[1][3]  # the reasons
    assert "broken.pdf" in rows[3][3] and "Unsupported language" in rows[4][3]
    assert summary.startswith("2 of 5 file(s) processed; 3 failed: empty.txt, broken.pdf, german.md.")
    # Progress: one step per file, ending at 1.0.
    fractions = [fraction for fraction, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(calls) == len(files) + 1
    assert calls[-1][1] == "5 of 5 files processed (german.md: failed)"
    assert calls[1][1] == "1 of 5 files processed (tram.docx: done)"

    records = [json.loads(line) for line in Path(jsonl_btn["value"]).read_text(encoding="utf-8").splitlines()]
    assert [(r["file"], r["ok"]) for r in records] == [(row[0], row[1] == "ok") for row in rows]
    assert records[0]["result"]["source_language"] == "en" and records[2]["result"]["source_language"] == "ko"
    assert [r["error"] for r in records if not r["ok"]] == [
        "empty_input",
        "bad_document",
        "unsupported_language",
    ]
    assert all(r["message"] for r in records if not r["ok"])
    with zipfile.ZipFile(zip_btn["value"]) as archive:
        assert sorted(archive.namelist()) == ["FAILED.md", "bus.md", "tram.md"]
        failed = archive.read("FAILED.md").decode("utf-8")
        assert all(name in failed for name in ("empty.txt", "broken.pdf", "german.md"))
        assert archive.read("bus.md").decode("utf-8").startswith("# Summary and translations")


def test_batch_endpoint_returns_one_record_per_file(handlers, tmp_path):
    files = batch_files(tmp_path)
    records = handlers.batch([str(p) for p in files], "auto", "short", "article")
    assert [r["file"] for r in records] == [p.name for p in files]
    assert [r["ok"] for r in records] == [True, False, True, False, False]
    assert records[2]["result"]["mode"] == "article" and records[2]["result"]["article"]["ko"]
    json.dumps(records)


@pytest.mark.parametrize(
    ("files", "options", "match"),
    [
        ([], ("auto", "short", "summary"), "Nothing to process: upload one or more files"),
        (None, ("auto", "short", "summary"), "Nothing to process"),
        (None, ("auto", "short", "summary", "\n  \n"), "Nothing to process"),  # blank links box
        (None, ("auto", "short", "summary", 42), "links must be text, one link per line; got int"),
        (["a.txt"] * 51, ("auto", "short", "summary"), "max_batch_files=50.*SERVICE_MAX_BATCH_FILES"),
        (["a.txt"], ("auto", "huge", "summary"), "Unknown length"),
    ],
)
def test_batch_refusals_are_gradio_errors(handlers, tmp_path, files, options, match):
    files = [str(tmp_path / name) for name in files] if files else files  # as uploads would be
    with pytest.raises(gr.Error, match=match):
        handlers.batch_page(files, *options)


def test_batch_tab_has_a_typed_multi_file_upload(backend):
    demo = build_demo(backend)
    by_id = {c.elem_id: c for c in demo.blocks.values() if getattr(c, "elem_id", None)}
    upload = by_id["batch-upload"]
    assert isinstance(upload, gr.File) and upload.file_count == "multiple"
    assert set(upload.file_types) == {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
    assert "50 files" in upload.label
    table = by_id["batch-results"]
    assert isinstance(table, gr.Dataframe) and table.datatype == "str"
    assert isinstance(by_id["batch-download-jsonl"], gr.DownloadButton)
    assert isinstance(by_id["batch-download-zip"], gr.DownloadButton)


def test_rate_limit_applies_to_every_model_handler(pipeline):
    from service.web.access import Access

    backend = Backend(pipeline, access=Access.from_env({"SERVICE_RATE_LIMIT": "2/minute"}))
    handlers = Handlers(backend)
    assert handlers.detect("The council approved the plan on Tuesday.")[0] == "en"
    assert handlers.translate("The council approved the plan.", "ko", "en").strip()
    for call in (
        lambda: handlers.detect("The council approved the plan on Tuesday."),
        lambda: handlers.process("The council approved the plan on Tuesday.", None),
        lambda: handlers.batch_page([], "auto", "short", "summary"),
    ):
        with pytest.raises(gr.Error, match=r"Too many requests: .* Try again in \d+ s\.") as caught:
            call()
        assert caught.value.title == "Too many requests"


def test_empty_files_left_by_uploads_are_swept(tmp_path):
    import os
    import time

    from service.web.gradio_ui import sweep_upload_leftovers

    old = time.time() - 7200
    for name, data in (("tmpold", b""), ("tmpnew", b""), ("tmpfull", b"x"), ("keep.txt", b"")):
        (tmp_path / name).write_bytes(data)
        if name != "tmpnew":
            os.utime(tmp_path / name, (old, old))
    (tmp_path / "tmpdir").mkdir()
    assert sweep_upload_leftovers(tmp_path, age_s=3600) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt", "tmpdir", "tmpfull", "tmpnew"]
    assert sweep_upload_leftovers(tmp_path / "missing") == 0


def test_broken_looking_outputs_are_flagged_on_the_page(handlers, pipeline):
    """Random tiny models loop and mix scripts: the guard's flags must reach the reader, each named."""
    text = example_text("ko-night-bus")
    expected = pipeline.run(text, length="short").quality
    assert expected, "the tiny models' gibberish should trip the quality guard"
    warnings = handlers.process_page(text, None, "auto", "short", "summary")[3]
    for flag in expected:
        assert where(flag.field) in warnings
    shown = [f for f in expected if f.message in warnings]
    assert shown and len(shown) >= min(len(expected), 5)
