"""Every limit in `Limits` at its boundary: exactly the limit passes, one more is refused by name.

Each limit is exercised through the code that enforces it for users (the pipeline, the document
reader, the batch), not only through `Limits.check`, so an off-by-one anywhere on the way fails here.
A new field in `Limits` fails `test_every_limit_has_a_boundary_test` until it gets a case below.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import fields

import pytest

from service import Pipeline
from service.documents import read_document
from service.errors import InputTooLarge
from service.limits import Limits
from service.text.clean import clean_text
from tests.server_fixtures import make_document

pytest_plugins = ["tests.fakes"]

SENTENCE = "The new tram line will open in the spring of 2028, officials said on Tuesday. "


def refused(limit: str, value: int, limits: Limits):
    """`pytest.raises` for the message naming the limit, its value and the variable to change."""
    return pytest.raises(
        InputTooLarge,
        match=rf"is {value:,}, over the limit {limit}={getattr(limits, limit):,} .*SERVICE_{limit.upper()}",
    )


def boundary_max_chars(fake_models, tmp_path) -> None:
    text = (SENTENCE * 40).strip()
    size = len(clean_text(text))
    assert size == len(text)  # plain text: the cleaned length is the length a user sees
    at = Limits(max_chars=size)
    result = Pipeline(models=fake_models, limits=at).run(text, length="short")
    assert result.summary.startswith("[summary] ")
    below = Limits(max_chars=size - 1)
    with refused("max_chars", size, below):
        Pipeline(models=fake_models, limits=below).run(text, length="short")


def boundary_max_file_bytes(fake_models, tmp_path) -> None:
    data = (SENTENCE * 10).encode()
    path = tmp_path / "article.txt"
    path.write_bytes(data)
    at, below = Limits(max_file_bytes=len(data)), Limits(max_file_bytes=len(data) - 1)
    for source in (path, data):  # a path is checked before reading, bytes as they are
        assert read_document(source, "article.txt", at).text == data.decode().strip()
        with refused("max_file_bytes", len(data), below):
            read_document(source, "article.txt", below)


def boundary_max_pdf_pages(fake_models, tmp_path) -> None:
    from pypdf import PdfReader

    text = "Tram line approved\n" + "\n".join([SENTENCE * 8] * 20)
    path = make_document(tmp_path, ".pdf", text)
    pages = len(PdfReader(path).pages)
    assert pages >= 2
    assert "tram line" in read_document(path, limits=Limits(max_pdf_pages=pages)).text
    below = Limits(max_pdf_pages=pages - 1)
    with refused("max_pdf_pages", pages, below):
        read_document(path, limits=below)


def boundary_max_docx_uncompressed_bytes(fake_models, tmp_path) -> None:
    path = make_document(tmp_path, ".docx", "Tram line approved\n" + SENTENCE)
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        total = sum(entry.file_size for entry in archive.infolist())
    assert "tram line" in read_document(path, limits=Limits(max_docx_uncompressed_bytes=total)).text
    below = Limits(max_docx_uncompressed_bytes=total - 1)
    with refused("max_docx_uncompressed_bytes", total, below):
        read_document(path, limits=below)


def boundary_max_document_elements(fake_models, tmp_path) -> None:
    path = make_document(tmp_path, ".html", "Tram line approved\n" + SENTENCE + "\n" + SENTENCE)
    elements = path.read_bytes().count(b"<")  # the HTML reader's measure: every element opens with '<'
    assert "tram line" in read_document(path, limits=Limits(max_document_elements=elements)).text
    below = Limits(max_document_elements=elements - 1)
    with refused("max_document_elements", elements, below):
        read_document(path, limits=below)


def boundary_max_batch_files(fake_models, tmp_path) -> None:
    from service.web.access import Access
    from service.web.backend import Backend

    files = [(f"{i}.txt", SENTENCE.encode()) for i in range(4)]
    backend = Backend(Pipeline(models=fake_models, limits=Limits(max_batch_files=3)), access=Access())
    items = backend.run_batch(files[:3], length="short")
    assert [item.result is not None for item in items] == [True, True, True]
    with refused("max_batch_files", 4, backend.limits):
        backend.run_batch(files, length="short")


BOUNDARIES = {
    name.removeprefix("boundary_"): test for name, test in globals().items() if name.startswith("boundary_")
}


def test_every_limit_has_a_boundary_test():
    assert set(BOUNDARIES) == {f.name for f in fields(Limits)}


@pytest.mark.parametrize("limit", sorted(BOUNDARIES))
def test_exactly_the_limit_passes_and_one_more_is_refused(limit, fake_models, tmp_path):
    BOUNDARIES[limit](fake_models, tmp_path)


@pytest.mark.parametrize("name", [f.name for f in fields(Limits)])
def test_check_at_the_limit_and_one_over(name):
    limits = Limits(**{name: 7})
    limits.check(name, 7, "The thing")
    limits.check(name, 0, "The thing")
    with pytest.raises(
        InputTooLarge, match=rf"^The thing is 8, over the limit {name}=7 \(set SERVICE_{name.upper()} "
    ):
        limits.check(name, 8, "The thing")


@pytest.mark.parametrize("name", [f.name for f in fields(Limits)])
def test_each_limit_reads_its_own_variable(name):
    others = {f.name: getattr(Limits(), f.name) for f in fields(Limits) if f.name != name}
    limits = Limits.from_env({f"SERVICE_{name.upper()}": "1_234"})
    assert getattr(limits, name) == 1234
    assert {n: getattr(limits, n) for n in others} == others


def test_limits_come_from_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("SERVICE_MAX_BATCH_FILES", "3")
    monkeypatch.setenv("SERVICE_MAX_CHARS", "   ")  # blank: the default stays
    limits = Limits.from_env()
    assert limits.max_batch_files == 3 and limits.max_chars == Limits().max_chars


def test_digit_separators_are_accepted_anywhere_and_nonsense_is_named():
    assert Limits.from_env({"SERVICE_MAX_CHARS": "10__000_"}).max_chars == 10_000
    with pytest.raises(ValueError, match=r"^SERVICE_MAX_PDF_PAGES must be a whole number, got 'lots'$"):
        Limits.from_env({"SERVICE_MAX_PDF_PAGES": "lots"})
