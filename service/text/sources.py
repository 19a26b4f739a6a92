"""Which article sentences support each summary sentence (`Segment.sources`).

Computed on the English side (the summary is English; a Korean or Japanese article is compared
through its English translation, sentence by sentence, so indices still point at the original).

Method: TF-IDF cosine over content words, IDF taken over the article's own sentences. Chosen over
plain token overlap and ROUGE-L because an abstractive summary sentence usually paraphrases and fuses
two or three article sentences: word order (what ROUGE-L's longest common subsequence rewards) is the
first thing a paraphrase changes, while the rare words (names, numbers, places) survive and are what
identify the source, and IDF weights exactly those above words every sentence shares ("said", the
fake engine's `[ko-en]` tag). It needs no model weights and costs microseconds per article.
Measured (evaluation/sources_methods.py, synthetic queries with known sources from the 12 shipped
English articles): on compressed sentences all three scorers rank the source first (134/134); on
fused sentences TF-IDF and ROUGE-L have both halves in their top 3 134 times, overlap 132. Ranking did
not separate them, so the choice rests on the IDF weighting above and on the score being a cosine in
0..1, which lets fixed cut-offs (below) drop weak extras: as shipped TF-IDF still finds both halves
132/134 while listing 4 wrong sources over all 268 queries, where a plain top 3 lists about 310.

An extractive summary's sentences are the article's own: a sentence equal to an article sentence
(after NFKC, spacing and case) gets exactly that sentence with score 1.0 and nothing else.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

#: At most this many sources per summary sentence (a fused sentence rarely draws on more).
MAX_SOURCES = 3
#: A source must score at least this (cosine, 0..1): below it the overlap is one common word.
MIN_SCORE = 0.1
#: ... and at least this share of the best source's score, so weak extras are not listed. Measured
#: with evaluation/sources_methods.py (134 queries of each kind): 0.5 found both halves of a fused
#: sentence 119 times, 0.3 132 times, at the cost of 1 wrong extra source over 134 single-source
#: queries (0.5: none); 0.0 lists 3 sources always (268 wrong extras).
RELATIVE_CUTOFF = 0.3

_TOKEN = re.compile(r"\d[\d,.]*\d|\d|[^\W\d_]+")
_STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as into about over after before under
    between through during is are was were be been being has have had do does did will would should can
    could may might must it its this that these those he she they we you i his her their our your who
    which what when where not no also said says say more most than then there here up out all any some
    such only very just so""".split()
)


@dataclass(frozen=True)
class Source:
    """One supporting article sentence: where it is, how well it matches, and its own text."""

    paragraph: int
    sentence: int
    score: float
    text: str

    def to_dict(self) -> dict:
        return asdict(self)


def _tokens(text: str) -> list[str]:
    words = (m.replace(",", "") for m in _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold()))
    return [w for w in words if w not in _STOPWORDS]


def _same(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    return norm(a) == norm(b)


def link_sources(
    summary_sentences: Sequence[str],
    english_paragraphs: Sequence[Sequence[str]],
    own_paragraphs: Sequence[Sequence[str]] | None = None,
    first_paragraph: int = 0,
) -> list[list[Source]]:
    """For each summary sentence, its best supporting article sentences, best first.

    `english_paragraphs` are the article's sentences in English (paragraph by paragraph);
    `own_paragraphs` the same sentences in the article's language (defaults to the English), whose
    text goes into each `Source`. Paragraph indices start at `first_paragraph` (so they match
    `Result.article` when a headline row comes first) and skip nothing."""
    own = own_paragraphs if own_paragraphs is not None else english_paragraphs
    places = [
        (p, s, english, own[p][s])
        for p, paragraph in enumerate(english_paragraphs)
        for s, english in enumerate(paragraph)
    ]
    bags = [Counter(_tokens(english)) for _, _, english, _ in places]
    frequency = Counter(word for bag in bags for word in bag)
    count = len(places)
    idf = {word: math.log((count + 1) / (df + 1)) + 1.0 for word, df in frequency.items()}

    def vector(bag: Counter) -> dict[str, float]:
        return {w: n * idf.get(w, math.log(count + 1) + 1.0) for w, n in bag.items()}

    vectors = [vector(bag) for bag in bags]
    norms = [math.sqrt(sum(v * v for v in vec.values())) for vec in vectors]
    out: list[list[Source]] = []
    for sentence in summary_sentences:
        exact = next((place for place in places if _same(place[2], sentence)), None)
        if exact is not None:
            p, s, _, text = exact
            out.append([Source(p + first_paragraph, s, 1.0, text)])
            continue
        query = vector(Counter(_tokens(sentence)))
        query_norm = math.sqrt(sum(v * v for v in query.values()))
        scored = []
        for (p, s, _, text), vec, norm in zip(places, vectors, norms, strict=True):
            if not norm or not query_norm:
                continue
            score = sum(weight * vec.get(word, 0.0) for word, weight in query.items()) / (norm * query_norm)
            if score >= MIN_SCORE:
                scored.append((score, p, s, text))
        scored.sort(key=lambda item: (-item[0], item[1], item[2]))
        best = scored[0][0] if scored else 0.0
        out.append(
            [
                Source(p + first_paragraph, s, round(score, 4), text)
                for score, p, s, text in scored[:MAX_SOURCES]
                if score >= RELATIVE_CUTOFF * best
            ]
        )
    return out
