"""Unicode script ranges, defined once: Hangul, kana, Han (kanji/hanja) and their character classes.

Detection counts them, the quality guard checks that a Korean output has Hangul, the documents reader
scores decodings with them, and segmentation uses them to tell CJK text from Latin. Ranges follow the
Unicode blocks (Hangul Jamo, Compatibility Jamo, Jamo Extended-A/B, Syllables; Hiragana, Katakana,
Katakana Phonetic Extensions, half-width katakana; CJK Unified Ideographs with Extension A and the
supplementary-plane extensions, compatibility ideographs, and the iteration marks 々〆〇).
"""

from __future__ import annotations

import re

HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff"
KANA = "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
HAN = "\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CJK = HANGUL + KANA + HAN

HANGUL_RE = re.compile(f"[{HANGUL}]")
KANA_RE = re.compile(f"[{KANA}]")
HAN_RE = re.compile(f"[{HAN}]")
CJK_RE = re.compile(f"[{CJK}]")


def is_hangul(ch: str) -> bool:
    return HANGUL_RE.match(ch) is not None


def is_kana(ch: str) -> bool:
    return KANA_RE.match(ch) is not None


def is_han(ch: str) -> bool:
    return HAN_RE.match(ch) is not None


def script_of(ch: str) -> str:
    """'hangul', 'kana', 'han', or 'other' for one character."""
    if is_hangul(ch):
        return "hangul"
    if is_kana(ch):
        return "kana"
    if is_han(ch):
        return "han"
    return "other"
