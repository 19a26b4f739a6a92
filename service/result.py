"""What a run returns: a plain dataclass that serialises to JSON and Markdown.

The UI, the CLI and the HTTP endpoint all show this one object, so they cannot drift apart.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from service.text.quality import QualityFlag


@dataclass(frozen=True)
class Segment:
    """One English sentence (of the summary, or of the article in article mode) and its renderings."""

    en: str
    ko: str
    ja: str
    paragraph: int = 0
    #: Summary segments: the article sentences that support this one, best first, as dicts:
    #: paragraph, sentence (indices into the article), score (0..1), text (in the article's own
    #: language); see service.text.sources. Empty for the article's own sentences (article mode).
    sources: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Result:
    source_language: str
    language_probability: float
    detection_method: str
    mode: str
    length: str
    summary: str
    translations: dict[str, str]
    segments: list[Segment]
    models: dict[str, str]
    timings: dict[str, float]
    summary_chunks: int = 1
    #: In article mode: the article's paragraphs in English, Korean and Japanese.
    article: dict[str, list[str]] | None = None
    #: Outputs that look broken (service.text.quality), and glossary terms or numbers an output lost
    #: (service.traceability): each names the output (`field`), the `kind` and a reader's `message`.
    quality: list[QualityFlag] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The article's headline as written (found by the text stage), or None.
    title: str | None = None
    #: Lines taken out of the article as page furniture, as dicts: text, reason (see
    #: service.text.furniture). Empty when the run kept every line (`clean=False`).
    removed: list[dict[str, str]] = field(default_factory=list)
    #: English sentences the summariser did not read, in article order: an article up to 1.5 windows
    #: long is summarised in one pass over its most central sentences, lead paragraph always kept
    #: (`service.pipeline.MAX_TRIM_WINDOWS`). Empty when it read everything.
    summary_left_out: list[str] = field(default_factory=list)
    #: Where the article came from, for a link (`WebDocument.source()`): kind "url", url, final_url
    #: (after redirects), content_type, title, author, date, site, format, encoding. None otherwise.
    source: dict[str, Any] | None = None
    #: Glossary terms the run enforced, as dicts: term (its English form, else its first), language,
    #: form (the rendering put in), segments (indices into `segments`); see service.text.glossary.
    glossary: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["timings"] = {k: round(v, 4) for k, v in self.timings.items()}
        data["language_probability"] = round(self.language_probability, 4)
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_markdown(self) -> str:
        """A readable document; model output is escaped so it cannot turn into markup or links."""
        lines = [
            "# Summary and translations",
            "",
            *([f"**{escape_markdown(self.title)}**", ""] if self.title else []),
            f"- Source language: {self.source_language} (p={self.language_probability:.2f})",
            f"- Mode: {self.mode}, length: {self.length}",
            *self._source_lines("- "),
            *(f"- **Warning:** {escape_markdown(warning)}" for warning in self.warnings),
            "",
            "## English",
            "",
            escape_markdown(self.summary),
            "",
            "## 한국어",
            "",
            escape_markdown(self.translations.get("ko", "")),
            "",
            "## 日本語",
            "",
            escape_markdown(self.translations.get("ja", "")),
            "",
            "## Sentence by sentence",
            "",
            "| # | English | 한국어 | 日本語 |",
            "|---|---|---|---|",
        ]
        for i, s in enumerate(self.segments, 1):
            cells = [escape_markdown(x).replace("|", "\\|") for x in (s.en, s.ko, s.ja)]
            cells[0] += "".join(f"[^{i}-{n}]" for n in range(1, len(s.sources) + 1))
            lines.append(f"| {i} | " + " | ".join(cells) + " |")
        lines += self._source_footnotes()
        if self.glossary:
            lines += ["", "## Glossary applied", ""]
            lines += [
                f"- {escape_markdown(g['term'])} → {escape_markdown(g['form'])} ({g['language']}): "
                + ", ".join(f"row {i + 1}" for i in g["segments"])
                for g in self.glossary
            ]
        if self.article:
            for lang, title in (
                ("en", "Article (English)"),
                ("ko", "기사 (한국어)"),
                ("ja", "記事 (日本語)"),
            ):
                lines += ["", f"## {title}", ""]
                for paragraph in self.article.get(lang, []):
                    lines += [escape_markdown(paragraph), ""]
        if self.removed:
            lines += ["", "## Removed from the article", ""]
            lines += [f"- {escape_markdown(r['reason'])}: {escape_markdown(r['text'])}" for r in self.removed]
        if self.summary_left_out:
            lines += ["", "## Not read by the summariser (least central sentences)", ""]
            lines += [f"- {escape_markdown(sentence)}" for sentence in self.summary_left_out]
        if self.quality:
            lines += ["", "## Quality warnings", ""]
            lines += [f"- {q.field}: {escape_markdown(q.message)}" for q in self.quality]
        lines += ["", "## Models", ""]
        lines += [f"- {role}: `{model}`" for role, model in self.models.items()]
        return "\n".join(lines).rstrip() + "\n"

    def _source_footnotes(self) -> list[str]:
        """Footnote-style references from summary rows to the article sentences that support them
        (paragraph and sentence counted from 1, as a reader counts)."""
        notes = [
            f"[^{i}-{n}]: Article paragraph {src['paragraph'] + 1}, sentence {src['sentence'] + 1} "
            f"(score {src['score']:.2f}): {escape_markdown(src['text'])}"
            for i, segment in enumerate(self.segments, 1)
            for n, src in enumerate(segment.sources, 1)
        ]
        return ["", *notes] if notes else []

    def _source_summary(self) -> list[str]:
        """One line for a terminal: each summary sentence's sources, paragraph.sentence counted from 1."""
        links = [
            f"{i} ← "
            + ", ".join(f"¶{x['paragraph'] + 1}.{x['sentence'] + 1} ({x['score']:.2f})" for x in s.sources)
            for i, s in enumerate(self.segments, 1)
            if s.sources
        ]
        glossary = [f"{g['term']} → {g['form']} ({g['language']})" for g in self.glossary]
        return ([f"Sources: {'; '.join(links)}"] if links else []) + (
            [f"Glossary: {'; '.join(glossary)}"] if glossary else []
        )

    def _source_lines(self, prefix: str) -> list[str]:
        """The link, title, author and date of an article read from a link (escaped in Markdown)."""
        if not self.source:
            return []
        escape = escape_markdown if prefix else str
        lines = [f"{prefix}Link: {escape(self.source.get('final_url') or self.source.get('url') or '')}"]
        for key in ("title", "author", "date"):
            if self.source.get(key):
                lines.append(f"{prefix}{key.capitalize()}: {escape(str(self.source[key]))}")
        return lines

    def to_text(self) -> str:
        """Plain text for a terminal."""
        out = [
            f"Source language: {self.source_language} (p={self.language_probability:.2f}, {self.detection_method})",
            f"Summary chunks: {self.summary_chunks}",
            *self._source_lines(""),
            *([f"Title: {self.title}"] if self.title else []),
            "",
            "== English summary ==",
            self.summary,
            *self._source_summary(),
            "",
            "== 한국어 ==",
            self.translations.get("ko", ""),
            "",
            "== 日本語 ==",
            self.translations.get("ja", ""),
        ]
        if self.article:
            for lang in ("en", "ko", "ja"):
                out += ["", f"== Article ({lang}) ==", *self.article.get(lang, [])]
        if self.removed:
            out += ["", f"== Removed from the article ({len(self.removed)} lines) =="]
            out += [f"- {r['reason']}: {r['text']}" for r in self.removed]
        if self.summary_left_out:
            out += [
                "",
                f"== Not read by the summariser ({len(self.summary_left_out)} least central sentences) ==",
            ]
            out += [f"- {sentence}" for sentence in self.summary_left_out]
        if self.quality:
            out += ["", "== Quality warnings =="] + [f"- {q.field}: {q.message}" for q in self.quality]
        for warning in self.warnings:
            out += ["", f"Warning: {warning}"]
        out += ["", "Models: " + ", ".join(f"{r}={m}" for r, m in self.models.items())]
        out += ["Timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.timings.items())]
        return "\n".join(out)


#: Characters that make Markdown anywhere in a line. Parentheses and `!` need no escape once `[`
#: and `]` are escaped (no link or image can form), and `\\(` in a news sentence reads badly.
_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|~"})
#: Characters that make Markdown only at the start of a line (headings, lists, quotes).
_LINE_START = re.compile(r"^(\s*)([#+>-]|\d+(?=[.)]\s))", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """Text shown literally in Markdown: inline markup escaped, and a line that would start a
    heading or list (`# `, `- `, `1. `) has its first mark escaped."""
    escaped = text.translate(_MARKDOWN_SPECIAL)
    return _LINE_START.sub(lambda m: m[1] + "\\" + m[2] if not m[2][0].isdigit() else m[0] + "\\", escaped)
