"""Bytes to text for plain-text formats: BOMs, UTF-8 and UTF-16 without BOM, and the legacy Korean and
Japanese encodings (CP949, EUC-KR, Shift_JIS/CP932, EUC-JP) chosen by how plausible the result reads."""

from __future__ import annotations

import codecs
import unicodedata
from typing import TYPE_CHECKING

from service.errors import DocumentError
from service.text import scripts

if TYPE_CHECKING:
    pass

# The parsing libraries are imported inside their readers: trafilatura alone takes a noticeable time
# to import, and a process that only reads text files should not pay for PDF and HTML support.


# --------------------------------------------------------------------------------------------------
# Text decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The legacy encodings we promise to read. EUC-KR and Shift_JIS are subsets of CP949 and CP932, which
# charset-normalizer prefers to report; CP949/CP932 decode both correctly.
_CJK_ENCODINGS = ["cp949", "euc_kr", "cp932", "shift_jis", "euc_jp"]
# C0 controls that never appear in text files; TAB, LF, VT, FF, CR and ESC (ANSI colours in logs) do.
_CONTROL_BYTES = frozenset([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])


def _decode(data: bytes, label: str) -> tuple[str, str]:
    """Decode bytes whose encoding nobody told us, refusing binary data instead of returning mojibake.

    BOMs are unambiguous, and strict UTF-8 almost never succeeds by accident, so both come before
    statistics. Short CJK texts are where charset-normalizer is weakest (EUC-JP kana decode as valid
    CP949 jamo), so its candidates are restricted to the encodings we support and re-ranked by how
    plausible the decoded characters are for Korean or Japanese.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(codec, errors="replace")
            name = "utf-8-sig" if codec == "utf-8" else codec
            return _require_plausible(text, label), name
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return _require_plausible(data.decode(utf16, errors="replace"), label), utf16
    if _looks_binary(data):
        raise DocumentError(f"Cannot read {label}: it looks like binary data, not text.")
    for errors in ("strict", "surrogatepass"):
        try:
            # "surrogatepass" accepts UTF-8 that encodes lone surrogates (CESU-8/WTF-8 writers);
            # _clean replaces them later.
            return data.decode("utf-8", errors=errors), "utf-8"
        except UnicodeDecodeError:
            pass
    nearly_utf8 = _nearly_utf8(data)
    if nearly_utf8 is not None:
        return nearly_utf8, "utf-8"
    cjk = _best_cjk_decoding(data)
    if cjk is not None:
        return cjk
    return _any_decoding(data, label)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM puts NUL bytes at every other position for its ASCII characters (spaces,
    digits, punctuation); binary data has NULs at both positions and decodes to unlikely characters."""
    sample = data[:4096]
    if len(sample) < 8 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    half = len(sample) // 2
    for codec, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= max(0.05 * half, 2 * other.count(0)):
            try:
                # Incremental: the sample may end inside a surrogate pair.
                text = codecs.getincrementaldecoder(codec)().decode(sample)
            except UnicodeDecodeError:
                continue
            if sum(map(_common_char, text)) >= 0.95 * len(text):
                return codec
    return None


def _common_char(ch: str) -> bool:
    """Characters that make up nearly all English, Korean and Japanese text (and most other text)."""
    if ch.isascii():
        return ch.isprintable() or ch in "\t\n\r"
    return (
        "\u00a0" <= ch <= "\u024f"  # Latin-1 and Latin Extended
        or "\u2000" <= ch <= "\u206f"  # general punctuation
        or "\u3000" <= ch <= "\u30ff"  # CJK punctuation, kana
        or "\u4e00" <= ch <= "\u9fff"  # CJK ideographs
        or "\uac00" <= ch <= "\ud7a3"  # Hangul syllables
        or "\uff00" <= ch <= "\uffef"  # full- and half-width forms
    )


def _looks_binary(data: bytes) -> bool:
    """Text has at most a few stray control bytes; binary formats have NUL runs or many controls."""
    sample = data[:65536]
    if not sample:
        return False
    if b"\x00\x00" in sample or sample.count(0) > 0.01 * len(sample):
        return True
    controls = sum(1 for byte in sample if byte in _CONTROL_BYTES)
    return controls > 0.05 * len(sample)


def _nearly_utf8(data: bytes) -> str | None:
    """Accept UTF-8 with a handful of corrupt bytes, which a statistical detector would misread."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    if multibyte >= 4 and bad <= multibyte / 100:
        return text
    return None


def _best_cjk_decoding(data: bytes) -> tuple[str, str] | None:
    """Rank charset-normalizer's CJK proposals (plus any supported codec that decodes strictly, since
    it sometimes proposes nothing for one short sentence) by plausibility, then by its chaos measure."""
    from charset_normalizer import from_bytes

    chaos = {codecs.lookup(m.encoding).name: m.chaos for m in from_bytes(data, cp_isolation=_CJK_ENCODINGS)}
    best: tuple[float, float, str, str] | None = None
    for encoding in dict.fromkeys([*chaos, *(codecs.lookup(e).name for e in _CJK_ENCODINGS)]):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidate = (_cjk_plausibility(text), -chaos.get(encoding, 1.0), text, encoding)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is None or best[0] < 0.2:
        return None
    return best[2], best[3]


def _any_decoding(data: bytes, label: str) -> tuple[str, str]:
    """Last resort for other legacy encodings (say CP1252); the pipeline then judges the language."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if matches:
        # Equal chaos is common for short Latin text; CP1252 is then the likeliest Windows encoding.
        least = min(m.chaos for m in matches)
        near = [m.encoding for m in matches if m.chaos <= least + 0.01]
        encoding = codecs.lookup("cp1252" if "cp1252" in near else near[0]).name
        try:
            return _require_plausible(data.decode(encoding), label), encoding
        except (UnicodeDecodeError, LookupError):
            pass
    raise DocumentError(
        f"Cannot read {label}: it looks like binary data, not text (no known text encoding fits). "
        "Save it as UTF-8 text."
    )


def _require_plausible(text: str, label: str) -> str:
    """A decoder that never fails (UTF-16, single-byte code pages) turns binary data into symbol soup;
    unassigned, private-use and control characters give it away."""
    sample = text[:20000]
    bad = sum(1 for ch in sample if ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs"))
    bad -= sum(1 for ch in sample if ch in "\t\n\r\x0b\x0c")
    if sample and bad > 0.05 * len(sample):
        raise DocumentError(f"Cannot read {label}: it looks like binary data, not text.")
    return text


def _cjk_plausibility(text: str) -> float:
    """Average per non-ASCII character, 1 at best: how much they look like real Korean or Japanese.

    Frequency proxies without a corpus: KS X 1001 holds the common Hangul syllables (CP949-only ones
    are rare), JIS level 1 holds the common kanji, and real text neither wedges a CJK character between
    two Latin letters nor glues Hangul to a Chinese character. Kana decoded as CP949 becomes isolated
    jamo, which real text never has.
    """
    total = 0
    score = 0.0
    sample = text[:8000]
    for index, ch in enumerate(sample):
        code = ord(ch)
        if code < 0x80:
            continue
        total += 1
        score += _char_score(ch, code)
        before = sample[index - 1] if index else ""
        after = sample[index + 1] if index + 1 < len(sample) else ""
        if before.isascii() and before.isalpha() and after.isascii() and after.isalpha():
            score -= 2.0
        if (_is_hangul(ch) and _is_han(before)) or (_is_han(ch) and _is_hangul(before)):
            score -= 1.0  # Hangul glued to a Chinese character: EUC-JP kanji misread as CP949
    return score / total if total else 0.0


_is_hangul, _is_han = scripts.is_hangul, scripts.is_han


def _char_score(ch: str, code: int) -> float:
    if 0xAC00 <= code <= 0xD7A3:
        return 1.0 if _ksx1001_syllable(ch) else -0.5
    if 0x3041 <= code <= 0x30FF or 0x3000 <= code <= 0x303F:
        return 1.0
    if 0x4E00 <= code <= 0x9FFF:
        try:
            lead = ch.encode("euc_jp")[0]
        except UnicodeEncodeError:
            return -0.5
        return 0.6 if 0xB0 <= lead <= 0xCF else 0.1
    if 0xFF01 <= code <= 0xFF5E or 0x2000 <= code <= 0x206F:
        return 0.5
    if 0x3131 <= code <= 0x318E or 0xFF61 <= code <= 0xFF9F:
        return -1.0
    if 0x0370 <= code <= 0x04FF or 0x2500 <= code <= 0x257F or 0xE000 <= code <= 0xF8FF:
        return -1.0
    return -0.25


def _ksx1001_syllable(ch: str) -> bool:
    # Python's euc_kr codec spells the other syllables as 8-byte jamo sequences; two bytes means KS X 1001.
    try:
        return len(ch.encode("euc_kr")) == 2
    except UnicodeEncodeError:
        return False
