"""Text normalization: repair scraped glyphs, fold widths, map to Simplified Chinese, split.

Every function here keeps character offsets meaningful:

* :func:`repair_pinyin_glyphs` and :func:`fold_width` produce the ``text`` that offsets
  point into (the repair removes characters, so it runs before any offset is taken);
* :func:`to_simplified` is length-preserving, so an offset found in ``simplified`` points
  at the same character of ``text``;
* :func:`split_sentences` and :func:`split_paragraphs` return offsets into the text given.

Regexes are compiled once at import; the module has to keep up with tens of thousands of
articles (well over 1,000,000 characters a second apart from OpenCC itself).
"""
from __future__ import annotations

import dataclasses
import re
import threading

from .records import Article, Sentence

__all__ = [
    "repair_pinyin_glyphs", "fold_width", "to_simplified", "detect_language",
    "normalize_article", "split_sentences", "split_paragraphs", "HAN_CLASS",
]

#: A character class (without brackets) of Han ideographs: CJK unified (with extension A
#: and the supplementary planes), compatibility ideographs, and 〇.
HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007\U00020000-\U0003134f"
_HAN_RE = re.compile(f"[{HAN_CLASS}]")
_LATIN_RE = re.compile("[A-Za-z]")

# --------------------------------------------------------------------------------------
# Pinyin-annotated glyphs: 聯(lián) -> 聯
# --------------------------------------------------------------------------------------
# Some sites render a Traditional page by converting glyph by glyph, and where a glyph has
# no mapping they print it with its pinyin in brackets. The FACTS.md pattern finds them; a
# candidate is removed only when its letters form one pinyin syllable. A toneless syllable
# (neutral tone, e.g. 們(men)) is removed only in a text that also has tone-marked ones,
# so "(ai)" or "(gui)" after a Han character in ordinary text is left alone.
_TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN_CANDIDATE = re.compile(
    f"(?<=[{HAN_CLASS}])(?:\\(([a-z{_TONE_MARKS}ü]+)\\)|（([a-z{_TONE_MARKS}ü]+)）)")
_TONE_FOLD = str.maketrans({
    **{c: "a" for c in "āáǎà"}, **{c: "e" for c in "ēéěè"}, **{c: "i" for c in "īíǐì"},
    **{c: "o" for c in "ōóǒò"}, **{c: "u" for c in "ūúǔù"}, **{c: "v" for c in "ǖǘǚǜü"},
})
_TONED = re.compile(f"[{_TONE_MARKS}]")
_SYLLABLE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|in|un|vn"
    r"|er|ia|ie|iu|ua|uo|ui|ve|ue|a|o|e|i|u|v)")


def _is_syllable(letters: str) -> bool:
    return _SYLLABLE.fullmatch(letters.translate(_TONE_FOLD)) is not None


def repair_pinyin_glyphs(text: str) -> str:
    """Remove pinyin annotations after a Han character: ``聯(lián)`` -> ``聯``.

    Parentheses after anything but a Han character (``2021(2)``), and parentheses holding
    anything but a single pinyin syllable (``(see note)``, ``(AI)``, ``(llm)``), are kept.
    """
    if "(" not in text and "（" not in text:
        return text
    found = [m for m in _PINYIN_CANDIDATE.finditer(text) if _is_syllable(m.group(1) or m.group(2))]
    if not found:
        return text
    toned_seen = any(_TONED.search(m.group(1) or m.group(2)) for m in found)
    out = []
    pos = 0
    for m in found:
        if not toned_seen and not _TONED.search(m.group(1) or m.group(2)):
            continue
        out.append(text[pos:m.start()])
        pos = m.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


# --------------------------------------------------------------------------------------
# Width folding
# --------------------------------------------------------------------------------------
# Only full-width digits and Latin letters (and the ideographic space) are folded:
# Chinese punctuation （），。、“” stays as written, since recognition rules rely on it.
_WIDTH_TABLE = {0x3000: " "}
for _lo, _hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)):
    for _cp in range(_lo, _hi + 1):
        _WIDTH_TABLE[_cp] = chr(_cp - 0xFEE0)
_WIDE_RE = re.compile("[\u3000\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


def fold_width(text: str) -> str:
    """Full-width letters, digits and the ideographic space to ASCII, one char for one."""
    if _WIDE_RE.search(text) is None:
        return text
    return text.translate(_WIDTH_TABLE)


# --------------------------------------------------------------------------------------
# Traditional -> Simplified, length-preserving
# --------------------------------------------------------------------------------------
_converter = None
_converter_lock = threading.Lock()


def _t2s():
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return _converter


def _convert_piece(cc, piece: str) -> str:
    if piece.isascii():
        return piece
    out = cc.convert(piece)
    if len(out) == len(piece):
        return out
    # a phrase mapping changed the length: convert glyph by glyph instead
    chars = []
    for ch in piece:
        c = cc.convert(ch)
        chars.append(c if len(c) == 1 else ch)
    return "".join(chars)


def to_simplified(text: str) -> str:
    """OpenCC ``t2s`` conversion with exactly the length of ``text``.

    Converted line by line (so phrase rules still apply within a line); a line whose
    conversion changes length is converted character by character.
    """
    if not text or text.isascii():
        return text
    cc = _t2s()
    if "\n" not in text:
        return _convert_piece(cc, text)
    return "\n".join(_convert_piece(cc, line) for line in text.split("\n"))


# --------------------------------------------------------------------------------------
# Language
# --------------------------------------------------------------------------------------
_LANG_SAMPLE = 20000      # characters looked at
_HANT_SAMPLE = 4000       # Han characters compared with their t2s form
_HANT_SHARE = 0.03        # share of Han characters t2s changes in a Traditional text


def detect_language(text: str) -> str:
    """``"en"``, ``"zh-Hant"`` or ``"zh-Hans"`` (``""`` when the text has no letters at all).

    English when ASCII letters outnumber Han characters; otherwise Traditional when OpenCC
    ``t2s`` changes more than 3% of the Han characters, else Simplified.
    """
    sample = text[:_LANG_SAMPLE]
    han = _HAN_RE.findall(sample)
    latin = len(_LATIN_RE.findall(sample))
    if not han and not latin:
        return ""
    if latin > len(han):
        return "en"
    chars = "".join(han[:_HANT_SAMPLE])
    simp = to_simplified(chars)
    changed = sum(1 for a, b in zip(chars, simp) if a != b)
    return "zh-Hant" if changed > _HANT_SHARE * len(chars) else "zh-Hans"


def normalize_article(article: Article) -> Article:
    """A copy of ``article`` with glyphs repaired, widths folded and ``simplified`` set."""
    text = fold_width(repair_pinyin_glyphs(article.text))
    title = fold_width(repair_pinyin_glyphs(article.title))
    return dataclasses.replace(
        article, text=text, title=title, simplified=to_simplified(text),
        language=article.language or detect_language(text))


# --------------------------------------------------------------------------------------
# Sentences and paragraphs
# --------------------------------------------------------------------------------------
_CLOSERS = "”」』’\"'）)】》"
# Candidate ends: a line break; Chinese end marks; ASCII ! ? ; ; periods followed by space.
_END_RE = re.compile(
    "\n"
    f"|[。！？；]+[{_CLOSERS}]*"
    f"|[!?;]+[{_CLOSERS}]*"
    f"|\\.+[{_CLOSERS}]*(?=\\s)")
_CJK_AROUND = re.compile(f"[{HAN_CLASS}\u3000-\u303f\uff00-\uffef]")
_NEXT_START = re.compile(f"[ \t\u00a0]+(?:[\"'“‘(\\[]*)([A-Z0-9{HAN_CLASS}])")
_ABBREVIATIONS = frozenset("""
mr mrs ms dr prof sr jr st mt no nos vol vols fig figs p pp op art sec ch para
jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri sat sun
gen col lt sgt capt cmdr adm gov sen rep pres supt insp
inc co corp ltd llc plc dept univ assn bros est approx vs etc al cf ie eg viz ca
""".split())
_WS_RE = re.compile(r"\S(?:[^\n]*\S)?")


def _word_before(text: str, dot: int) -> str:
    """The token that ends at ``text[dot]`` (the period), without the period."""
    k = dot
    while k > 0 and dot - k < 40 and (text[k - 1] in ".-&'" or (text[k - 1].isascii() and text[k - 1].isalnum())):
        k -= 1
    return text[k:dot].lstrip(".-&'")


def _is_boundary(text: str, m: re.Match) -> bool:
    first = text[m.start()]
    if first == "\n" or first in "。！？；":
        return True
    end = m.end()
    if end >= len(text) or text[end] == "\n":
        return True
    if first in "!?;":
        # Chinese text written with ASCII marks: a boundary between CJK characters
        before = text[m.start() - 1] if m.start() else ""
        if _CJK_AROUND.match(before) or _CJK_AROUND.match(text[end]):
            return True
        return first != ";" and _NEXT_START.match(text, end) is not None
    # a period: English rule, space + capital (or digit, Han, opening quote) next
    nxt = _NEXT_START.match(text, end)
    if nxt is None:
        return False
    word = _word_before(text, m.start())
    if not word:
        return True
    if word.lower().rstrip(".") in _ABBREVIATIONS:
        return False
    last = word.rsplit(".", 1)[-1]
    if len(last) == 1 and last.isalpha():        # initials and U.S., U.K., J. Smith
        return False
    if nxt.group(1).isdigit() and word.lower() in ("no", "art", "p", "pp"):
        return False
    return True


def _span(text: str, a: int, b: int) -> Sentence | None:
    piece = text[a:b]
    stripped = piece.strip()
    if not stripped:
        return None
    a += len(piece) - len(piece.lstrip())
    return Sentence(a, a + len(stripped), stripped)


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` with ``text[s.start:s.end] == s.text`` (whitespace trimmed).

    Chinese ends at 。！？； (and ASCII ! ? ; between CJK characters) with closing quotes
    kept; English at . ! ? followed by a space and a capital, not after abbreviations
    (Mr., No., U.S.); every line break ends a sentence.
    """
    out: list[Sentence] = []
    start = 0
    for m in _END_RE.finditer(text):
        if not _is_boundary(text, m):
            continue
        end = m.end()
        s = _span(text, start, end)
        if s is not None:
            out.append(s)
        start = end
    s = _span(text, start, len(text))
    if s is not None:
        out.append(s)
    return out


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, whitespace trimmed."""
    return [m.span() for m in _WS_RE.finditer(text)]
