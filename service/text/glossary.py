"""Glossaries: a table of terms and their renderings in English, Korean and Japanese.

Machine translation renders one person several ways in a single text (이재명 / 리재명; 高市早苗 /
タカイチ); a glossary fixes the rendering. This module only reads and checks glossaries; enforcing
them in translation is `service.text.placeholders`.

Formats (the same rules for a file, a JSON request and the page's table):

- CSV or TSV with a header naming any of `en`, `ko`, `ja`, e.g. `en,ko,ja` then
  `Lee Jae-myung,이재명,李在明`. A cell may be empty (no rendering in that language), but a term needs
  at least two renderings; `=` in a cell means "keep as is" (the same form as the row's first
  rendering), e.g. `Samsung,=,=`. Lines starting with `#` are comments.
- TOML: `[[term]]` tables with `en`, `ko`, `ja` keys, and an optional top-level `keep = ["OpenAI"]`
  list of terms kept as they are in every language.
- A list of `{"en": ..., "ko": ..., "ja": ...}` objects (JSON API), where `"keep": true` with one
  form keeps it as is.

Every error names the place (line and column for CSV/TSV, TOML's own position for TOML, the item
number for a list), so a user can fix a file of hundreds of lines. Forms are NFKC-normalised (what
the models read, `service.text.clean.for_models`), so a full-width `ＯｐｅｎＡＩ` matches `OpenAI`.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.errors import InputError
from service.languages import CODES, NAMES

#: Largest glossary accepted, in bytes of text. 64 KiB is about 1,500 rows of three names: far more
#: than a newsroom's name list for one story, small enough that matching stays cheap per sentence.
MAX_GLOSSARY_BYTES = 64 * 1024
#: Most terms in one glossary (all tried on every sentence: at this limit, protecting one news
#: sentence measured 1.4 ms on this 2-core machine, small beside a model call per sentence).
MAX_TERMS = 1000
#: Longest rendering, in characters (names and titles, not sentences).
MAX_FORM_CHARS = 100
#: A cell that means "the same form as this row's first rendering".
KEEP_MARK = "="
#: Text that looks like a protection placeholder (`service.text.placeholders`) may not be a term.
_PLACEHOLDER_LIKE = re.compile(r"\[\s*T\s*\d+\s*\]")


class GlossaryError(InputError):
    """A glossary that cannot be used: the message names the line and column (or item) at fault."""


@dataclass(frozen=True)
class Term:
    """One glossary entry: its renderings by language code, and where it was defined."""

    forms: Mapping[str, str] = field(hash=False)
    #: True when every rendering is the same form on purpose ("keep as is").
    keep: bool = False
    #: Where the term came from, for messages: "line 3", "term 2", "item 1".
    where: str = ""

    @property
    def name(self) -> str:
        """The term as reported in results: its English form, else its first form."""
        return self.forms.get("en") or next(iter(self.forms.values()))

    def form(self, language: str) -> str | None:
        return self.forms.get(language)


@dataclass(frozen=True)
class Glossary:
    """Terms in file order. Look-ups by form are case-sensitive (names), after NFKC."""

    terms: tuple[Term, ...] = ()

    def __len__(self) -> int:
        return len(self.terms)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def pairs(self, source: str, target: str) -> list[Term]:
        """Terms with both a `source` and a `target` form, longest source form first (so that
        `Lee Jae-myung` wins over `Lee` where both are terms)."""
        usable = [t for t in self.terms if t.form(source) and t.form(target)]
        return sorted(usable, key=lambda t: -len(t.forms[source]))

    def merged(self, other: Glossary | None) -> Glossary:
        """These terms, then those of `other` that share no form with them (this glossary wins)."""
        if not other:
            return self
        taken = {(lang, form) for t in self.terms for lang, form in t.forms.items()}
        extra = tuple(t for t in other.terms if not any(item in taken for item in t.forms.items()))
        return Glossary(self.terms + extra)

    def to_rows(self) -> list[dict[str, str]]:
        return [dict(t.forms) for t in self.terms]


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


class _Builder:
    """Collects terms, checking each form and refusing duplicates with the place of the first one."""

    def __init__(self) -> None:
        self.terms: list[Term] = []
        self.seen: dict[tuple[str, str], str] = {}

    def add(self, cells: Mapping[str, str], where: str, columns: Mapping[str, str] | None = None) -> None:
        """`cells`: language → raw text; `columns` (CSV): language → "column N" for messages."""

        def place(language: str) -> str:
            column = columns.get(language) if columns else None
            return f"{where}, {column} ({language})" if column else f"{where} ({language})"

        if len(self.terms) >= MAX_TERMS:
            raise GlossaryError(
                f"The glossary has more than {MAX_TERMS} terms; split it or keep the names needed."
            )
        forms: dict[str, str] = {}
        first: str | None = None
        keeps = []
        for language, raw in cells.items():
            if not isinstance(raw, str):
                raise GlossaryError(f"Glossary {place(language)}: expected text, got {type(raw).__name__}.")
            value = _normal(raw)
            if not value:
                continue
            if value == KEEP_MARK:
                keeps.append(language)
                continue
            if first is None:
                first = value
            self._check_form(value, place(language))
            forms[language] = value
        if first is None:
            raise GlossaryError(
                f"Glossary {where}: empty renderings: give the term in at least two of "
                f"{', '.join(CODES)} (or {KEEP_MARK} to keep it as is)."
            )
        for language in keeps:
            forms[language] = first
        if len(forms) < 2:
            only = next(iter(forms))
            raise GlossaryError(
                f"Glossary {where}: {first!r} has only its {NAMES[only]} rendering; give at least one more, "
                f"or write {KEEP_MARK} in another column to keep it as is."
            )
        self._append(Term(forms, keep=len(set(forms.values())) == 1, where=where), place)

    def keep(self, raw: Any, where: str) -> None:
        if not isinstance(raw, str):
            raise GlossaryError(f"Glossary {where}: expected text, got {type(raw).__name__}.")
        value = _normal(raw)
        if not value:
            raise GlossaryError(f"Glossary {where}: empty term.")
        self._check_form(value, where)
        self._append(Term(dict.fromkeys(CODES, value), keep=True, where=where), lambda language: where)

    def _append(self, term: Term, place) -> None:
        for language, form in term.forms.items():
            key = (language, form.casefold())
            if key in self.seen:
                raise GlossaryError(
                    f"Glossary {place(language)}: duplicate term {form!r}, already given on {self.seen[key]}."
                )
        for language, form in term.forms.items():
            self.seen[(language, form.casefold())] = term.where
        self.terms.append(term)

    @staticmethod
    def _check_form(value: str, where: str) -> None:
        if len(value) > MAX_FORM_CHARS:
            raise GlossaryError(
                f"Glossary {where}: the rendering is {len(value)} characters long; at most {MAX_FORM_CHARS}."
            )
        if any(unicodedata.category(c).startswith("C") for c in value):
            raise GlossaryError(f"Glossary {where}: the rendering {value!r} contains a control character.")
        if _PLACEHOLDER_LIKE.search(value):
            raise GlossaryError(
                f"Glossary {where}: {value!r} looks like a placeholder ([T1]) and cannot be a term."
            )

    def build(self) -> Glossary:
        return Glossary(tuple(self.terms))


def _check_size(text: str) -> None:
    size = len(text.encode("utf-8"))
    if size > MAX_GLOSSARY_BYTES:
        raise GlossaryError(
            f"The glossary is {size:,} bytes; at most {MAX_GLOSSARY_BYTES:,} bytes are accepted."
        )


def parse_table(text: str) -> Glossary:
    """CSV or TSV text with a header row naming any of `en`, `ko`, `ja` (tabs in the header: TSV)."""
    _check_size(text)
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    header_index = next(
        (i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), None
    )
    if header_index is None:
        raise GlossaryError(
            "The glossary is empty: write a header row such as en,ko,ja and one term per line."
        )
    delimiter = "\t" if "\t" in lines[header_index] else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    builder = _Builder()
    header: list[str] | None = None
    columns: dict[str, str] = {}
    try:
        for row in reader:
            line = reader.line_num
            blank = not row or (len(row) == 1 and not row[0].strip())
            if blank or row[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [_normal(cell).lower() for cell in row]
                for number, name in enumerate(header, 1):
                    if name not in CODES:
                        raise GlossaryError(
                            f"Glossary line {line}, column {number}: unknown language {name!r} in the header; "
                            f"use {', '.join(CODES)} (e.g. en,ko,ja)."
                        )
                    if header.index(name) != number - 1:
                        raise GlossaryError(f"Glossary line {line}, column {number}: {name!r} appears twice.")
                if len(header) < 2:
                    raise GlossaryError(
                        f"Glossary line {line}: the header names one language; a glossary maps at least two "
                        "(e.g. en,ko,ja)."
                    )
                columns = {name: f"column {number}" for number, name in enumerate(header, 1)}
                continue
            if len(row) != len(header):
                raise GlossaryError(
                    f"Glossary line {line}: {len(row)} cells, but the header has {len(header)} "
                    f"({delimiter.join(header)}); quote a name that contains the separator."
                )
            builder.add(dict(zip(header, row, strict=True)), f"line {line}", columns)
    except csv.Error as exc:
        raise GlossaryError(
            f"Glossary line {reader.line_num}: malformed {'TSV' if delimiter == chr(9) else 'CSV'} ({exc})."
        ) from None
    if header is None:
        raise GlossaryError(
            "The glossary is empty: write a header row such as en,ko,ja and one term per line."
        )
    return builder.build()


def parse_toml(text: str) -> Glossary:
    """TOML with `[[term]]` tables (keys en, ko, ja) and an optional top-level `keep` list."""
    _check_size(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GlossaryError(f"Glossary: malformed TOML ({exc}).") from None
    unknown = sorted(set(data) - {"term", "keep"})
    if unknown:
        raise GlossaryError(
            f"Glossary: unknown key(s) {', '.join(unknown)}; use [[term]] tables and keep = [...]."
        )
    builder = _Builder()
    terms = data.get("term", [])
    if not isinstance(terms, list):
        raise GlossaryError("Glossary: `term` must be an array of tables ([[term]]).")
    for number, table in enumerate(terms, 1):
        if not isinstance(table, dict):
            raise GlossaryError(f"Glossary term {number}: expected a table with en, ko, ja keys.")
        extra = sorted(set(table) - set(CODES))
        if extra:
            raise GlossaryError(
                f"Glossary term {number}: unknown key(s) {', '.join(extra)}; use {', '.join(CODES)}."
            )
        builder.add(table, f"term {number}")
    keep = data.get("keep", [])
    if not isinstance(keep, list):
        raise GlossaryError('Glossary: `keep` must be a list of terms, e.g. keep = ["OpenAI"].')
    for number, value in enumerate(keep, 1):
        builder.keep(value, f"keep item {number}")
    if not builder.terms:
        raise GlossaryError("The glossary has no terms.")
    return builder.build()


def parse_items(items: Iterable[Any]) -> Glossary:
    """A list of `{"en": ..., "ko": ..., "ja": ...}` objects (optionally `"keep": true`)."""
    builder = _Builder()
    items = list(items)
    if len(items) > MAX_TERMS:
        raise GlossaryError(f"The glossary has {len(items)} terms; at most {MAX_TERMS}.")
    for number, item in enumerate(items, 1):
        where = f"item {number}"
        if not isinstance(item, dict):
            raise GlossaryError(f'Glossary {where}: expected an object such as {{"en": "...", "ko": "..."}}.')
        extra = sorted(set(item) - {*CODES, "keep"})
        if extra:
            raise GlossaryError(
                f"Glossary {where}: unknown key(s) {', '.join(extra)}; use {', '.join(CODES)}, keep."
            )
        keep = item.get("keep", False)
        if not isinstance(keep, bool):
            raise GlossaryError(f"Glossary {where}: keep must be true or false.")
        forms = {k: v for k, v in item.items() if k != "keep"}
        if keep:
            filled = [v for v in forms.values() if isinstance(v, str) and v.strip()]
            if len(set(map(_normal, filled))) != 1:
                raise GlossaryError(f"Glossary {where}: a kept term needs exactly one form.")
            builder.keep(filled[0], where)
        else:
            builder.add(forms, where)
    return builder.build()


def parse_glossary(text: str) -> Glossary:
    """Glossary text in either format: TOML when its first line is a table or a key (`[[term]]`,
    `keep = ...`), else CSV/TSV."""
    if not isinstance(text, str):
        raise GlossaryError(f"A glossary must be text, got {type(text).__name__}.")
    first = next(
        (
            line.strip()
            for line in text.removeprefix("\ufeff").splitlines()
            if line.strip() and not line.startswith("#")
        ),
        "",
    )
    if first.startswith("[") or re.match(r"^[A-Za-z_]+\s*=", first):
        return parse_toml(text)
    return parse_table(text)


def read_glossary_file(path: str | os.PathLike) -> str:
    """The text of a glossary file (UTF-8, at most `MAX_GLOSSARY_BYTES`), checked by parsing it:
    `.toml` as TOML, anything else (`.csv`, `.tsv`, `.txt`) as a table."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_GLOSSARY_BYTES:
            raise GlossaryError(
                f"The glossary {path.name} is {size:,} bytes; at most {MAX_GLOSSARY_BYTES:,} bytes are accepted."
            )
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise GlossaryError(f"Cannot read the glossary {path.name}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise GlossaryError(f"The glossary {path.name} is not UTF-8 text.") from None
    (parse_toml if path.suffix.lower() == ".toml" else parse_table)(text)
    return text


def load_glossary(path: str | os.PathLike) -> Glossary:
    """A glossary file: `.toml` as TOML, anything else (`.csv`, `.tsv`, `.txt`) as a table. UTF-8."""
    text = read_glossary_file(path)
    return parse_toml(text) if Path(path).suffix.lower() == ".toml" else parse_table(text)


def as_glossary(value: Any) -> Glossary | None:
    """What `Pipeline.run(glossary=...)` accepts: a `Glossary`, a path (`pathlib.Path`), a list of
    objects, or glossary text (CSV/TSV/TOML; a `str` is always text, never a file name, so a path can
    never come from a client). None or empty: no glossary."""
    if value is None or isinstance(value, Glossary):
        return value
    if isinstance(value, os.PathLike):
        return load_glossary(value)
    if isinstance(value, str):
        return parse_glossary(value) if value.strip() else None
    if isinstance(value, (list, tuple)):
        return parse_items(value) if value else None
    raise GlossaryError(
        f"A glossary must be CSV/TOML text, a list of {{en, ko, ja}} objects or a file, not {type(value).__name__}."
    )


def request_glossary(value: Any) -> Glossary | None:
    """A glossary from a client (JSON API, page, Gradio client): text or a list of objects only, so
    a client can never make the server read a file. None or empty: no glossary."""
    if value is None or isinstance(value, (str, list)):
        return as_glossary(value)
    raise GlossaryError(
        f"The glossary must be CSV/TSV/TOML text or a list of {{en, ko, ja}} objects, not {type(value).__name__}."
    )
