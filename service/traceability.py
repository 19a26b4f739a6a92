"""What a run says about its names and claims: glossary use, summary sources, unsupported facts.

The pipeline translates and summarises; this module reads what it did and turns it into the
Result's `glossary` report, each summary segment's `sources`, and quality flags of kind
`"glossary"` (a term whose placeholder did not survive, so its sentence was translated without it)
and `"unsupported"` (a number or name the source does not contain, `service.text.facts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from service.languages import NAMES, TARGETS
from service.result import Segment
from service.text.facts import unsupported
from service.text.glossary import Glossary, Term
from service.text.placeholders import Outcome, find_terms
from service.text.quality import QualityFlag
from service.text.sources import link_sources

#: (source language, target language, source sentence) → what translating it did with the glossary.
GlossaryLog = dict[tuple[str, str, str], Outcome]


def add_sources(
    segments: list[Segment],
    english_paragraphs: Sequence[Sequence[str]],
    own_paragraphs: Sequence[Sequence[str]],
    first_paragraph: int,
) -> list[Segment]:
    """Summary segments with their supporting article sentences (`service.text.sources`)."""
    found = link_sources(
        [s.en for s in segments],
        english_paragraphs[first_paragraph:],
        own_paragraphs[first_paragraph:],
        first_paragraph=first_paragraph,
    )
    return [replace(s, sources=[x.to_dict() for x in f]) for s, f in zip(segments, found, strict=True)]


def _row_terms(
    segments: Sequence[Segment], log: GlossaryLog, language: str, source_rows: Sequence[str] | None
) -> list[dict[str, tuple[Term, ...]]]:
    """For each segment: language → the terms the glossary put into that cell."""
    pivot = {t.name: t for (src, tgt, _), o in log.items() if tgt == "en" and src != "en" for t in o.applied}
    rows = []
    for i, row in enumerate(segments):
        cells: dict[str, tuple[Term, ...]] = {}
        if language != "en":
            if source_rows is not None:
                outcome = log.get((language, "en", source_rows[i]))
                cells["en"] = outcome.applied if outcome else ()
            else:  # a summary sentence: the English names came through the glossary in the pivot
                cells["en"] = tuple(find_terms(row.en, list(pivot.values()), "en"))
        for target in TARGETS:
            if source_rows is not None and target == language:
                continue  # the article's own sentence
            outcome = log.get(("en", target, row.en))
            cells[target] = outcome.applied if outcome else ()
        rows.append(cells)
    return rows


def glossary_report(
    segments: Sequence[Segment], log: GlossaryLog, language: str, source_rows: Sequence[str] | None
) -> list[dict]:
    """`[{term, language, form, segments}]`: which term the glossary enforced in which language, in
    which segments (indices into `Result.segments`), in order of first use."""
    report: dict[tuple[str, str], dict] = {}
    for i, cells in enumerate(_row_terms(segments, log, language, source_rows)):
        for lang, terms in cells.items():
            for term in terms:
                entry = report.setdefault(
                    (term.name, lang),
                    {"term": term.name, "language": lang, "form": term.forms[lang], "segments": []},
                )
                entry["segments"].append(i)
    return list(report.values())


def glossary_flags(
    segments: Sequence[Segment], log: GlossaryLog, language: str, source_rows: Sequence[str] | None
) -> list[QualityFlag]:
    """A flag for every sentence whose placeholders the model did not keep (translated again
    without the glossary), on the cell it fills."""
    flags: list[QualityFlag] = []
    for (source, target, sentence), outcome in log.items():
        if not outcome.dropped:
            continue
        names = ", ".join(f'"{t.forms[source]}"' for t in outcome.dropped)
        message = (
            f"The glossary term {names} did not survive translation into {NAMES[target]} here, so this "
            "sentence was translated again without the glossary; check the name."
        )
        if source == "en":
            fields = [f"segments[{i}].{target}" for i, row in enumerate(segments) if row.en == sentence]
            fields = fields or [f"translations.{target}"]
        elif source_rows is not None:
            fields = [f"segments[{i}].en" for i, own in enumerate(source_rows) if own == sentence]
        else:
            fields = ["summary"]
            message = message.replace("here", f"in the article sentence {sentence!r}")
        flags += [QualityFlag(field, "glossary", message) for field in fields]
    return flags


def unsupported_flags(
    english_text: str,
    summary: str,
    translations: dict[str, str],
    article: dict[str, list[str]] | None,
    language: str,
    glossary: Glossary | None,
    story: Sequence[Sequence[str]] = (),
) -> list[QualityFlag]:
    """Numbers, names and glossary terms in an output that its source does not contain. The summary's
    numbers are checked against the article as written (`story`, its sentences by paragraph) when it
    is Korean or Japanese, so a figure the English translation invented is not taken as support."""
    original = "\n\n".join(" ".join(p) for p in story) if language != "en" and story else None
    checks = [("summary", summary, "en", english_text, "en", "the article")]
    checks += [
        (f"translations.{t}", translations[t], t, summary, "en", "the English summary") for t in TARGETS
    ]
    if article:
        for lang in ("en", *TARGETS):
            if lang == language:
                continue
            source_lang = language if lang == "en" else "en"
            for i, (src, out) in enumerate(zip(article[source_lang], article[lang], strict=True)):
                where = f"the {NAMES[source_lang]} paragraph"
                checks.append((f"article.{lang}[{i}]", out, lang, src, source_lang, where))
    flags: list[QualityFlag] = []
    for field, output, output_language, source, source_language, where in checks:
        for item in unsupported(
            output,
            source,
            output_language=output_language,
            source_language=source_language,
            glossary=glossary,
            number_source=original if field == "summary" else None,
        ):
            flags.append(QualityFlag(field, "unsupported", f'"{item}" is not in {where}'))
    return flags
