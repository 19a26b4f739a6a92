"""Enforcing a glossary in translation: protect terms with placeholders, put the target form back.

Each glossary term found in a source sentence is replaced by a placeholder `[T1]`, `[T2]`, ... before
the model sees it, and the placeholder in the model's output is replaced by the term's form in the
target language. The form is plain ASCII (brackets, a capital letter, digits): characters that
vocabularies trained on news text hold (private-use or rare brackets may become `<unk>`), in a
combination that news text almost never contains; a sentence that already
does is simply not protected. How often real models keep it has not been measured here (this
machine has no real weights), which is why survival is checked on every sentence rather than assumed.

A model may still drop, duplicate or mangle a placeholder. Then the output is not guessed at: the
sentence is translated again *without* placeholders and the outcome says which terms could not be
enforced, so the result can flag it (`Outcome.dropped`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from service.text.glossary import Glossary, Term

#: A placeholder as the model may return it: spaces inside the brackets are tolerated.
PLACEHOLDER = re.compile(r"\[\s*T\s*(\d+)\s*\]")


def placeholder(number: int) -> str:
    return f"[T{number}]"


@dataclass(frozen=True)
class Protected:
    """A sentence with its terms replaced: `terms[i]` stands behind placeholder `[T{i+1}]`."""

    original: str
    text: str
    terms: tuple[Term, ...] = ()
    counts: tuple[int, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """One translated sentence: the text, the terms enforced in it, and those that did not survive."""

    text: str
    applied: tuple[Term, ...] = ()
    dropped: tuple[Term, ...] = ()


@lru_cache(maxsize=64)
def _pattern(forms: tuple[str, ...], language: str) -> re.Pattern[str]:
    """Where a form counts as found: English needs Latin word edges on both sides (`Lee` is not in
    `Leeds`, but is in `Lee's` and in a pivot's `Lee은`); Korean only on the left (particles follow a name: 이재명은); Japanese writes no spaces.
    Longer forms are tried first, so `Lee Jae-myung` wins over `Lee` where both are terms."""
    escaped = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    if language == "en":
        return re.compile(rf"(?<![A-Za-z0-9])(?:{escaped})(?![A-Za-z0-9])")
    if language == "ko":
        return re.compile(rf"(?<!\w)(?:{escaped})")
    return re.compile(f"(?:{escaped})")


def find_terms(text: str, terms: Sequence[Term], language: str) -> list[Term]:
    """Terms whose `language` form occurs in `text`, in order of first appearance (a shorter term
    inside a longer one's match does not count)."""
    by_form = {t.forms[language]: t for t in terms if t.form(language)}
    if not by_form:
        return []
    found = dict.fromkeys(
        by_form[m.group(0)].forms[language] for m in _pattern(tuple(by_form), language).finditer(text)
    )
    return [by_form[form] for form in found]


def protect(sentence: str, glossary: Glossary, source: str, target: str) -> Protected:
    """`sentence` with each term (that has a `target` form) replaced by a placeholder, numbered in
    order of appearance."""
    by_form = {t.forms[source]: t for t in glossary.pairs(source, target)}
    folded = unicodedata.normalize("NFKC", sentence)  # what the model reads; glossary forms are NFKC
    if not by_form or PLACEHOLDER.search(folded) or not _pattern(tuple(by_form), source).search(folded):
        return Protected(sentence, sentence)
    numbers: dict[str, int] = {}
    counts: list[int] = []

    def replace(match: re.Match[str]) -> str:
        form = match.group(0)
        if form not in numbers:
            numbers[form] = len(numbers) + 1
            counts.append(0)
        counts[numbers[form] - 1] += 1
        return placeholder(numbers[form])

    text = _pattern(tuple(by_form), source).sub(replace, folded)
    return Protected(sentence, text, tuple(by_form[f] for f in numbers), tuple(counts))


#: Korean particles that change with the last sound of the word before them: (after a consonant,
#: after a vowel). The model chose one for `[T1]`, which has no sound; the restored name decides.
_PARTICLES = (("은", "는"), ("이", "가"), ("을", "를"), ("과", "와"), ("으로", "로"))
_PARTICLE_AFTER = re.compile(
    r"(?P<particle>"
    + "|".join(sorted({p for pair in _PARTICLES for p in pair}, key=len, reverse=True))
    + r")"
    r"(?![가-힣])"
)


def _batchim(syllable: str) -> int | None:
    """The final consonant index of a Hangul syllable (0: none), or None for anything else."""
    code = ord(syllable) - 0xAC00
    return code % 28 if 0 <= code < 11172 else None


def _particle(form: str, particle: str) -> str:
    final = _batchim(form[-1]) if form else None
    if final is None:
        return particle  # not Hangul (a kept Latin name): its sound is unknown, keep the model's choice
    for consonant, vowel in _PARTICLES:
        if particle in (consonant, vowel):
            if consonant == "으로":  # ㄹ (final 8) takes 로 like a vowel
                return vowel if final in (0, 8) else consonant
            return consonant if final else vowel
    return particle


def restore(output: str, protected: Protected, target: str) -> str | None:
    """`output` with each placeholder replaced by its term's `target` form, or None when a placeholder
    did not survive translation (missing, repeated, or unknown). In Korean a particle right after the
    placeholder is made to agree with the name (이재명은, not 이재명는)."""
    found = Counter(int(m.group(1)) for m in PLACEHOLDER.finditer(output))
    wanted = Counter({i + 1: n for i, n in enumerate(protected.counts)})
    if found != wanted:
        return None
    pieces = []
    position = 0
    for match in PLACEHOLDER.finditer(output):
        form = protected.terms[int(match.group(1)) - 1].forms[target]
        pieces += [output[position : match.start()], form]
        position = match.end()
        if target == "ko" and (particle := _PARTICLE_AFTER.match(output, position)):
            pieces.append(_particle(form, particle.group("particle")))
            position = particle.end()
    return "".join([*pieces, output[position:]])


def translate_with_glossary(
    sentences: Sequence[str],
    glossary: Glossary,
    source: str,
    target: str,
    translate: Callable[[list[str]], list[str]],
    log: dict[tuple[str, str, str], Outcome] | None = None,
) -> list[Outcome]:
    """Translate `sentences` (one output each) with `translate`, enforcing `glossary`.

    Protected sentences go to the model in one call; any whose placeholders did not survive go again,
    unprotected, in a second call, and their outcome lists the terms as `dropped`. Each outcome is
    also written to `log` under (source, target, sentence) (threads translating into different
    targets never share a key)."""
    protected = [protect(s, glossary, source, target) for s in sentences]
    outputs = translate([p.text for p in protected])
    restored = [
        restore(out, p, target) if p.terms else out for out, p in zip(outputs, protected, strict=True)
    ]
    failed = [i for i, text in enumerate(restored) if text is None]
    again = iter(translate([sentences[i] for i in failed])) if failed else iter(())
    outcomes = []
    for text, p in zip(restored, protected, strict=True):
        if text is None:
            outcomes.append(Outcome(next(again), dropped=p.terms))
        else:
            outcomes.append(Outcome(text, applied=p.terms))
    if log is not None:
        log.update({(source, target, s): o for s, o in zip(sentences, outcomes, strict=True)})
    return outcomes
