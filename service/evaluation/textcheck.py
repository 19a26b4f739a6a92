"""Score the text stage (furniture removal, headline, sentence splitting) on the news-page corpus.

The corpus (`evaluation/data/news/*.json`) holds page-shaped texts written for this project, each
with its headline, its story sentences exactly as written, and the furniture lines a careful editor
would remove, with a reason. This module compares what `service.text.article.prepare` makes of each
page with that, per language:

- **boundaries**: precision, recall and F1 of sentence ends inside the story. Positions are counted
  in the page with whitespace removed (and NFKC applied to both sides, so a splitter is not blamed
  for a normalisation); boundaries of headlines or furniture lines left in are not counted here,
  they show up as furniture misses.
- **furniture**: precision and recall of removed lines against the expected ones.
- **story removed**: removed lines that hold a story sentence. The target is zero, always.
- **as written**: story sentences that come out character for character as in the source (runs of
  whitespace count as one space), i.e. nothing was normalised in the reader's column.
- **titles**: headlines found (or correctly not found).
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

#: Where the corpus lives in a checkout (relative to the repository root).
DEFAULT_DATA = Path("evaluation/data/news")
LANGUAGES = ("ko", "ja", "en")


@dataclass(frozen=True)
class Case:
    id: str
    language: str
    text: str
    sentences: list[str]
    removed: list[dict[str, str]]
    title: str | None = None


@dataclass(frozen=True)
class Prediction:
    title: str | None
    sentences: list[str]
    removed: list[tuple[str, str]]  # (text, reason)


@dataclass
class Tally:
    boundary_tp: int = 0
    boundary_fp: int = 0
    boundary_fn: int = 0
    furniture_tp: int = 0
    furniture_fp: int = 0
    furniture_fn: int = 0
    sentences: int = 0
    as_written: int = 0
    titles: int = 0
    titles_right: int = 0
    articles: int = 0
    story_removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)

    def figures(self) -> dict[str, float | int]:
        bp = _ratio(self.boundary_tp, self.boundary_tp + self.boundary_fp)
        br = _ratio(self.boundary_tp, self.boundary_tp + self.boundary_fn)
        return {
            "articles": self.articles,
            "sentences": self.sentences,
            "boundary_precision": bp,
            "boundary_recall": br,
            "boundary_f1": _ratio(2 * bp * br, bp + br),
            "furniture_lines": self.furniture_tp + self.furniture_fn,
            "furniture_precision": _ratio(self.furniture_tp, self.furniture_tp + self.furniture_fp),
            "furniture_recall": _ratio(self.furniture_tp, self.furniture_tp + self.furniture_fn),
            "story_removed": len(self.story_removed),
            "as_written": _ratio(self.as_written, self.sentences),
            "titles": _ratio(self.titles_right, self.titles),
        }


def _ratio(a: float, b: float) -> float:
    return a / b if b else 1.0


def key(text: str) -> str:
    """What two renderings of the same text share: NFKC, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _as_written(text: str) -> str:
    return " ".join(text.split())


def load_cases(folder: Path = DEFAULT_DATA) -> list[Case]:
    """Every `*.json` in the folder, sorted by name; a malformed file names itself in the error."""
    cases = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            cases.append(
                Case(
                    id=data["id"],
                    language=data["language"],
                    text=data["text"],
                    sentences=list(data["sentences"]),
                    removed=list(data["removed"]),
                    title=data.get("title"),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: not a news case ({exc})") from exc
    if not cases:
        raise ValueError(f"No *.json news cases in {folder}")
    return cases


def _spans(page: str, sentences: Iterable[str]) -> list[tuple[int, int] | None]:
    """Where each sentence lies in the page (whitespace-free positions), searched in order."""
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for sentence in sentences:
        k = key(sentence)
        at = page.find(k, cursor) if k else -1
        if at < 0:
            spans.append(None)
            continue
        spans.append((at, at + len(k)))
        cursor = at + len(k)
    return spans


def score_case(case: Case, prediction: Prediction) -> Tally:
    tally = Tally(articles=1, sentences=len(case.sentences))
    page = key(case.text)
    found_spans = _spans(page, case.sentences)
    if None in found_spans:
        missing = case.sentences[found_spans.index(None)]
        raise ValueError(f"{case.id}: expected sentence not in the text: {missing!r}")
    gold_spans = [span for span in found_spans if span is not None]
    gold_ends = {end for _, end in gold_spans}
    predicted_ends = set()
    for sentence, span in zip(prediction.sentences, _spans(page, prediction.sentences), strict=True):
        if span is None:
            tally.boundary_fp += 1
            tally.errors.append(f"{case.id}: output sentence not found in the page: {sentence!r}")
        elif any(start < span[1] <= end for start, end in gold_spans):
            predicted_ends.add(span[1])
    tally.boundary_tp = len(predicted_ends & gold_ends)
    tally.boundary_fp += len(predicted_ends - gold_ends)
    tally.boundary_fn = len(gold_ends - predicted_ends)
    outputs = Counter(_as_written(s) for s in prediction.sentences)
    for sentence in case.sentences:
        if outputs[_as_written(sentence)] > 0:
            tally.as_written += 1
            outputs[_as_written(sentence)] -= 1
        else:
            tally.errors.append(f"{case.id}: sentence not output as written: {sentence!r}")

    gold_furniture = Counter(key(r["text"]) for r in case.removed)
    predicted_furniture = Counter(key(text) for text, _ in prediction.removed)
    matched = gold_furniture & predicted_furniture
    tally.furniture_tp = sum(matched.values())
    tally.furniture_fp = sum((predicted_furniture - matched).values())
    tally.furniture_fn = sum((gold_furniture - matched).values())
    for text in (gold_furniture - matched).elements():
        tally.errors.append(f"{case.id}: furniture kept: {text!r}")
    story = [key(s) for s in case.sentences]
    for text in (predicted_furniture - matched).elements():
        if any(s in text or (text and text in s) for s in story):
            tally.story_removed.append(f"{case.id}: {text}")
            tally.errors.append(f"{case.id}: STORY REMOVED: {text!r}")
        else:
            tally.errors.append(f"{case.id}: removed but not furniture: {text!r}")

    tally.titles = 1
    if (key(case.title) if case.title else None) == (key(prediction.title) if prediction.title else None):
        tally.titles_right = 1
    else:
        tally.errors.append(f"{case.id}: title {prediction.title!r}, expected {case.title!r}")
    return tally


def prepare_prediction(case: Case) -> Prediction:
    """The text stage as the pipeline runs it: furniture, headline, paragraphs, sentences."""
    from service.text.article import prepare

    prepared = prepare(case.text, case.language)
    return Prediction(
        title=prepared.title,
        sentences=[s for paragraph in prepared.paragraphs for s in paragraph],
        removed=[(r.text, r.reason) for r in prepared.removed],
    )


def run(cases: list[Case], predict: Callable[[Case], Prediction] = prepare_prediction) -> dict[str, Tally]:
    """One tally per language plus "all"."""
    tallies = {language: Tally() for language in LANGUAGES}
    for case in cases:
        tallies.setdefault(case.language, Tally()).add(score_case(case, predict(case)))
    total = Tally()
    for tally in tallies.values():
        total.add(tally)
    tallies["all"] = total
    return {language: t for language, t in tallies.items() if t.articles}


def report(tallies: dict[str, Tally]) -> str:
    """A Markdown table, one row per language."""
    header = (
        "| language | articles | sentences | boundary P | boundary R | boundary F1 | furniture lines "
        "| furniture P | furniture R | story removed | as written | titles |"
    )
    lines = [header, "|---" * 12 + "|"]
    for language, tally in tallies.items():
        f = tally.figures()
        lines.append(
            f"| {language} | {f['articles']} | {f['sentences']} | {f['boundary_precision']:.3f} "
            f"| {f['boundary_recall']:.3f} | {f['boundary_f1']:.3f} | {f['furniture_lines']} "
            f"| {f['furniture_precision']:.3f} | {f['furniture_recall']:.3f} | {f['story_removed']} "
            f"| {f['as_written']:.3f} | {f['titles']:.3f} |"
        )
    return "\n".join(lines)
