"""What the page says in words: readable quality warnings, model names, the details, the sentence
table's rows, the error panel, the announcement for screen readers, the detected language, the
character count and the article view.

Everything a model or a user wrote passes through `html.escape` before it is put into HTML (the
error panel and the article view are `gr.HTML`): text stays text, a `<script>` in an article shows
literally.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from typing import Any

from service.languages import LANGUAGES, NAMES
from service.result import Result
from service.web.public import public_models

#: A heading per kind of quality flag (service.text.quality KINDS, service.traceability's kinds).
KIND_TITLES = {
    "empty": "Empty output",
    "repetition": "Repeated words (the model may have looped)",
    "too_short": "Shorter than expected",
    "too_long": "Longer than expected",
    "untranslated": "Possibly left untranslated",
    "glossary": "Glossary names not kept",
    "unsupported": "Not found in the article (check these facts)",
}
#: Warnings listed per kind before the rest are only counted (a long article can have 30 of a kind;
#: the sentence table marks every one on its row).
SHOWN_PER_KIND = 5
#: The short word in the sentence table's first column for each kind (the warnings box says more).
KIND_MARKS = {
    "empty": "empty",
    "repetition": "loops",
    "too_short": "short",
    "too_long": "long",
    "untranslated": "untranslated",
    "glossary": "glossary",
    "unsupported": "check facts",
}
_FIELD = re.compile(
    r"^(?P<part>summary|translations|article|segments)(?:\.(?P<lang>\w+))?(?:\[(?P<i>\d+)\])?(?:\.(?P<lang2>\w+))?$"
)


def where(field: str) -> str:
    """`article.ko[3]` → "Korean article, paragraph 4"; `segments[2].ja` → "sentence 3, Japanese"."""
    match = _FIELD.match(field or "")
    if not match:
        return field or "result"
    part, index = match["part"], match["i"]
    language = NAMES.get(match["lang"] or match["lang2"] or "", "")
    if part == "summary":
        return "English summary"
    if part == "translations":
        return f"{language} translation"
    if part == "article":
        return f"{language} article, paragraph {int(index) + 1}" if index else f"{language} article"
    return f"sentence {int(index) + 1}, {language}" if index else "sentences"


def grouped_warnings(result: Result) -> str:
    """Quality flags grouped by kind, each with the place it concerns in plain words."""
    groups: dict[str, list[str]] = defaultdict(list)
    for flag in result.quality:
        groups[flag.kind].append(f"  • {where(flag.field)}: {flag.message}")
    lines: list[str] = []
    for kind, items in groups.items():
        lines.append(f"{KIND_TITLES.get(kind, kind.replace('_', ' ').capitalize())} ({len(items)}):")
        lines += items[:SHOWN_PER_KIND]
        if len(items) > SHOWN_PER_KIND:
            lines.append(f"  … and {len(items) - SHOWN_PER_KIND} more, marked ⚠ in the sentence table.")
    if result.warnings:
        lines.append("Notes:")
        lines += [f"  • {warning}" for warning in result.warnings]
    return "\n".join(lines) if lines else "No quality warnings."


def flagged_rows(result: Result) -> dict[int, list[str]]:
    """Row index in the sentence table → the kinds of warning that concern that row's sentence."""
    marks: dict[int, list[str]] = defaultdict(list)
    for flag in result.quality:
        match = _FIELD.match(flag.field)
        if not match or match["i"] is None:
            continue
        index = int(match["i"])
        if match["part"] == "segments":
            rows = [index]
        elif match["part"] == "article":
            rows = [i for i, s in enumerate(result.segments) if s.paragraph == index]
        else:
            continue
        for row in rows:
            kind = flag.kind
            if kind not in marks[row]:
                marks[row].append(kind)
    return marks


def row_marker(number: int, kinds: list[str]) -> str:
    """The table's first cell: the row number, and a warning sign naming what was found."""
    if not kinds:
        return str(number)
    return f"{number} ⚠ " + ", ".join(KIND_MARKS.get(k, k) for k in kinds)


def input_note(source: dict[str, Any]) -> str:
    """Which input was used, said plainly (one input at a time; the other boxes were ignored)."""
    if source.get("kind") == "file":
        return f"Used: the attached file {source.get('name', '')} (the text box was not used)."
    if source.get("kind") == "url":
        return "Used: the link (the text box was not used)."
    return "Used: the pasted text."


def detected_line(result: Result) -> str:
    name = NAMES.get(result.source_language, result.source_language)
    how = (
        "as you chose"
        if result.detection_method == "given"
        else f"detected, {result.language_probability:.0%}"
    )
    return f"Language of the article: {name} ({how})"


def error_html(title: str, message: str) -> str:
    """The error panel: it stays on the page until the next run (a toast vanishes in seconds)."""
    return (
        '<div class="page-error" role="alert">'
        f"<h2>{html.escape(title or 'Error')}</h2><p>{html.escape(message)}</p></div>"
    )


def announce_html(text: str) -> str:
    """Text for the polite live region: screen readers hear that a run finished or failed."""
    return f'<div role="status" aria-live="polite" class="visually-hidden">{html.escape(text)}</div>'


def count_html(count: int, limit: int) -> str:
    over = " over" if count > limit else ""
    extra = f" — {count - limit:,} over the limit" if count > limit else ""
    return (
        f'<span id="char-count-text" class="{over.strip()}" aria-live="off">'
        f"{count:,} of {limit:,} characters{extra}</span>"
    )


def article_html(result: Result) -> str:
    """The full article paragraph by paragraph, one table row per paragraph, the three languages
    side by side (each cell marked with its `lang`); sentences carry `data-s` so that hovering one
    highlights it in every language. Every piece of text is escaped."""
    if not result.article:
        return ""
    by_paragraph: dict[int, list[int]] = defaultdict(list)
    for i, segment in enumerate(result.segments):
        by_paragraph[segment.paragraph].append(i)
    count = max(len(result.article.get(lang, [])) for lang in ("en", "ko", "ja"))
    head = "".join(
        f'<th scope="col" lang="{lang}">{html.escape(label)}</th>'
        for lang, label in (("en", "English"), ("ko", "한국어"), ("ja", "日本語"))
    )
    rows = []
    for p in range(count):
        cells = []
        for lang in ("en", "ko", "ja"):
            indices = by_paragraph.get(p, [])
            sentences = [getattr(result.segments[i], lang) for i in indices]
            paragraphs = result.article.get(lang, [])
            paragraph = paragraphs[p] if p < len(paragraphs) else ""
            if indices and all(sentences):
                body = LANGUAGES[lang].joiner.join(
                    f'<span class="s" data-s="{i}">{html.escape(s)}</span>'
                    for i, s in zip(indices, sentences, strict=True)
                )
            else:
                body = html.escape(paragraph)
            cells.append(f'<td lang="{lang}">{body}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        '<table aria-label="Full article, paragraph by paragraph">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def details_text(result: Result, source: dict[str, Any]) -> str:
    """Detected language, input, models and time per stage, as plain text."""
    language = NAMES.get(result.source_language, result.source_language)
    how = "chosen by you" if result.detection_method == "given" else f"detected by {result.detection_method}"
    lines = [
        f"Source language: {language} ({result.source_language}), probability "
        f"{result.language_probability:.2f}, {how}",
    ]
    if source.get("kind") == "file":
        encoding = f", encoding {source['encoding']}" if source.get("encoding") else ""
        lines.append(f"Input: file {source['name']} ({source['format']}{encoding})")
    elif source.get("kind") == "url":
        encoding = f", encoding {source['encoding']}" if source.get("encoding") else ""
        lines.append(f"Input: link {source['final_url']} ({source['format']}{encoding})")
        about = [f"{key} {source[key]}" for key in ("title", "author", "date") if source.get(key)]
        if about:
            lines.append("Page: " + "; ".join(about))
    else:
        lines.append(f"Input: pasted text, {source.get('chars', 0):,} characters")
    lines.append(input_note(source))
    if result.title:
        lines.append(f"Headline: {result.title}")
    lines.append(f"Mode: {result.mode}, length: {result.length}, summary chunks: {result.summary_chunks}")
    models = public_models(result.models)  # names only (service.web.public)
    lines.append("Models: " + "; ".join(f"{role} = {model}" for role, model in models.items()))
    stages = [f"{stage} {seconds:.2f} s" for stage, seconds in result.timings.items() if stage != "total"]
    lines.append("Time per stage: " + ", ".join(stages))
    if "total" in result.timings:
        lines.append(f"Total time: {result.timings['total']:.2f} s")
    if result.removed:
        lines.append(f"Removed from the article as page furniture ({len(result.removed)} lines):")
        lines += [f"  - {r['reason']}: {r['text']}" for r in result.removed]
    return "\n".join(lines)


def aligned_rows(result: Result) -> list[list[str]]:
    """One row per segment; the last two columns list the summary sentence's sources (paragraph and
    sentence counted from 1, score, the sentence in the article's language) and the glossary terms
    put into that row."""
    applied: dict[int, list[str]] = {}
    for entry in result.glossary:
        for index in entry["segments"]:
            applied.setdefault(index, []).append(f"{entry['language']}: {entry['form']}")
    rows = []
    marks = flagged_rows(result)
    for i, s in enumerate(result.segments):
        sources = "\n".join(
            f"¶{x['paragraph'] + 1}.{x['sentence'] + 1} ({x['score']:.2f}) {x['text']}" for x in s.sources
        )
        number = row_marker(i + 1, marks.get(i, []))
        rows.append([number, s.en, s.ko, s.ja, sources, " · ".join(applied.get(i, []))])
    return rows
