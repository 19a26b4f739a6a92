"""Stage outputs into Result parts: sentence-aligned segments and quality flags."""

from __future__ import annotations

from service.languages import TARGETS
from service.result import Segment
from service.text.quality import QualityFlag, check_output


def quality_flags(
    english_text: str,
    summary: str,
    translations: dict[str, str],
    article: dict[str, list[str]] | None,
    length: str,
    language: str,
) -> list[QualityFlag]:
    """Outputs that look broken (loops, empty, wrong script, implausible length), for users to see."""
    checks = [(english_text, summary, "en", "summarise", "summary", "en")]
    checks += [(summary, translations[t], t, "translate", f"translations.{t}", "en") for t in TARGETS]
    if article:
        for lang in ("en", *TARGETS):
            if lang == language:
                continue  # the article's own text, not model output
            source_lang = language if lang == "en" else "en"
            for i, (src, out) in enumerate(zip(article[source_lang], article[lang], strict=True)):
                checks.append((src, out, lang, "translate", f"article.{lang}[{i}]", source_lang))
    flags: list[QualityFlag] = []
    for source, output, target, task, field, source_lang in checks:
        found = check_output(
            source,
            output,
            target_language=target,
            task=task,
            field=field,
            source_language=source_lang,
            requested_length=length if task == "summarise" else None,
        )
        flags += found
    return flags


def aligned_segments(english: list[list[str]], targets: dict[str, list[list[str]]]) -> list[Segment]:
    """Sentence-aligned rows: translation is sentence by sentence, so every side has the same shape."""
    return [
        Segment(en=e, ko=k, ja=j, paragraph=index)
        for index, paragraph in enumerate(english)
        for e, k, j in zip(paragraph, targets["ko"][index], targets["ja"][index], strict=True)
    ]
