"""An extractive summariser: picks the article's most central sentences, needs no weights.

Useful where no summarisation model can be downloaded or afforded, and as an honest baseline: every
sentence of its summary is a sentence of the article, verbatim, so it can never invent facts.

Scoring is TF-IDF centrality with a lead bias, the classic recipe for news (the first sentences of
a news story carry its gist), plus a redundancy filter so two near-identical sentences are not both
picked. Lines the furniture stage would remove (captions, credits, `Reporting by …`) are never
picked, and full sentences are preferred over fragments (`is_complete`). Libraries that do this (sumy, pytextrank) need NLTK or spaCy data downloads at run time,
which this service cannot assume, hence these few lines.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from service.engines.base import Job
from service.models.sets import ModelSpec
from service.text.furniture import furniture_reason
from service.text.segment import split_paragraphs, split_sentences

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
STOPWORDS = frozenset(
    """a an the and or but if then than so of to in on at by for with from as into about over after before
    under between through during without within is are was were be been being has have had do does did
    will would shall should can could may might must it its this that these those he she they we you i
    his her their our your my him them us me who whom whose which what when where why how not no nor
    also said says say just more most very there here up down out off again further once all any both
    each few other some such only own same too s t""".split()
)
#: Weight of position: the first sentence gets up to this much extra score, fading over the article.
LEAD_WEIGHT = 0.25
#: Word-set overlap above which a candidate counts as repeating an already chosen sentence.
MAX_OVERLAP = 0.6


def _words(sentence: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(sentence)) if w not in STOPWORDS and len(w) > 1]


def rank_sentences(sentences: Sequence[str]) -> list[int]:
    """Sentence indices, best first."""
    bags = [Counter(_words(s)) for s in sentences]
    document_frequency = Counter(w for bag in bags for w in bag)
    n = len(sentences)
    idf = {w: math.log((1 + n) / (1 + df)) + 1.0 for w, df in document_frequency.items()}
    centroid: defaultdict[str, float] = defaultdict(float)
    for bag in bags:
        for w, tf in bag.items():
            centroid[w] += tf * idf[w]
    norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    scores = []
    for position, bag in enumerate(bags):
        vector = {w: tf * idf[w] for w, tf in bag.items()}
        length = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        similarity = sum(v * centroid[w] for w, v in vector.items()) / (length * norm)
        lead = LEAD_WEIGHT * (1.0 - position / max(1, n))
        scores.append(similarity + lead if bag else 0.0)
    return sorted(range(n), key=lambda i: (-scores[i], i))


def select(sentences: Sequence[str], wanted: int) -> list[str]:
    """Up to `wanted` sentences, in article order, skipping near-duplicates of chosen ones."""
    chosen: list[int] = []
    chosen_words: list[set[str]] = []
    for index in rank_sentences(sentences):
        if len(chosen) >= wanted:
            break
        words = set(_words(sentences[index]))
        if any(words and len(words & other) / len(words | other) > MAX_OVERLAP for other in chosen_words):
            continue
        chosen.append(index)
        chosen_words.append(words)
    return [sentences[i] for i in sorted(chosen)]


class ExtractiveEngine:
    """Engine interface over `select`; reads whole articles, so its window is unlimited."""

    max_input_tokens = 10**9

    def __init__(self, spec: ModelSpec | None = None):
        self.label = "extractive"

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def generate(self, texts: Sequence[str], job: Job) -> list[str]:
        if job.task != "summarise":
            raise ValueError("the extractive engine only summarises")
        outputs = []
        for text in texts:
            # Furniture rules match whole lines (a caption ends in its credit), then single sentences.
            paragraphs = [p for p in split_paragraphs(text) if not furniture_reason(p, "en")]
            paragraphs = paragraphs or split_paragraphs(text)  # all furniture: better than nothing
            sentences = [s for p in paragraphs for s in split_sentences(p, "en")]
            story = [s for s in sentences if not furniture_reason(s, "en")] or sentences
            complete = [s for s in story if is_complete(s)]
            chosen = select(complete, job.sentences)
            if len(chosen) < job.sentences:  # too few full sentences: fragments fill the gap, in order
                extra = select([s for s in story if s not in chosen], job.sentences - len(chosen))
                chosen = [s for s in story if s in chosen or s in extra]
            outputs.append(" ".join(chosen))
        return outputs


#: A sentence with a predicate ends like one and has a few words; captions ("Seoul, Jan. 13"),
#: headlines and labels ("Q:", "Market News") do not.
MIN_WORDS = 4


def is_complete(sentence: str) -> bool:
    """Ends with a full stop, question or exclamation mark and has at least `MIN_WORDS` words.

    Without a tagger this stands in for "has a predicate": on the English news-page corpus every
    sentence of running text passes, and only bullets, table rows and a list's lead-in (`Three
    things matter most:`) fail.
    """
    return sentence.rstrip("\"'”’)]").endswith((".", "!", "?")) and len(sentence.split()) >= MIN_WORDS
