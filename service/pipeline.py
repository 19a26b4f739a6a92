"""The one public entry: `Pipeline(models=...).run(text, length=..., ...) -> Result`.

Data flows one way: clean → detect language → split paragraphs and sentences → (Korean/Japanese:
translate to English) → summarise in English → translate into Korean and Japanese → Result. Each
stage is a function in its own module; this file only orders them, times them and keeps the
engines (loaded lazily, once per process, see `service.engines`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from functools import partial
from typing import Any

from cachetools import LRUCache

from service.assembly import aligned_segments, quality_flags
from service.engines import Engine, Job, load_engine
from service.errors import InputError, ServiceError
from service.fetching import FetchSettings, UrlReader, WebDocument
from service.languages import NAMES, TARGETS
from service.limits import Limits
from service.models.sets import ROLES, ModelSet, load_model_set
from service.options import PipelineOptions
from service.result import Result
from service.settings import EngineSettings
from service.summary import summarise_english
from service.text.article import prepare
from service.text.chunking import fit_sentences
from service.text.clean import clean_text, for_models
from service.text.detect import (
    Detection,
    check_language,
    detect_language,
    override_warning,
    script_language,
)
from service.text.glossary import Glossary, as_glossary, load_glossary
from service.text.placeholders import translate_with_glossary
from service.text.segment import join_sentences, split_paragraphs, split_sentences
from service.traceability import (
    GlossaryLog,
    add_sources,
    glossary_flags,
    glossary_report,
    unsupported_flags,
)

Progress = Callable[[str, float], None]
#: Partial results as they exist: ("summary", {summary, summary_chunks, source_language, title, rows,
#: article}) once the English summary is ready, then ("translation", {language, summary, article,
#: rows}) per target as each finishes, on the thread calling `run`. `article`: the paragraphs in
#: article mode, else None; `rows`: that language's side of `Result.segments`, in order (the summary's
#: sentences, or the article's), so a page can fill its sentence table column by column.
Event = Callable[[str, dict[str, Any]], None]


#: Upper bound on tokens generated for one translated sentence (engines also bound by source length).
MAX_TRANSLATION_TOKENS = 512


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


class Pipeline:
    """Article in, English summary plus Korean and Japanese out.

    `models` is a built-in set name (`default`, `nllb`), a path to a model-set TOML file (or a folder
    holding `models.toml`), or None for `default` (the environment is not read: `python app.py` and the
    CLI pass `Settings.models`, i.e. `SERVICE_MODELS`). Nothing is loaded until first
    use; `warm_up()` loads everything ahead of time. Safe to share between threads.
    """

    def __init__(
        self,
        models: str | os.PathLike | ModelSet | None = None,
        options: PipelineOptions | None = None,
        limits: Limits | None = None,
        cache_size: int = 20_000,
        engines: EngineSettings | None = None,
        fetch: FetchSettings | None = None,
    ):
        self.model_set = load_model_set(models)
        self.options = (options or PipelineOptions()).validated()
        self.limits = limits or Limits()
        self.engine_settings = engines or EngineSettings()
        #: Reads articles by link (`run_url`); default `FetchSettings()`: public addresses only.
        self.url_reader = UrlReader(fetch or FetchSettings(), self.limits)
        self._cache: LRUCache = LRUCache(maxsize=cache_size)
        self._cache_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=len(TARGETS), thread_name_prefix="translate")
        #: The model set's default glossary (its optional `glossary` key), merged under each run's own.
        self.glossary = load_glossary(self.model_set.glossary) if self.model_set.glossary else None

    # -- models ----------------------------------------------------------------------------------------

    def engine(self, role: str) -> Engine:
        """The loaded engine for a role (loads it on first use)."""
        return load_engine(self.model_set.spec(role), self.engine_settings)

    def describe_models(self) -> dict[str, str]:
        return self.model_set.describe()

    def warm_up(self, roles: Sequence[str] = ROLES) -> dict[str, str | None]:
        """Load the models for `roles`; role → None when loaded, or the error message when not."""
        status: dict[str, str | None] = {}
        for role in roles:
            try:
                self.engine(role)
                status[role] = None
            except ServiceError as exc:
                status[role] = str(exc)
        if "ko-en" in roles:  # the Korean splitter's analyser loads in about 1 s: now, not mid-request
            split_sentences("준비.", "ko")
        return status

    # -- building blocks (also used by the evaluation harness and the endpoints) -----------------------

    def detect(self, text: str) -> Detection:
        return detect_language(clean_text(text))

    def translate(self, texts: Sequence[str], source: str, target: str, glossary: object = None) -> list[str]:
        """Translate each text (one output per input). Texts are split into sentences for the model,
        then each text's sentences are joined again. `glossary`: as in `run`."""
        check_language(source)
        check_language(target)
        terms = self._glossary(glossary)
        if source == target:
            return list(texts)
        if "en" not in (source, target):  # ko ↔ ja goes through English
            return self.translate(self.translate(texts, source, "en", terms), "en", target, terms)
        per_text = [[s for p in split_paragraphs(t) for s in split_sentences(p, source)] for t in texts]
        flat = [s for group in per_text for s in group]
        translated = iter(self._translate_flat(flat, source, target, terms, None))
        return [join_sentences([next(translated) for _ in group], target) for group in per_text]

    def summarise(self, text: str, length: str = "medium") -> str:
        """English summary of an English text (Korean or Japanese text is refused: use `run`)."""
        cleaned = clean_text(text, "en")
        found = script_language(cleaned)
        if found in ("ko", "ja"):
            raise InputError(
                f"summarise() takes English text, but this text is in {NAMES[found]}: use run(), "
                "which translates the article into English first"
            )
        summary, _, _ = self._summarise(cleaned, length)
        return summary

    # -- the whole run ---------------------------------------------------------------------------------

    def run(
        self,
        text: str,
        *,
        source_language: str | None = None,
        length: str | None = None,
        mode: str | None = None,
        clean: bool | None = None,
        glossary: object = None,
        progress: Progress | None = None,
        on_event: Event | None = None,
    ) -> Result:
        """Summarise and translate one article.

        `source_language` (`auto`, `en`, `ko`, `ja`), `length` (`short`, `medium`, `long`), `mode`
        (`summary`, `article`) and `clean` (remove news furniture) default to the pipeline's
        `options` (`service.options.PipelineOptions`). `glossary` (names rendered as given, in every
        direction the run translates): a `Glossary`, a `pathlib.Path` to a CSV/TSV/TOML file,
        CSV/TSV/TOML text, or a list of {en, ko, ja} dicts (`service.text.glossary`); merged over the
        model set's default glossary. `on_event`: see `Event` (the summary first, then each language
        as it finishes)."""
        opts = self.options.with_(
            source_language=source_language, length=length, mode=mode, clean=clean
        ).validated()
        terms = self._glossary(glossary)
        log: GlossaryLog = {}
        report = progress or (lambda stage, fraction: None)
        timer = _Timer()
        with timer.stage("total"):
            report("Cleaning text", 0.02)
            with timer.stage("clean"):
                cleaned = clean_text(text)
                self.limits.check("max_chars", len(cleaned), "The article's length in characters")
            report("Detecting language", 0.05)
            with timer.stage("detect"):
                if opts.source_language == "auto":
                    detection = detect_language(cleaned)
                else:
                    detection = Detection(check_language(opts.source_language), 1.0, "given")
            language = detection.language
            given = opts.source_language != "auto"
            warnings = [w] if given and (w := override_warning(cleaned, language)) else []
            used = ["summarise", "en-ko", "en-ja"] + ([f"{language}-en"] if language != "en" else [])
            with timer.stage("load_models"):
                for role in used:  # before any work: a missing model fails fast, loads never overlap work
                    self.engine(role)
            report("Splitting sentences", 0.08)
            with timer.stage("segment"):
                prepared = prepare(text, language, clean=opts.clean)
                title = prepared.title
                story: list[list[str]] = prepared.paragraphs or ([[title]] if title else [])
                if not story:
                    raise InputError("Only page furniture was found (bylines, dates, captions): no story")
                # In article mode the headline is the first row, translated like the rest.
                as_row = title and prepared.paragraphs and opts.mode == "article"
                headline: list[list[str]] = [[title]] if as_row and title else []
                source_paragraphs = headline + story
            if language == "en":
                english_paragraphs = source_paragraphs
            else:
                report("Translating the article into English", 0.12)
                with timer.stage("to_english"):
                    english_paragraphs = self._translate_paragraphs(
                        source_paragraphs, language, "en", terms, log
                    )
            english_text = "\n\n".join(join_sentences(p, "en") for p in english_paragraphs[len(headline) :])
            report("Summarising in English", 0.35)
            with timer.stage("summarise"):
                summary, chunks, left_out = self._summarise(english_text, opts.length)
                summary_sentences = split_sentences(summary, "en")
            emit = on_event or (lambda kind, data: None)
            emit(
                "summary",
                {
                    "summary": summary,
                    "summary_chunks": chunks,
                    "source_language": language,
                    "title": prepared.title,
                    "rows": summary_sentences
                    if opts.mode == "summary"
                    else [s for p in english_paragraphs for s in p],
                    "article": [join_sentences(p, "en") for p in english_paragraphs]
                    if opts.mode == "article"
                    else None,
                },
            )

            def finished(target: str, paragraphs: list[list[str]]) -> None:
                rows = paragraphs[1:] if opts.mode == "article" else None
                article_text = [join_sentences(p, target) for p in rows] if rows is not None else None
                emit(
                    "translation",
                    {
                        "language": target,
                        "summary": join_sentences(paragraphs[0], target),
                        "article": article_text,
                        "rows": paragraphs[0] if rows is None else [s for p in rows for s in p],
                    },
                )

            report("Translating into Korean and Japanese", 0.65)
            with timer.stage("translate"):
                if opts.mode == "summary":
                    targets = self._translate_to_targets(
                        [summary_sentences], language, None, terms, log, finished
                    )
                else:
                    targets = self._translate_to_targets(
                        [summary_sentences, *english_paragraphs],
                        language,
                        source_paragraphs,
                        terms,
                        log,
                        finished,
                    )
            report("Done", 1.0)
        translations = {t: join_sentences(targets[t][0], t) for t in TARGETS}
        if opts.mode == "summary":
            segments = aligned_segments([summary_sentences], {t: targets[t] for t in TARGETS})
            segments = add_sources(segments, english_paragraphs, source_paragraphs, len(headline))
            source_rows = None
            article = None
        else:
            segments = aligned_segments(english_paragraphs, {t: targets[t][1:] for t in TARGETS})
            source_rows = [s for p in source_paragraphs for s in p]
            article = {
                "en": [join_sentences(p, "en") for p in english_paragraphs],
                **{t: [join_sentences(p, t) for p in targets[t][1:]] for t in TARGETS},
            }
        quality = quality_flags(english_text, summary, translations, article, opts.length, language)
        quality += unsupported_flags(
            english_text, summary, translations, article, language, terms, source_paragraphs[len(headline) :]
        )
        quality += glossary_flags(segments, log, language, source_rows)
        return Result(
            source_language=language,
            language_probability=detection.probability,
            detection_method=detection.method,
            mode=opts.mode,
            length=opts.length,
            summary=summary,
            translations=translations,
            segments=segments,
            models={role: self.model_set.spec(role).label for role in used},
            timings=timer.timings,
            summary_chunks=chunks,
            article=article,
            quality=quality,
            warnings=warnings + ([self.model_set.licence_warning] if self.model_set.licence_warning else []),
            title=prepared.title,
            removed=[r.to_dict() for r in prepared.removed],
            summary_left_out=left_out,
            glossary=glossary_report(segments, log, language, source_rows),
        )

    def read_url(self, url: str) -> WebDocument:
        """The article behind a link, fetched safely and read like an upload (`service.fetching`)."""
        return self.url_reader.read(url)

    def run_url(self, url: str, **options: Any) -> Result:
        """`run()` on the article behind a link (same keyword arguments); `Result.source` records the
        final URL, title, author and date."""
        page = self.read_url(url)
        result = self.run(page.text, **options)
        result.source = page.source()
        return result

    # -- stages ----------------------------------------------------------------------------------------

    def _glossary(self, glossary: object) -> Glossary | None:
        """A run's glossary (`as_glossary`) over the model set's default one."""
        terms = as_glossary(glossary)
        return terms.merged(self.glossary) if terms else self.glossary

    def _translate_to_targets(
        self,
        paragraphs: list[list[str]],
        language: str,
        source_paragraphs: list[list[str]] | None,
        glossary: Glossary | None = None,
        log: GlossaryLog | None = None,
        finished: Callable[[str, list[list[str]]], None] | None = None,
    ) -> dict[str, list[list[str]]]:
        """English paragraphs into Korean and Japanese, both targets at once; `finished(target,
        paragraphs)` is called for each target as soon as it is done.

        Where the article itself is Korean or Japanese, its own sentences stand for that language in
        article mode (translating the English pivot back would only lose quality).
        """
        keep_source = source_paragraphs is not None and language in TARGETS
        futures = {}
        for target in TARGETS:
            # The source language needs only the summary (first paragraph) translated; both run at once.
            wanted = paragraphs[:1] if keep_source and target == language else paragraphs
            futures[target] = self._pool.submit(
                self._translate_paragraphs, wanted, "en", target, glossary, log
            )
        out: dict[str, list[list[str]]] = {}
        for future in as_completed(futures.values()):
            target = next(t for t, f in futures.items() if f is future)
            out[target] = future.result()
            if keep_source and target == language:
                out[target] = out[target] + (source_paragraphs or [])
            if finished:
                finished(target, out[target])
        return {t: out[t] for t in TARGETS}

    def _translate_paragraphs(
        self,
        paragraphs: list[list[str]],
        source: str,
        target: str,
        glossary: Glossary | None = None,
        log: GlossaryLog | None = None,
    ) -> list[list[str]]:
        flat = [s for p in paragraphs for s in p]
        translated = iter(self._translate_flat(flat, source, target, glossary, log))
        return [[next(translated) for _ in p] for p in paragraphs]

    def _translate_flat(
        self,
        sentences: list[str],
        source: str,
        target: str,
        glossary: Glossary | None,
        log: GlossaryLog | None,
    ) -> list[str]:
        """`_translate_sentences` with the glossary enforced and logged (`translate_with_glossary`)."""
        if not glossary:
            return self._translate_sentences(sentences, source, target)
        model = partial(self._translate_sentences, source=source, target=target)
        return [o.text for o in translate_with_glossary(sentences, glossary, source, target, model, log)]

    def _translate_sentences(self, sentences: Sequence[str], source: str, target: str) -> list[str]:
        """Sentence-aligned translation: one output per input sentence, cached, batched.

        A sentence longer than the model's window is translated in pieces that are joined again, so
        alignment holds and nothing is dropped.
        """
        role = f"{source}-{target}"
        spec = self.model_set.spec(role)
        engine = self.engine(role)
        keys = [(spec.label, role, s) for s in sentences]
        with self._cache_lock:
            known = {k: self._cache[k] for k in keys if k in self._cache}
        missing = list(dict.fromkeys(s for k, s in zip(keys, sentences, strict=True) if k not in known))
        if missing:
            job = Job(
                "translate",
                source=source,
                target=target,
                max_new_tokens=spec.generation.get("max_new_tokens", MAX_TRANSLATION_TOKENS),
                min_new_tokens=spec.generation.get("min_new_tokens", 0),
                generation=spec.generation,
            )
            groups = fit_sentences(missing, engine.count_tokens, engine.max_input_tokens)
            pieces = [piece for group in groups for piece in group]
            outputs = iter(engine.generate([for_models(piece) for piece in pieces], job))
            with self._cache_lock:
                for sentence, group in zip(missing, groups, strict=True):
                    value = join_sentences([next(outputs) for _ in group], target)
                    known[(spec.label, role, sentence)] = value
                    self._cache[(spec.label, role, sentence)] = value
        return [known[k] for k in keys]

    def _summarise(self, english_text: str, length: str) -> tuple[str, int, list[str]]:
        """See `service.summary.summarise_english`."""
        return summarise_english(
            self.engine("summarise"), self.model_set.spec("summarise"), english_text, length
        )
