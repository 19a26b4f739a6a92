"""Glossary parsing: the three formats, limits, and errors that name the line and column."""

from __future__ import annotations

import pytest

from service.text.glossary import (
    MAX_GLOSSARY_BYTES,
    MAX_TERMS,
    Glossary,
    GlossaryError,
    as_glossary,
    load_glossary,
    parse_glossary,
    parse_items,
)

CSV = """en,ko,ja
# names in this story
Lee Jae-myung,이재명,李在明
Takaichi Sanae,다카이치 사나에,高市早苗
"Seoul, South Korea",대한민국 서울,
Samsung,=,=
"""


def test_csv_reads_terms_subsets_and_keep():
    glossary = parse_glossary(CSV)
    assert [t.name for t in glossary.terms] == [
        "Lee Jae-myung",
        "Takaichi Sanae",
        "Seoul, South Korea",
        "Samsung",
    ]
    lee = glossary.terms[0]
    assert lee.forms == {"en": "Lee Jae-myung", "ko": "이재명", "ja": "李在明"}
    assert lee.where == "line 3"
    assert glossary.terms[2].form("ja") is None  # an empty cell: no Japanese rendering
    samsung = glossary.terms[3]
    assert samsung.keep and samsung.forms == {"en": "Samsung", "ko": "Samsung", "ja": "Samsung"}
    assert [t.name for t in glossary.pairs("en", "ja")] == ["Takaichi Sanae", "Lee Jae-myung", "Samsung"]


def test_tsv_and_toml_and_items_give_the_same_terms():
    tsv = "ko\tja\ten\n이재명\t李在明\tLee Jae-myung\n"
    toml = 'keep = ["OpenAI"]\n\n[[term]]\nen = "Lee Jae-myung"\nko = "이재명"\nja = "李在明"\n'
    items = [{"en": "Lee Jae-myung", "ko": "이재명", "ja": "李在明"}, {"en": "OpenAI", "keep": True}]
    expected = {"en": "Lee Jae-myung", "ko": "이재명", "ja": "李在明"}
    assert dict(parse_glossary(tsv).terms[0].forms) == expected
    from_toml = parse_glossary(toml)
    assert dict(from_toml.terms[0].forms) == expected
    assert from_toml.terms[1].keep and from_toml.terms[1].form("ko") == "OpenAI"
    assert parse_items(items).to_rows() == from_toml.to_rows()


def test_full_width_forms_are_folded():
    assert parse_glossary("en,ko\nＯｐｅｎＡＩ,오픈에이아이\n").terms[0].form("en") == "OpenAI"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("en,ko,fr\nA,B,C\n", "line 1, column 3: unknown language 'fr'"),
        ("en,ko,en\nA,B,C\n", "line 1, column 3: 'en' appears twice"),
        ("en\nLee\n", "line 1: the header names one language"),
        ("en,ko,ja\nLee Jae-myung,이재명\n", "line 2: 2 cells, but the header has 3"),
        (
            "en,ko,ja\nLee Jae-myung,이재명,李在明\nLee Jae-myung,리재명,李在明\n",
            "line 3, column 1 (en): duplicate term 'Lee Jae-myung', already given on line 2",
        ),
        (
            "en,ko,ja\nLee Jae-myung,이재명,李在明\nMoon,이재명,文\n",
            "line 3, column 2 (ko): duplicate term '이재명'",
        ),
        ("en,ko,ja\n , ,\n", "line 2: empty renderings"),
        ("en,ko,ja\nLee Jae-myung,,\n", "line 2: 'Lee Jae-myung' has only its English rendering"),
        ('en,ko\n"Lee,이재명\n', "line 2"),
        ("en,ko\n" + "x" * 101 + ",이\n", "line 2, column 1 (en): the rendering is 101 characters"),
        ("en,ko\n[T1],이\n", "looks like a placeholder"),
        ("# only a comment\n", "The glossary is empty"),
        ('[[term]]\nen = "Lee"\nko = \n', "malformed TOML"),
        ('[[term]]\nen = "Lee"\nfr = "Li"\n', "term 1: unknown key(s) fr"),
        (
            '[[term]]\nen = "Lee"\nko = "이"\n[[term]]\nen = "Lee"\nja = "李"\n',
            "term 2 (en): duplicate term 'Lee', already given on term 1",
        ),
    ],
)
def test_bad_glossaries_are_refused_with_the_place(text, message):
    with pytest.raises(GlossaryError) as error:
        parse_glossary(text)
    assert message in str(error.value)


def test_malformed_quote_names_its_line():
    with pytest.raises(GlossaryError, match=r"line 3: malformed CSV|line 3: 1 cells"):
        parse_glossary('en,ko\nA,B\n"C,D\n')


def test_limits():
    big = "en,ko\n" + "".join(f"Name{i},이름{i}\n" for i in range(MAX_GLOSSARY_BYTES // 10))
    with pytest.raises(GlossaryError, match="bytes"):
        parse_glossary(big)
    many = "en,ko\n" + "".join(f"N{i},이{i}\n" for i in range(MAX_TERMS + 1))
    with pytest.raises(GlossaryError, match=f"more than {MAX_TERMS} terms"):
        parse_glossary(many)
    with pytest.raises(GlossaryError, match="at most"):
        parse_items([{"en": f"N{i}", "ko": f"이{i}"} for i in range(MAX_TERMS + 1)])


def test_items_errors_name_the_item():
    with pytest.raises(GlossaryError, match="item 2: unknown key"):
        parse_items([{"en": "A", "ko": "가"}, {"en": "B", "model": "x"}])
    with pytest.raises(GlossaryError, match="item 1 \\(ko\\): expected text"):
        parse_items([{"en": "A", "ko": 3}])


def test_files_and_as_glossary(tmp_path):
    (tmp_path / "names.csv").write_bytes(("\ufeff" + CSV).encode("utf-8"))
    (tmp_path / "names.toml").write_text('keep = ["OpenAI"]\n', encoding="utf-8")
    (tmp_path / "bad.csv").write_bytes("en,ko\n\xff\n".encode("latin-1"))
    assert len(load_glossary(tmp_path / "names.csv")) == 4
    assert as_glossary(tmp_path / "names.toml").terms[0].keep
    assert as_glossary("") is None and as_glossary([]) is None and as_glossary(None) is None
    assert isinstance(as_glossary(CSV), Glossary)
    with pytest.raises(GlossaryError, match="not UTF-8"):
        load_glossary(tmp_path / "bad.csv")
    with pytest.raises(GlossaryError, match="Cannot read"):
        load_glossary(tmp_path / "missing.csv")
    with pytest.raises(GlossaryError, match="not int"):
        as_glossary(3)


def test_merged_prefers_the_first_glossary():
    request = parse_glossary("en,ko\nLee Jae-myung,이재명\n")
    default = parse_glossary("en,ko\nLee Jae-myung,리재명\nMoon Jae-in,문재인\n")
    assert [t.forms["ko"] for t in request.merged(default).terms] == ["이재명", "문재인"]
