"""A corpus of awkward and hostile inputs, generated at test time so no binary files are committed.

`bad_input_cases` is shared by the reader tests, the pipeline tests and the web tests, so `expect` is the
outcome through the WHOLE service: "ok" (readable English/Korean/Japanese text comes out) or the name of
the `service.errors` class the service must raise. The document reader alone decides only some of these:
it returns text for the cases named in `READER_RETURNS_TEXT` and for every "UnsupportedLanguage" case,
which the pipeline rejects later.

Decisions recorded here (see also service/documents/):

* A few stray NUL bytes in otherwise normal text are stripped ("ok"); NUL runs or more than 1% NULs
  make the file binary ("DocumentError").
* UTF-8 that encodes lone surrogates (written with 'surrogatepass') is read as UTF-8 and each surrogate
  becomes U+FFFD ("ok").
* Digits count as text for the reader, but a text with no letters at all is "EmptyInput" for the service.
* Emoji are not letters: emoji-only text is "EmptyInput".

The builders (`make_pdf`, `make_docx`, ...) are public so other tests can make well-formed documents.
"""

from __future__ import annotations

import gzip
import io
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from service.limits import Limits

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

#: Cases whose text the reader returns although the whole service rejects them.
READER_RETURNS_TEXT = frozenset({"numbers_only"})

EN_PARAGRAPHS = [
    "Researchers announced a breakthrough in battery technology on Monday. The new cells store twice "
    "as much energy as current designs and can be charged in less than fifteen minutes.",
    "The team said the first vehicles using the batteries could reach the market within five years, "
    "although the cost of production remains a concern for manufacturers.",
    "Critics remain cautious.",
]
KO_PARAGRAPHS = [
    "서울은 한국의 수도입니다. 인구가 많고 교통이 편리하며, 매년 많은 관광객이 이 도시를 찾아옵니다.",
    "정부는 내년 예산안을 발표했다. 경제 성장률이 둔화되고 있다는 우려가 커지고 있다.",
    "회의는 오후 세 시에 시작합니다.",
]
JA_PARAGRAPHS = [
    "東京は日本の首都です。人口が多く、交通が便利で、毎年多くの観光客がこの街を訪れます。",
    "政府は来年度の予算案を発表した。経済成長率が鈍化しているとの懸念が高まっている。",
    "会議は午後三時に始まります。",
]


@dataclass
class Case:
    name: str
    filename: str
    data: bytes
    expect: str


# --------------------------------------------------------------------------------------------------
# Builders


def make_pdf(paragraphs: list[str], font: Path | None = None, pages: int = 1) -> bytes:
    """A text-layer PDF with one multi_cell per paragraph and a gap between paragraphs."""
    from fpdf import FPDF

    pdf = FPDF()
    if font is not None:
        pdf.add_font("cjk", fname=str(font))
        pdf.set_font("cjk", size=11)
    else:
        pdf.set_font("Helvetica", size=11)
    for _ in range(pages):
        pdf.add_page()
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(5)
    return bytes(pdf.output())


def make_image_only_pdf() -> bytes:
    """A 'scanned' page: drawings and no text operators at all."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(40, 40, 40)
    for row in range(20):
        pdf.rect(20, 20 + row * 12, 170 - row * 3, 6, style="F")
    return bytes(pdf.output())


def make_encrypted_pdf(user_password: str = "secret") -> bytes:
    """RC4 keeps this free of the optional 'cryptography' dependency."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(EN_PARAGRAPHS))))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(
    paragraphs: list[str], table: list[list[str]] | None = None, heading: str | None = None
) -> bytes:
    import docx

    document = docx.Document()
    if heading:
        document.add_heading(heading, level=1)
    for index, paragraph in enumerate(paragraphs):
        document.add_paragraph(paragraph)
        if table and index == 0:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, value in enumerate(row):
                    grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rezip(docx_bytes: bytes, replace: dict[str, bytes] | None = None, extra_zero_bytes: int = 0) -> bytes:
    """Copy a DOCX, replacing entries and optionally adding a highly compressible padding entry."""
    replace = replace or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx_bytes)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        if extra_zero_bytes:
            with target.open("word/media/padding.bin", "w") as handle:
                chunk = b"\0" * (1 << 20)
                for _ in range(extra_zero_bytes // len(chunk)):
                    handle.write(chunk)
                handle.write(b"\0" * (extra_zero_bytes % len(chunk)))
    return out.getvalue()


def docx_bomb_in_document_xml(size: int) -> bytes:
    """document.xml itself inflates past the limit: a valid body padded with whitespace."""
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>Boom.</w:t></w:r></w:p>"
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(make_docx(["x"]))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as t,
    ):
        for info in source.infolist():
            if info.filename != "word/document.xml":
                t.writestr(info.filename, source.read(info.filename))
        with t.open("word/document.xml", "w", force_zip64=True) as handle:
            handle.write(body.encode())
            chunk = b" " * (1 << 20)
            for _ in range(size // len(chunk) + 1):
                handle.write(chunk)
            handle.write(b"</w:body></w:document>")
    return out.getvalue()


def make_png() -> bytes:
    """A valid 1x1 PNG, built by hand so the corpus needs no imaging library."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def make_html(paragraphs: list[str], title: str = "Article") -> bytes:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Site</title>"
        "<style>body { font-family: sans-serif }</style>"
        "<script>var tracking = 'SCRIPT-SHOULD-NOT-APPEAR';</script></head><body>"
        "<nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li><li>Sports</li>"
        "<li>Subscribe now</li></ul></nav>"
        f"<header><div class='menu'>Login | Register | Newsletter</div></header>"
        f"<main><article><h1>{title}</h1>\n{body}</article></main>"
        "<footer><p>Copyright 2024 Example News. All rights reserved.</p><p>Privacy policy</p></footer>"
        "</body></html>"
    ).encode()


# --------------------------------------------------------------------------------------------------
# The corpus


def bad_input_cases(tmp_dir: Path) -> list[Case]:
    """Build every case and also write it to `tmp_dir / case.filename` (file names are unique)."""
    rng = random.Random(20240601)
    limits = Limits()
    en = "\n\n".join(EN_PARAGRAPHS)
    ko = "\n\n".join(KO_PARAGRAPHS)
    ja = "\n\n".join(JA_PARAGRAPHS)
    pdf_en = make_pdf(EN_PARAGRAPHS)
    docx_en = make_docx(EN_PARAGRAPHS, heading="Battery news")
    sentence = b"The quick brown fox jumps over the lazy dog. "
    words = "river mountain people city morning light water story garden music window paper".split()
    no_punct = " ".join(rng.choice(words) for _ in range(1200))[:5000]

    cases = [
        # Empty and near-empty
        Case("empty", "empty.txt", b"", "EmptyInput"),
        Case("whitespace_only", "whitespace.txt", b" \n\t\r\n   \n\n\t ", "EmptyInput"),
        Case("empty_pdf", "empty.pdf", b"", "EmptyInput"),
        Case("empty_docx_file", "empty.docx", b"", "EmptyInput"),
        Case("docx_without_text", "blank.docx", make_docx(["", "   "]), "EmptyInput"),
        Case(
            "html_scripts_only",
            "scripts.html",
            b"<html><body><script>alert('x')</script></body></html>",
            "EmptyInput",
        ),
        Case("emoji_only", "emoji.txt", "😀🎉👍 🚀🔥\n✨💯".encode(), "EmptyInput"),
        Case("numbers_only", "numbers.txt", b"1234 5678\n3.14159 42\n2024-06-01", "EmptyInput"),
        Case("punctuation_only", "punct.txt", b"... !!! ??? --- ***", "EmptyInput"),
        # Limits
        Case(
            "over_max_file_bytes",
            "huge.txt",
            (sentence * (limits.max_file_bytes // len(sentence) + 1))[: limits.max_file_bytes + 1],
            "InputTooLarge",
        ),
        Case(
            "too_many_pdf_pages",
            "long.pdf",
            make_pdf(["Page text."], pages=limits.max_pdf_pages + 1),
            "InputTooLarge",
        ),
        Case(
            "docx_zip_bomb_entry",
            "bomb.docx",
            rezip(docx_en, extra_zero_bytes=limits.max_docx_uncompressed_bytes + (1 << 20)),
            "InputTooLarge",
        ),
        Case(
            "docx_zip_bomb_document_xml",
            "bomb_xml.docx",
            docx_bomb_in_document_xml(limits.max_docx_uncompressed_bytes + (1 << 20)),
            "InputTooLarge",
        ),
        # Binary data
        Case("binary_named_txt", "binary.txt", bytes(range(256)) * 8, "DocumentError"),
        Case("random_bytes", "random.bin", rng.randbytes(4096), "DocumentError"),
        Case("random_bytes_named_txt", "random.txt", rng.randbytes(4096), "DocumentError"),
        Case("png_named_txt", "image.txt", make_png(), "DocumentError"),
        Case(
            "jpeg_named_md",
            "photo.md",
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(512),
            "DocumentError",
        ),
        Case("gzip_named_txt", "archive.txt", gzip.compress(en.encode()), "DocumentError"),
        Case(
            "old_doc_named_docx",
            "legacy.docx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
            "DocumentError",
        ),
        Case("random_named_pdf", "random.pdf", rng.randbytes(2048), "DocumentError"),
        # Broken PDFs
        Case("truncated_pdf", "truncated.pdf", pdf_en[: len(pdf_en) // 2], "DocumentError"),
        Case("corrupt_pdf", "corrupt.pdf", b"%PDF-1.7\n" + rng.randbytes(3000), "DocumentError"),
        Case("encrypted_pdf", "encrypted.pdf", make_encrypted_pdf(), "DocumentError"),
        Case("image_only_pdf", "scan.pdf", make_image_only_pdf(), "DocumentError"),
        # Broken DOCX
        Case("random_named_docx", "random.docx", rng.randbytes(2048), "DocumentError"),
        Case("truncated_docx", "truncated.docx", docx_en[: len(docx_en) // 2], "DocumentError"),
        Case("zip_without_document_xml", "notword.docx", _plain_zip(), "DocumentError"),
        Case(
            "docx_broken_xml",
            "brokenxml.docx",
            rezip(docx_en, replace={"word/document.xml": b"<w:document><w:body><w:p>"}),
            "DocumentError",
        ),
        Case("unknown_binary_extension", "data.xyz", rng.randbytes(1024), "DocumentError"),
        # Misnamed but readable
        Case("pdf_named_txt", "really_pdf.txt", pdf_en, "ok"),
        Case("text_named_pdf", "really_text.pdf", en.encode(), "ok"),
        Case("docx_named_md", "really_docx.md", docx_en, "ok"),
        Case("html_named_docx", "really_html.docx", make_html(EN_PARAGRAPHS), "ok"),
        Case("text_unknown_extension", "notes.xyz", en.encode(), "ok"),
        Case("text_no_extension", "README", en.encode(), "ok"),
        # Dirty text
        Case("nul_bytes_in_text", "nul.txt", en.encode().replace(b". ", b".\x00 ", 2), "ok"),
        Case(
            "lone_surrogates",
            "surrogates.txt",
            ("Broken \ud800 surrogate and \udc00 another. " + en).encode("utf-8", "surrogatepass"),
            "ok",
        ),
        Case(
            "control_characters",
            "controls.txt",
            ("Bell\x07 escape\x1b[0m form\x0cfeed del\x7f. " + en).encode(),
            "ok",
        ),
        Case("no_punctuation_5000", "nopunct.txt", no_punct.encode(), "ok"),
        Case(
            "script_in_text",
            "script.txt",
            (en + "\n\nExample: <script>alert('hi')</script> is code.").encode(),
            "ok",
        ),
        Case(
            "script_in_html",
            "script.html",
            (
                "<html><body><p>"
                + EN_PARAGRAPHS[0]
                + "</p><script>document.write('EVIL-SCRIPT')</script><p>"
                + EN_PARAGRAPHS[1]
                + "</p></body></html>"
            ).encode(),
            "ok",
        ),
        Case("html_nav_boilerplate", "article.html", make_html(EN_PARAGRAPHS, title="Battery news"), "ok"),
        Case("markdown_links_images_code", "readme.md", _markdown_sample().encode(), "ok"),
        # Languages
        Case(
            "german",
            "german.txt",
            "Die Forscher haben am Montag einen Durchbruch in der Batterietechnik angekündigt. Die neuen "
            "Zellen speichern doppelt so viel Energie wie heutige Modelle.".encode(),
            "UnsupportedLanguage",
        ),
        Case(
            "german_cp1252",
            "german1252.txt",
            "Grüße aus München! Die Straßen sind heute voller Menschen, und das Wetter ist schön.".encode(
                "cp1252"
            ),
            "UnsupportedLanguage",
        ),
        Case(
            "chinese",
            "chinese.txt",
            "研究人员周一宣布电池技术取得突破。新电池储存的能量是现有设计的两倍，充电时间不到十五分钟。".encode(),
            "UnsupportedLanguage",
        ),
        Case(
            "arabic",
            "arabic.txt",
            "أعلن الباحثون يوم الاثنين عن تقدم كبير في تكنولوجيا البطاريات. تخزن الخلايا الجديدة ضعف الطاقة.".encode(),
            "UnsupportedLanguage",
        ),
        Case(
            "hebrew",
            "hebrew.txt",
            "החוקרים הודיעו ביום שני על פריצת דרך בטכנולוגיית הסוללות. התאים החדשים אוגרים פי שניים אנרגיה.".encode(),
            "UnsupportedLanguage",
        ),
        Case(
            "mixed_korean_english",
            "mixed.txt",
            "오늘 OpenAI가 새로운 GPT 모델을 발표했다. The model supports Korean and English. "
            "성능이 크게 향상되었고 가격은 내려갔다.".encode(),
            "ok",
        ),
        # Encodings
        Case("utf8_bom_english", "bom.txt", b"\xef\xbb\xbf" + en.encode(), "ok"),
        Case("utf16le_bom_korean", "ko_utf16le.txt", ko.encode("utf-16"), "ok"),
        Case("utf16be_bom_japanese", "ja_utf16be.txt", b"\xfe\xff" + ja.encode("utf-16-be"), "ok"),
        Case("utf16le_no_bom_korean", "ko_utf16_nobom.txt", ko.encode("utf-16-le"), "ok"),
        Case("euc_kr_korean", "ko_euckr.txt", ko.encode("euc_kr"), "ok"),
        Case("cp949_korean", "ko_cp949.txt", ("똠방각하는 재미있는 소설이다. " + ko).encode("cp949"), "ok"),
        Case("shift_jis_japanese", "ja_sjis.txt", ja.encode("shift_jis"), "ok"),
        Case("cp932_japanese", "ja_cp932.txt", ("①株式会社㈱の説明です。" + ja).encode("cp932"), "ok"),
        Case("euc_jp_japanese", "ja_eucjp.txt", ja.encode("euc_jp"), "ok"),
        Case("euc_kr_one_sentence", "ko_short.txt", "회의는 오후 세 시에 시작합니다.".encode("euc_kr"), "ok"),
        Case("euc_jp_one_sentence", "ja_short.txt", "会議は午後三時に始まります。".encode("euc_jp"), "ok"),
        # Well-formed documents
        Case(
            "docx_paragraphs",
            "report.docx",
            make_docx(EN_PARAGRAPHS, table=[["Cell A", "Cell B"], ["Cell C", "Cell D"]]),
            "ok",
        ),
        Case("pdf_english", "paper.pdf", pdf_en, "ok"),
        Case("markdown_korean", "ko.md", ("# 제목\n\n" + ko).encode(), "ok"),
        Case(
            "html_japanese_shift_jis",
            "ja.html",
            (
                "<html><head><meta charset='shift_jis'></head><body>"
                + "".join(f"<p>{p}</p>" for p in JA_PARAGRAPHS)
                + "</body></html>"
            ).encode("shift_jis"),
            "ok",
        ),
    ]
    if CJK_FONT.exists():
        cases += [
            Case("pdf_korean", "ko.pdf", make_pdf(KO_PARAGRAPHS, font=CJK_FONT), "ok"),
            Case("pdf_japanese", "ja.pdf", make_pdf(JA_PARAGRAPHS, font=CJK_FONT), "ok"),
        ]
    for case in cases:
        (tmp_dir / case.filename).write_bytes(case.data)
    return cases


def _plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "Not a Word document.")
    return out.getvalue()


def _markdown_sample() -> str:
    return (
        "# Battery news\n\n"
        "Researchers [announced](https://example.com/news) a *breakthrough* in battery technology. "
        "See ![diagram](https://example.com/cell.png) and <https://example.com/raw-link>.\n\n"
        "- Twice the energy\n- Faster charging\n\n"
        "```python\nprint('charge')\n```\n\n"
        "<div class='note'>Figures are preliminary.</div>\n\n"
        "<script>var tracker = 1;</script>\n\n"
        "The team expects vehicles within five years.\n"
    )
