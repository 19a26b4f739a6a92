"""Which scorer links a summary sentence to its article sentences best? (service/text/sources.py)

No gold links exist for the shipped summaries, so the queries are made from the 12 English articles
of evaluation/data/summarise-en.jsonl, with known sources, imitating what abstractive summarisers do:

- compressed: one article sentence (8+ words) with a third of its content words dropped and its
  clauses reordered; the source is that sentence (top-1 must be it);
- fused: the first half of one sentence joined to the second half of another from the same article;
  both must be among the sentences returned (at most 3).

Compared: TF-IDF cosine (`link_sources`, as shipped, with its cut-offs), raw content-word overlap
count, and ROUGE-L F1 (longest common subsequence of tokens), the last two taking their top 3.
Run: `python evaluation/sources_methods.py` (a few seconds, no models). Seeded, so repeatable.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from service.text.segment import split_paragraphs, split_sentences
from service.text.sources import _tokens, link_sources

DATA = Path(__file__).resolve().parent / "data" / "summarise-en.jsonl"


def _lcs(a: list[str], b: list[str]) -> int:
    row = [0] * (len(b) + 1)
    for x in a:
        previous = 0
        for j, y in enumerate(b, 1):
            current = row[j]
            row[j] = previous + 1 if x == y else max(row[j], row[j - 1])
            previous = current
    return row[-1]


def _top(scores: list[float], k: int = 3) -> list[int]:
    ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
    return [i for i in ranked[:k] if scores[i] > 0]


def overlap(query: str, sentences: list[str]) -> list[int]:
    q = Counter(_tokens(query))
    return _top([sum((q & Counter(_tokens(s))).values()) for s in sentences])


def rouge_l(query: str, sentences: list[str]) -> list[int]:
    q = _tokens(query)
    scores = []
    for s in sentences:
        t = _tokens(s)
        lcs = _lcs(q, t)
        scores.append(0.0 if not lcs else 2 * lcs / (len(q) + len(t)))
    return _top(scores)


def tfidf(query: str, sentences: list[str]) -> list[int]:
    found = link_sources([query], [sentences])[0]
    return [source.sentence for source in found]


def compress(sentence: str, rng: random.Random) -> str:
    clauses = [c.strip() for c in sentence.rstrip(".").split(",") if c.strip()]
    rng.shuffle(clauses)
    words = ", ".join(clauses).split()
    keep = [w for w in words if rng.random() > 0.33 or len(w) <= 3]
    return " ".join(keep) + "."


def main() -> None:
    rng = random.Random(13)
    methods = {"tfidf": tfidf, "overlap": overlap, "rouge_l": rouge_l}
    hits = {name: Counter() for name in methods}
    totals = Counter()
    for line in DATA.read_text(encoding="utf-8").splitlines():
        article = json.loads(line)["source"]
        sentences = [s for p in split_paragraphs(article) for s in split_sentences(p, "en")]
        for index, sentence in enumerate(sentences):
            if len(sentence.split()) < 8:
                continue
            query = compress(sentence, rng)
            totals["compressed"] += 1
            for name, method in methods.items():
                found = method(query, sentences)
                hits[name]["compressed"] += bool(found) and found[0] == index
                hits[name]["compressed extras"] += len([i for i in found if i != index])
            other = rng.choice([i for i in range(len(sentences)) if i != index])
            a, b = sentence.split(), sentences[other].split()
            fused = " ".join(a[: len(a) // 2] + b[len(b) // 2 :])
            totals["fused"] += 1
            for name, method in methods.items():
                found = method(fused, sentences)
                hits[name]["fused"] += index in found and other in found
                hits[name]["fused extras"] += len([i for i in found if i not in (index, other)])
    for kind in ("compressed", "fused"):
        line = ", ".join(
            f"{name} {hits[name][kind]}/{totals[kind]} (wrong extras {hits[name][kind + ' extras']})"
            for name in methods
        )
        print(f"{kind}: {line}")


if __name__ == "__main__":
    main()
