"""Chunking at its edges, exactly: where a piece is cut, which sentences share a chunk, and why.

Token counts here are whitespace words (a stand-in for a model's tokenizer), so every expected chunk
can be written out by hand; tests/text/test_text.py covers the general properties.
"""

from __future__ import annotations

import pytest

from service.text.chunking import fit_sentences, pack, split_to_fit


def words(texts):
    return [len(t.split()) for t in texts]


def chars(texts):
    return [len(t) for t in texts]


def sentence(tag: str, size: int) -> str:
    return " ".join(f"{tag}{i}" for i in range(size))


def test_a_text_that_fits_exactly_is_one_piece_and_one_more_word_splits_it():
    assert split_to_fit("  a b c  ", words, 3) == ["a b c"]
    assert split_to_fit("a b c d", words, 3) == ["a b", "c d"]
    assert split_to_fit("a b c d e", words, 3) == ["a b", "c d e"]
    assert split_to_fit("a b c d e f g h", words, 2) == ["a b", "c d", "e f", "g h"]


def test_a_text_without_spaces_is_cut_between_characters_and_a_single_character_is_kept():
    assert split_to_fit("あいうえお", chars, 2) == ["あい", "う", "えお"]  # halves, then halves again
    assert split_to_fit("あ", lambda texts: [5 for _ in texts], 2) == ["あ"]  # nothing left to cut
    assert split_to_fit("   ", words, 2) == []


def test_fit_sentences_cuts_only_the_sentences_over_the_limit():
    assert fit_sentences([], words, 3) == []
    assert fit_sentences(["a b c", "d e f g"], words, 3) == [["a b c"], ["d e", "f g"]]


def test_pack_balances_chunks_instead_of_filling_the_first():
    ten = [sentence(f"s{i}_", 10) for i in range(10)]  # 100 words, window 60: 2 chunks of 50
    assert pack(ten, words, 60) == [" ".join(ten[:5]), " ".join(ten[5:])]


def test_pack_keeps_a_sentence_in_the_chunk_when_it_reaches_the_target_exactly():
    a, b, c = (sentence(tag, 30) for tag in "abc")  # 90 words, window 60: target 45 per chunk
    assert pack([a, b, c], words, 60) == [f"{a} {b}", c]


def test_pack_fills_one_chunk_up_to_exactly_the_limit():
    a, b, c = sentence("a", 40), sentence("b", 10), sentence("c", 10)
    assert pack([a, b, c], words, 60) == [f"{a} {b} {c}"]
    d = sentence("d", 1)
    assert len(pack([a, b, c, d], words, 60)) == 2


def test_pack_cuts_a_sentence_longer_than_the_window_and_uses_the_joiner():
    long = sentence("x", 8)
    assert pack([long], words, 4) == ["x0 x1 x2 x3", "x4 x5 x6 x7"]
    assert pack(["あい。", "うえ。"], chars, 6, joiner="") == ["あい。うえ。"]
    assert pack(["あい。", "うえ。"], chars, 5, joiner="") == ["あい。", "うえ。"]
    assert pack([], words, 10) == []


def test_an_empty_sentence_keeps_its_place():
    """One group per sentence, always: the pipeline zips sentences with their groups."""
    assert fit_sentences(["", "a b"], words, 3) == [[""], ["a b"]]
    assert fit_sentences([" a b "], words, 3) == [[" a b "]]  # a sentence that fits is left as it is


def test_no_chunk_passes_the_limit_even_when_balance_would_allow_it():
    # 120 words in a 60-word window: target 60; 50 + 20 would be 70.
    a, b, c = sentence("a", 50), sentence("b", 20), sentence("c", 50)
    chunks = pack([a, b, c], words, 60)
    assert chunks == [a, b, c]
    assert max(words(chunks)) <= 60


def test_a_new_chunk_starts_empty():
    a, b, c = sentence("a", 50), sentence("b", 30), sentence("c", 30)  # 110 in 60: target 55
    assert pack([a, b, c], words, 60) == [a, f"{b} {c}"]  # 30 + 30 fits exactly


def test_a_sentence_goes_to_the_next_chunk_when_more_than_half_of_it_passes_the_target():
    a, b, c = sentence("a", 42), sentence("b", 20), sentence("c", 38)  # 100 in 70: target 50
    assert pack([a, b, c], words, 70) == [a, f"{b} {c}"]  # 42 + 20/2 = 52 > 50


def test_a_counter_that_loses_a_text_is_an_error_not_a_lost_sentence():
    calls = []

    def forgetful(texts):
        calls.append(len(texts))
        counts = [len(t.split()) for t in texts]
        return counts if len(calls) == 1 else counts[:-1]  # right once, then one count short

    with pytest.raises(ValueError):
        pack(["a b", "c d"], forgetful, 10)


def test_fit_sentences_at_exactly_the_limit_and_with_a_counter_that_loses_a_text():
    assert fit_sentences([" a b c "], words, 3) == [[" a b c "]]  # at the limit: left as it is
    with pytest.raises(ValueError):
        fit_sentences(["a", "b"], lambda texts: [1], 5)
