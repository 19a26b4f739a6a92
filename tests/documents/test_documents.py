"""Document reading: encodings, formats, content sniffing, limits and the bad-input corpus.

Everything is generated under pytest's tmp_path; nothing here needs the network or shared data.
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pytest

from service import errors
from service.documents import SUPPORTED_EXTENSIONS, Document, read_document
from service.limits import Limits
from tests.bad_inputs import (
    CJK_FONT,
    EN_PARAGRAPHS,
    JA_PARAGRAPHS,
    KO_PARAGRAPHS,
    READER_RETURNS_TEXT,
    bad_input_cases,
    make_docx,
    make_encrypted_pdf,
    make_html,
    make_pdf,
)

LANGS = {"en": EN_PARAGRAPHS, "ko": KO_PARAGRAPHS, "ja": JA_PARAGRAPHS}
ERROR_NAMES = {"EmptyInput", "DocumentError", "InputTooLarge", "UnsupportedLanguage"}


def norm(text: str) -> str:
    """Whitespace-insensitive comparison: collapse runs of spaces, trim every line."""
    return "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in text.strip().split("\n"))


def paragraphs(text: str) -> list[str]:
    return [norm(p) for p in text.split("\n\n")]


# -- encodings ------------------------------------------------------------------------------------------

# Encoding reported for each written encoding: CP949/CP932 are the supersets of EUC-KR/Shift_JIS.
ENCODINGS = {
    "en": {"utf-8": {"utf-8"}, "utf-8-sig": {"utf-8-sig"}, "utf-16": {"utf-16-le"}},
    "ko": {
        "utf-8": {"utf-8"},
        "utf-8-sig": {"utf-8-sig"},
        "utf-16": {"utf-16-le"},
        "utf-16-be-bom": {"utf-16-be"},
        "euc_kr": {"cp949", "euc_kr"},
        "cp949": {"cp949"},
    },
    "ja": {
        "utf-8": {"utf-8"},
        "utf-8-sig": {"utf-8-sig"},
        "utf-16": {"utf-16-le"},
        "utf-16-be-bom": {"utf-16-be"},
        "shift_jis": {"cp932", "shift_jis"},
        "cp932": {"cp932"},
        "euc_jp": {"euc_jp"},
    },
}


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be")
    return text.encode(encoding)


@pytest.mark.parametrize(
    ("lang", "encoding"), [(lang, enc) for lang, encs in ENCODINGS.items() for enc in encs]
)
def test_text_round_trips_in_every_supported_encoding(tmp_path, lang, encoding):
    expected = "\n\n".join(LANGS[lang])
    path = tmp_path / f"{lang}-{encoding}.txt"
    path.write_bytes(encode(expected.replace("\n", "\r\n"), encoding))
    doc = read_document(path)
    assert doc.text == expected
    assert (doc.format, doc.name) == ("text", path.name)
    assert doc.encoding in ENCODINGS[lang][encoding]


SHORT_KO = [
    "안녕하세요.",
    "GPU가 빠르다.",
    "오늘 날씨가 좋습니다. 산책을 갑시다.",
    "회의는 오후 세 시에 시작합니다. 늦지 마세요. 자료는 미리 보내 드리겠습니다.",
    "똠방각하는 재미있는 소설이다.",
]
SHORT_JA = [
    "こんにちは。",
    "AIモデルの性能が向上した。",
    "今日は良い天気です。散歩に行きましょう。",
    "会議は午後三時に始まります。遅れないでください。資料は事前に送ります。",
    "新型コロナウイルスの感染者が増えた。",
]


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(t, e) for t in SHORT_KO for e in ("euc_kr", "cp949")]
    + [(t, e) for t in SHORT_JA for e in ("shift_jis", "cp932", "euc_jp")],
)
def test_short_legacy_cjk_texts_are_detected(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        pytest.skip(f"{encoding} cannot encode {text!r}")
    assert read_document(data, "short.txt").text == text


def test_bomless_utf16_with_spaces_is_read():
    text = "오늘 날씨가 좋다. 산책을 가자. Hello there."
    for codec in ("utf-16-le", "utf-16-be"):
        doc = read_document(text.encode(codec), "nobom.txt")
        assert (doc.text, doc.encoding) == (text, codec)


def test_html_meta_charset_is_used(tmp_path):
    body = "".join(f"<p>{p}</p>" for p in KO_PARAGRAPHS)
    html = f"<html><head><meta charset='euc-kr'></head><body>{body}</body></html>"
    doc = read_document(html.encode("euc_kr"), "ko.html")
    assert paragraphs(doc.text) == KO_PARAGRAPHS
    assert doc.encoding == "cp949"  # browsers read an "euc-kr" label as CP949, its superset


# -- formats --------------------------------------------------------------------------------------------


def markdown_source(heading: str, paras: list[str]) -> str:
    return f"# {heading}\n\n" + "\n\n".join(paras) + "\n"


@pytest.mark.parametrize("lang", list(LANGS))
@pytest.mark.parametrize("fmt", ["markdown", "html", "docx", "pdf"])
def test_formats_keep_paragraph_text_order_and_count(tmp_path, lang, fmt):
    paras = LANGS[lang]
    heading = {"en": "Battery news", "ko": "배터리 소식", "ja": "電池のニュース"}[lang]
    if fmt == "markdown":
        path, data, expected = "doc.md", markdown_source(heading, paras).encode(), [heading, *paras]
    elif fmt == "html":
        path, data, expected = "doc.html", make_html(paras, title=heading), [heading, *paras]
    elif fmt == "docx":
        path, data, expected = "doc.docx", make_docx(paras, heading=heading), [heading, *paras]
    else:
        if lang != "en" and not CJK_FONT.exists():
            pytest.skip("no CJK font to build CJK PDFs")
        font = CJK_FONT if lang != "en" else None
        path, data, expected = "doc.pdf", make_pdf(paras, font=font), list(paras)
    (tmp_path / path).write_bytes(data)
    doc = read_document(tmp_path / path)
    assert doc.format == fmt
    assert paragraphs(doc.text) == expected
    assert doc.encoding == (None if fmt in ("pdf", "docx") else "utf-8")


def test_html_drops_navigation_footer_and_scripts():
    doc = read_document(make_html(EN_PARAGRAPHS, title="Battery news"), "page.html")
    for boilerplate in (
        "Subscribe",
        "Login",
        "Copyright",
        "Privacy",
        "SCRIPT-SHOULD-NOT-APPEAR",
        "font-family",
    ):
        assert boilerplate not in doc.text


def test_html_fragment_falls_back_to_block_text_without_scripts():
    html = (
        b"<h2>Title</h2><p>Hello there.</p><script>var x = 'HIDDEN';</script><style>p {}</style>"
        b"<ul><li>One item</li><li>Two <b>items</b></li></ul>"
    )
    doc = read_document(html, "frag.html")
    assert (doc.format, paragraphs(doc.text)) == ("html", ["Title", "Hello there.", "One item", "Two items"])


def test_markdown_drops_urls_images_html_and_fence_markers():
    source = (
        "# Title\n\nRead [the report](https://example.com/report) now. ![chart](chart.png) "
        "<https://example.com/raw> and <b>bold</b> text.\nSecond source line.\n\n"
        "- first item\n- second item\n\n```python\nprint('hi')\n```\n\n<div>Kept <i>words</i></div>\n\n"
        "<script>var hidden = 1;</script>\n\n"
        "| Name | Value |\n|---|---|\n| a | 1 |\n"
    )
    doc = read_document(source.encode(), "notes.md")
    assert paragraphs(doc.text) == [
        "Title",
        "Read the report now. and bold text. Second source line.",
        "first item",
        "second item",
        "print('hi')",
        "Kept words",
        "Name | Value",
        "a | 1",
    ]


def test_docx_tables_stay_in_document_order():
    data = make_docx(EN_PARAGRAPHS, table=[["Cell A", "Cell B"], ["Cell C", "Cell D"]])
    doc = read_document(data, "table.docx")
    assert paragraphs(doc.text) == [
        EN_PARAGRAPHS[0],
        "Cell A | Cell B",
        "Cell C | Cell D",
        *EN_PARAGRAPHS[1:],
    ]


def pdf_from_lines(pages: list[list[str]]) -> bytes:
    """One line per cell, so the test controls where lines (and pages) break."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for number, lines in enumerate(pages, start=1):
        pdf.add_page()
        for line in lines:
            if line:
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.ln(6)
        pdf.set_y(-20)
        pdf.cell(0, 6, str(number), align="C")
    return bytes(pdf.output())


def test_pdf_lines_are_merged_dehyphenated_and_joined_across_pages():
    data = pdf_from_lines(
        [
            [
                "Researchers announced a breakthrough in battery technol-",
                "ogy on Monday, and the new cells store twice as much energy as",
                "current designs. They can be charged in fifteen minutes.",
                "",
                "The team said that the first vehicles using the batteries could",
                "reach the market within five years, although the cost of",
            ],
            ["production remains a concern for manufacturers.", "", "Critics remain cautious."],
        ]
    )
    doc = read_document(data, "wrapped.pdf")
    assert paragraphs(doc.text) == [
        "Researchers announced a breakthrough in battery technology on Monday, and the new cells store "
        "twice as much energy as current designs. They can be charged in fifteen minutes.",
        "The team said that the first vehicles using the batteries could reach the market within five "
        "years, although the cost of production remains a concern for manufacturers.",
        "Critics remain cautious.",
    ]


def test_pdf_encrypted_with_empty_user_password_is_read():
    pytest.importorskip("cryptography")  # pypdf needs it for AES
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(EN_PARAGRAPHS))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    assert paragraphs(read_document(out.getvalue(), "restricted.pdf").text) == EN_PARAGRAPHS


def test_pdf_with_a_password_is_refused_as_encrypted():
    with pytest.raises(errors.DocumentError, match=r"'locked\.pdf'.*encrypted"):
        read_document(make_encrypted_pdf(), "locked.pdf")


# -- content sniffing -----------------------------------------------------------------------------------

SNIFFING = [
    ("really_pdf.txt", lambda: make_pdf(EN_PARAGRAPHS), "pdf"),
    ("really_pdf.md", lambda: make_pdf(EN_PARAGRAPHS), "pdf"),
    ("really_text.pdf", lambda: "\n\n".join(EN_PARAGRAPHS).encode(), "text"),
    ("really_text.docx", lambda: "\n\n".join(EN_PARAGRAPHS).encode(), "text"),
    ("really_docx.md", lambda: make_docx(EN_PARAGRAPHS), "docx"),
    ("really_docx.txt", lambda: make_docx(EN_PARAGRAPHS), "docx"),
    ("no_extension", lambda: make_docx(EN_PARAGRAPHS), "docx"),
    ("really_html.docx", lambda: make_html(EN_PARAGRAPHS), "html"),
    ("really_html.txt", lambda: make_html(EN_PARAGRAPHS), "html"),
    ("really_html.md", lambda: make_html(EN_PARAGRAPHS), "html"),
    ("paragraph.txt", lambda: b"<p>" + EN_PARAGRAPHS[0].encode() + b"</p>", "html"),
    ("paragraph.md", lambda: b"<p>" + EN_PARAGRAPHS[0].encode() + b"</p>", "markdown"),
    ("page.md", lambda: make_html(EN_PARAGRAPHS), "html"),
    ("script.txt", lambda: b"Use <script>alert(1)</script> carefully in pages.", "text"),
    ("mentions_pdf.txt", lambda: b"A PDF file starts with %PDF-1.7 and ends with an EOF marker.", "text"),
    ("junk_before_header.txt", lambda: b"X-Mailer: gateway\r\n\r\n" + make_pdf(EN_PARAGRAPHS), "pdf"),
    ("notes.xyz", lambda: "\n\n".join(KO_PARAGRAPHS).encode("cp949"), "text"),
    (
        "utf16.html",
        lambda: "<html><body><p>안녕하세요. 반갑습니다.</p></body></html>".encode("utf-16"),
        "html",
    ),
]


@pytest.mark.parametrize(("name", "make", "fmt"), SNIFFING, ids=[s[0] for s in SNIFFING])
def test_format_follows_content_not_extension(name, make, fmt):
    doc = read_document(make(), name)
    assert doc.format == fmt
    assert any(ch.isalpha() for ch in doc.text)
    assert "<" not in doc.text or fmt == "text"


# -- cleaning -------------------------------------------------------------------------------------------


def test_cleaning_normalises_newlines_controls_and_surrogates():
    raw = "Line one\r\nline two\rline three\x00\x07\x1b\x7f\u0085four\n\n\n\n\nFive\u2028six \ufeff\t"
    padding = " More text follows here." * 6  # keeps the single NUL byte under 1% of the file
    data = raw.encode() + " broken \udc80 end.".encode("utf-8", "surrogatepass") + padding.encode()
    doc = read_document(data, "dirty.txt")
    assert doc.text == "Line one\nline two\nline three\nfour\n\nFive\nsix \t broken \ufffd end." + padding
    assert doc.encoding == "utf-8"


def test_three_or_more_newlines_collapse_to_one_blank_line():
    doc = read_document(b"First.\n\n\n\n\nSecond.\r\n\r\n\r\nThird.\n \n \nFourth.", "gaps.txt")
    assert doc.text == "First.\n\nSecond.\n\nThird.\n\nFourth."


def test_digits_are_text_for_the_reader_but_emoji_are_not():
    assert read_document(b"2024 42", "n.txt").text == "2024 42"
    with pytest.raises(errors.EmptyInput, match=r"'e\.txt'.*no text"):
        read_document("😀🎉 👍".encode(), "e.txt")


def test_reading_stops_past_max_chars():
    """The reader refuses what the pipeline would refuse, before the costly part (issue 9)."""
    text = "word " * 200
    with pytest.raises(errors.InputTooLarge, match=r"'long\.txt'.*max_chars=10\b"):
        read_document(text.encode(), "long.txt", Limits(max_chars=10))
    assert read_document(text.encode(), "long.txt", Limits(max_chars=len(text))).text == text.strip()


# -- limits and error messages --------------------------------------------------------------------------


def test_file_size_is_checked_by_stat_before_reading(tmp_path):
    path = tmp_path / "sparse.txt"
    with open(path, "wb") as handle:
        handle.truncate(64 * 1024**2)  # sparse where the file system allows it
    with pytest.raises(errors.InputTooLarge) as caught:
        read_document(path)
    message = str(caught.value)
    assert "'sparse.txt'" in message and "max_file_bytes=10,485,760" in message
    assert "67,108,864" in message  # the stat size: reading stops at the limit, so this proves the stat


def test_byte_sources_obey_max_file_bytes():
    with pytest.raises(errors.InputTooLarge, match=r"'small\.txt'.*101.*max_file_bytes=100"):
        read_document(b"a" * 101, "small.txt", Limits(max_file_bytes=100))
    assert read_document(b"a" * 100, "small.txt", Limits(max_file_bytes=100)).text == "a" * 100


def test_pdf_page_limit_names_the_limit_and_the_page_count():
    data = make_pdf(["Page text."], pages=3)
    with pytest.raises(errors.InputTooLarge) as caught:
        read_document(data, "pages.pdf", Limits(max_pdf_pages=2))
    message = str(caught.value)
    assert "'pages.pdf'" in message and "is 3," in message and "max_pdf_pages=2" in message
    assert read_document(data, "pages.pdf", Limits(max_pdf_pages=3)).text.count("Page text.") == 3


def test_docx_uncompressed_limit_names_the_limit():
    with pytest.raises(errors.InputTooLarge, match=r"'big\.docx'.*max_docx_uncompressed_bytes=1,000"):
        read_document(make_docx(EN_PARAGRAPHS), "big.docx", Limits(max_docx_uncompressed_bytes=1000))


def test_missing_file_and_directory_are_document_errors(tmp_path):
    with pytest.raises(errors.DocumentError, match=r"'missing\.txt'"):
        read_document(tmp_path / "missing.txt")
    with pytest.raises(errors.DocumentError, match=re.escape(repr(tmp_path.name))):
        read_document(tmp_path)


def test_name_is_the_base_name_and_overrides_the_path(tmp_path):
    assert read_document(b"Hello.", "C:\\Users\\kim\\report.txt").name == "report.txt"
    assert read_document(b"Hello.").name == ""
    path = tmp_path / "upload-1234.tmp"
    path.write_bytes(markdown_source("Title", ["Body text."]).encode())
    doc = read_document(path, name="notes.md")
    assert (doc.name, doc.format, doc.text) == ("notes.md", "markdown", "Title\n\nBody text.")


def test_unnamed_bytes_get_a_readable_label_in_errors():
    with pytest.raises(errors.EmptyInput, match="the input"):
        read_document(b"")


def test_public_api_shape():
    assert SUPPORTED_EXTENSIONS == (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
    doc = read_document(b"Hello.", "a.txt")
    assert isinstance(doc, Document)
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.text = "changed"  # type: ignore[misc]


# -- the bad-input corpus -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list]:
    folder = tmp_path_factory.mktemp("bad-inputs")
    return folder, bad_input_cases(folder)


def test_corpus_is_large_and_well_formed(corpus):
    folder, cases = corpus
    assert len(cases) >= 40
    assert len({c.name for c in cases}) == len(cases)
    assert len({c.filename for c in cases}) == len(cases)
    assert {c.expect for c in cases} <= {"ok"} | ERROR_NAMES
    assert all((folder / c.filename).read_bytes() == c.data for c in cases)
    assert all(hasattr(errors, c.expect) for c in cases if c.expect != "ok")


def reader_expectation(case) -> str:
    if case.expect == "UnsupportedLanguage" or case.name in READER_RETURNS_TEXT:
        return "ok"
    return case.expect


# Extra checks on what the reader returns for some readable cases.
CONTENT_CHECKS = {
    "script_in_html": lambda t: "EVIL-SCRIPT" not in t and "document.write" not in t,
    "script_in_text": lambda t: "<script>alert('hi')</script>" in t,
    "html_nav_boilerplate": lambda t: "Subscribe" not in t and "Copyright" not in t,
    "markdown_links_images_code": lambda t: (
        "https://" not in t and "Advertisement" not in t and "```" not in t
    ),
    "nul_bytes_in_text": lambda t: "\x00" not in t,
    "lone_surrogates": lambda t: "\ufffd" in t and not re.search("[\ud800-\udfff]", t),
    "control_characters": lambda t: not re.search("[\x00-\x08\x0b-\x1f\x7f]", t),
    "no_punctuation_5000": lambda t: len(t) == 5000,
    "docx_paragraphs": lambda t: "Cell A | Cell B" in t,
    "euc_kr_korean": lambda t: paragraphs(t) == KO_PARAGRAPHS,
    "shift_jis_japanese": lambda t: paragraphs(t) == JA_PARAGRAPHS,
    "euc_jp_japanese": lambda t: paragraphs(t) == JA_PARAGRAPHS,
    "utf16le_no_bom_korean": lambda t: paragraphs(t) == KO_PARAGRAPHS,
    "pdf_korean": lambda t: paragraphs(t) == KO_PARAGRAPHS,
    "pdf_japanese": lambda t: paragraphs(t) == JA_PARAGRAPHS,
    "german_cp1252": lambda t: "Grüße aus München" in t,
}


@pytest.mark.parametrize("as_bytes", [False, True], ids=["path", "bytes"])
def test_each_bad_input_behaves_as_expected_at_the_reader(corpus, as_bytes):
    folder, cases = corpus
    failures = []
    for case in cases:
        expected = reader_expectation(case)
        source = case.data if as_bytes else folder / case.filename
        try:
            doc = read_document(source, case.filename if as_bytes else None)
        except errors.ServiceError as exc:
            if type(exc).__name__ != expected:
                failures.append(f"{case.name}: expected {expected}, got {type(exc).__name__}: {exc}")
            elif repr(case.filename) not in str(exc):
                failures.append(f"{case.name}: message does not name the file: {exc}")
            continue
        if expected != "ok":
            failures.append(f"{case.name}: expected {expected}, got text {doc.text[:60]!r}")
        elif not any(ch.isalnum() for ch in doc.text):
            failures.append(f"{case.name}: no text")
        elif not CONTENT_CHECKS.get(case.name, lambda t: True)(doc.text):
            failures.append(f"{case.name}: unexpected text {doc.text[:80]!r}")
    assert not failures, "\n".join(failures)
