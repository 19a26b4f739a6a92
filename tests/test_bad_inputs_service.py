"""Every case of the bad-input corpus (tests/bad_inputs.py) through the whole service, twice:

(a) the Python API: `read_document` + `Pipeline.run` per case, and all files at once through
    `service.batch.run_batch`;
(b) the live web app through the real `gradio_client` (`/process` with the file uploaded).

Each case gets its expected outcome: a result ("ok"), or a clear error of the expected kind (the
service error class in Python; over the web an `AppError` titled for that kind, carrying the same
specific message). Over the web, two checks come before the handler and also count as clear errors:
the client refuses a file over `max_file_size` before uploading it, and the server refuses a file
whose extension is not one the upload accepts (`Invalid file type ...`, listing them). After every
case, a normal request still succeeds. Models: tiny translators with extractive summaries (fast).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from service import errors
from service.batch import run_batch
from service.documents import SUPPORTED_EXTENSIONS, read_document
from tests.bad_inputs import bad_input_cases

pytest_plugins = ["tests.server_fixtures"]
pytestmark = [
    pytest.mark.server,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]

# The corpus is built once, at collection, so that each case is a test of its own (about 2 s).
_FOLDER = Path(tempfile.mkdtemp(prefix="bad-inputs-"))
atexit.register(shutil.rmtree, _FOLDER, True)
CASES = {case.name: case for case in bad_input_cases(_FOLDER)}
NORMAL = "The city council approved a new tram line on Tuesday. Construction starts next spring."


def expected_class(name: str) -> type[errors.ServiceError] | None:
    expect = CASES[name].expect
    return None if expect == "ok" else getattr(errors, expect)


def python_outcome(pipeline, name: str):
    """(result, None) or (None, the ServiceError) for one case through the Python API."""
    case = CASES[name]
    try:
        document = read_document(_FOLDER / case.filename, limits=pipeline.limits)
        return pipeline.run(document.text, length="short"), None
    except errors.ServiceError as exc:
        return None, exc


def assert_specific(message: str) -> None:
    """A sentence that says what is wrong: not a bare 'Error', no traceback, no exception repr."""
    assert len(message) > 25 and message.strip() not in ("Error", "Error raised.")
    assert "Traceback" not in message and "Exception" not in message and "\n  File " not in message


def test_the_corpus_is_complete():
    assert len(CASES) >= 65
    assert {c.expect for c in CASES.values()} >= {"ok", "EmptyInput", "InputTooLarge", "DocumentError"}


# -- (a) the Python API -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_python_api(pipeline_extractive, name):
    result, error = python_outcome(pipeline_extractive, name)
    kind = expected_class(name)
    if kind is None:
        assert error is None, f"{name}: {type(error).__name__}: {error}"
        assert result.summary.strip() and result.source_language in ("en", "ko", "ja")
        assert result.translations["ko"].strip() and result.translations["ja"].strip()
    else:
        assert type(error) is kind, f"{name}: expected {kind.__name__}, got {error!r}"
        assert_specific(str(error))
    assert pipeline_extractive.run(NORMAL, length="short").summary.strip()


def test_python_batch_lists_every_file_with_its_outcome(pipeline_extractive):
    files = [(case.filename, _FOLDER / case.filename) for case in CASES.values()]
    assert len(files) <= pipeline_extractive.limits.max_batch_files * 2
    items = []
    for start in range(0, len(files), pipeline_extractive.limits.max_batch_files):
        chunk = files[start : start + pipeline_extractive.limits.max_batch_files]
        items += run_batch(pipeline_extractive, chunk, {"length": "short"})
    assert [item.name for item in items] == [case.filename for case in CASES.values()]
    for case, item in zip(CASES.values(), items, strict=True):
        kind = expected_class(case.name)
        if kind is None:
            assert item.result is not None, f"{case.name}: {item.error}"
        else:
            assert item.result is None and item.error_code == kind.code, (case.name, item.error_code)
            assert_specific(item.error)
            record = item.to_dict()
            assert record["ok"] is False and record["message"] == item.error


# -- (b) the web app through gradio_client -------------------------------------------------------------


@pytest.fixture(scope="module")
def client(live_server_extractive) -> Client:
    return Client(live_server_extractive.url, verbose=False)


def refused_before_the_handler(name: str, max_file_bytes: int) -> str | None:
    """Why the upload itself is refused ('size' or 'type'), or None when the handler sees the file."""
    case = CASES[name]
    if len(case.data) > max_file_bytes:
        return "size"
    if not any(case.filename.lower().endswith(ext) for ext in SUPPORTED_EXTENSIONS):
        return "type"
    return None


@pytest.mark.parametrize("name", list(CASES))
def test_gradio_client(client, live_server_extractive, pipeline_extractive, name):
    case = CASES[name]
    path = str(_FOLDER / case.filename)
    refused = refused_before_the_handler(name, live_server_extractive.backend.limits.max_file_bytes)
    if refused == "size":
        with pytest.raises(ValueError, match="exceeds the maximum file size") as caught:
            client.predict("", handle_file(path), "auto", "short", "summary", api_name="/process")
        assert_specific(str(caught.value))
    elif refused == "type":
        with pytest.raises(AppError, match=r"Invalid file type.*\.txt.*\.docx") as caught:
            client.predict("", handle_file(path), "auto", "short", "summary", api_name="/process")
        assert_specific(str(caught.value))
    elif (kind := expected_class(name)) is None:
        summary, korean, japanese, details = client.predict(
            "", handle_file(path), "auto", "short", "summary", api_name="/process"
        )
        assert summary.strip() and korean.strip() and japanese.strip()
        # Gradio stores an upload under its own name, prefixing Windows device names ('nul.txt') with '_'.
        assert details["input"]["name"] in (case.filename, "_" + case.filename)
        assert details["source_language"] in ("en", "ko", "ja")
    else:
        with pytest.raises(AppError) as caught:
            client.predict("", handle_file(path), "auto", "short", "summary", api_name="/process")
        error = caught.value
        assert error.title == kind.title, f"{name}: {error.title}: {error}"
        # The same specific message the Python API gives (toasts escape < and >).
        _, expected = python_outcome(pipeline_extractive, name)
        assert str(error) == str(expected).replace("<", "&lt;").replace(">", "&gt;")
        assert_specific(str(error))
    summary, *_ = client.predict(NORMAL, None, "auto", "short", "summary", api_name="/process")
    assert summary.strip()
