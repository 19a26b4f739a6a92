"""The text stage: a page in, the story's headline, paragraphs and sentences out, furniture listed.

Order matters: lines are tidied (whitespace and invisible characters only, the text stays as the
source wrote it), furniture lines go next (their rules match whole lines, which paragraph joining
would destroy), then the headline, then paragraphs and sentences. Width folding and other
normalisation the models need happen later, on the model side (`service.text.clean.for_models`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.text.clean import DATE_PREFIX, tidy
from service.text.furniture import Removed, remove_furniture
from service.text.segment import split_paragraphs, split_sentences

#: A headline is one line; longer first lines are a lead paragraph without final punctuation.
MAX_TITLE_CHARS = 150
#: A first line ending like this is a sentence, not a headline (closing quotes and brackets aside:
#: headlines often end in a quote, `…"병원 가려면 하루가 걸려요"`).
_SENTENCE_LIKE = re.compile(r"[.!?。！？:：,、]$")
_CLOSERS = "\"'”’」』)）]】"


@dataclass(frozen=True)
class PreparedText:
    """What the text stage found in a page."""

    title: str | None
    paragraphs: list[list[str]]
    removed: list[Removed] = field(default_factory=list)

    @property
    def sentences(self) -> list[str]:
        return [s for paragraph in self.paragraphs for s in paragraph]


def find_title(lines: list[str]) -> int | None:
    """Index of the headline among the story lines, or None.

    The headline is the first line when it is short, does not end like a sentence (`…했다.`, `。`,
    `?`) and more text follows. Wire copy and pasted bodies without a headline start with a
    sentence, so they keep every line. In text with blank lines between paragraphs (files, PDFs) the
    headline is a block of its own: a first line that continues in the next one is a wrapped
    sentence, not a headline.
    """
    texts = [(i, line) for i, line in enumerate(lines) if line.strip()]
    if len(texts) < 2:
        return None
    (index, first), (next_index, following) = texts[0], texts[1]
    first = first.strip()
    if len(first) > MAX_TITLE_CHARS or _SENTENCE_LIKE.search(first.rstrip(_CLOSERS)):
        return None
    blocks = any(not line.strip() for line in lines[index:])
    if (blocks and next_index == index + 1) or following.strip()[:1].islower():
        return None
    return index


def prepare(text: str, language: str, *, clean: bool = True) -> PreparedText:
    """Headline, paragraphs of sentences and removed lines of one page in `language`.

    With `clean=False` no line is removed and no headline is taken out: every line is story.
    """
    lines = [DATE_PREFIX.sub("", line) for line in tidy(text).split("\n")]
    removed: list[Removed] = []
    if clean:
        lines, removed = remove_furniture(lines, language)
    title = None
    if clean and (index := find_title(lines)) is not None:
        title = lines[index].strip()
        lines = lines[:index] + lines[index + 1 :]
    paragraphs = [split_sentences(p, language) for p in split_paragraphs("\n".join(lines).strip())]
    return PreparedText(title=title, paragraphs=[p for p in paragraphs if p], removed=removed)
