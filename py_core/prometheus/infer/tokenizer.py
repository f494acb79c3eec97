"""WordPiece tokenizer for BERT-style uncased models, in pure Python.

It reproduces what the reference (Hugging Face `tokenizers` BertNormalizer +
BertPreTokenizer + WordPiece, as configured for all-MiniLM-L6-v2 and driven by
sentence-transformers) produces: ids, attention mask, and truncation at 256 tokens
with no padding. The steps, in the reference's order:

1. Special tokens written literally in the text (``[CLS]``, ``[MASK]``...) are matched on
   the raw text and kept whole.
2. Cleaning: NUL, U+FFFD and control/format/private-use/surrogate characters are removed
   (tab, newline and carriage return count as whitespace); whitespace becomes a space.
3. CJK ideographs get spaces around them, so each is a word of its own.
4. Accents are stripped (NFD, then nonspacing marks dropped), then text is lowercased
   character by character (no context-dependent final sigma).
5. Words are split on whitespace, and every punctuation character (Unicode P* or ASCII
   punctuation) becomes a word of its own.
6. Each word becomes the longest-match-first WordPiece pieces (``##`` marks a
   continuation); a word with no full cover, or longer than 100 characters, is ``[UNK]``.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

from ..errors import ValidationError
from . import unicode_tables

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
MAX_CHARS_PER_WORD = 100
CONTINUATION = "##"

# Rust's char::is_whitespace (the Unicode White_Space property), which the reference uses;
# vertical tab, form feed and U+0085 are control characters to it and are dropped instead.
_WHITESPACE = frozenset(
    "\t\n\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

# Ranges the reference treats as CJK ideographs (CJK Unified Ideographs and extensions,
# compatibility ideographs).
_CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B920, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)


class _RangeSet:
    """Membership in inclusive code point ranges written as hex text ("41-5A 5F ...")."""

    def __init__(self, spec: str):
        bounds = []
        for cell in spec.split():
            lo, _, hi = cell.partition("-")
            bounds.append((int(lo, 16), int(hi or lo, 16)))
        bounds.sort()
        self._starts = [lo for lo, _ in bounds]
        self._ends = [hi for _, hi in bounds]

    def __contains__(self, ch: str) -> bool:
        cp = ord(ch)
        i = bisect.bisect_right(self._starts, cp) - 1
        return i >= 0 and cp <= self._ends[i]


_DROPPED = _RangeSet(unicode_tables.DROPPED)
_PUNCTUATION = _RangeSet(unicode_tables.PUNCTUATION)
# Characters whose case mapping is newer than this Python's Unicode data.
_OVERRIDES = {
    chr(int(cp, 16)): "".join(chr(int(c, 16)) for c in out.split("+"))
    for cp, _, out in (cell.partition(":") for cell in unicode_tables.NORMALIZED.split())
}


def _is_cjk(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _is_dropped(ch: str) -> bool:
    return ch in _DROPPED or 0xD800 <= ord(ch) <= 0xDFFF


def normalize_char(ch: str) -> str:
    """What one character becomes after cleaning, CJK spacing, accent strip, lowercase."""
    if ch in _WHITESPACE:
        return " "
    if _is_dropped(ch):
        return ""
    override = _OVERRIDES.get(ch)
    if override is not None:
        return override
    decomposed = unicodedata.normalize("NFD", ch)
    out = "".join(c.lower() for c in decomposed if not _is_dropped(c))
    return f" {out} " if _is_cjk(ord(ch)) else out


class _CharTable(dict):
    """normalize_char, remembered per character (texts reuse few distinct characters)."""

    def __missing__(self, ch: str) -> str:
        out = self[ch] = normalize_char(ch)
        return out


class _PunctuationTable(dict):
    def __missing__(self, ch: str) -> bool:
        out = self[ch] = ch in _PUNCTUATION
        return out


class WordPieceTokenizer:
    """Text -> token ids for an uncased BERT vocabulary (see the module docstring)."""

    def __init__(self, vocab: Sequence[str], *, max_length: int = 256):
        if max_length < 2:
            raise ValidationError(f"max_length must be at least 2, got {max_length}")
        self.vocab = list(vocab)
        self.ids = {token: i for i, token in enumerate(self.vocab)}
        if len(self.ids) != len(self.vocab):
            raise ValidationError("vocabulary has duplicate tokens")
        missing = [t for t in SPECIAL_TOKENS if t not in self.ids]
        if missing:
            raise ValidationError(f"vocabulary lacks special tokens {missing}")
        self.max_length = max_length
        self.pad_id = self.ids["[PAD]"]
        self.unk_id = self.ids["[UNK]"]
        self.cls_id = self.ids["[CLS]"]
        self.sep_id = self.ids["[SEP]"]
        self._special = re.compile("|".join(re.escape(t) for t in SPECIAL_TOKENS))
        self._char = _CharTable()
        self._punct = _PunctuationTable()
        self._word_cache: dict[str, tuple[int, ...]] = {}

    @classmethod
    def from_vocab_text(cls, text: str, **kwargs) -> WordPieceTokenizer:
        """One token per line, as in BERT's vocab.txt."""
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return cls([line.rstrip("\r") for line in lines], **kwargs)

    # -- pipeline -----------------------------------------------------------------
    def normalize(self, text: str) -> str:
        """Steps 2-4 of the module docstring."""
        return "".join(map(self._char.__getitem__, text))

    def split_words(self, normalized: str) -> list[str]:
        """Step 5: whitespace split with every punctuation character on its own."""
        words: list[str] = []
        is_punct = self._punct.__getitem__
        for chunk in normalized.split(" "):
            if not chunk:
                continue
            start = 0
            for i, ch in enumerate(chunk):
                if ch in _WHITESPACE:
                    if start < i:
                        words.append(chunk[start:i])
                    start = i + 1
                elif is_punct(ch):
                    if start < i:
                        words.append(chunk[start:i])
                    words.append(ch)
                    start = i + 1
            if start < len(chunk):
                words.append(chunk[start:])
        return words

    def word_ids(self, word: str) -> tuple[int, ...]:
        """Step 6 for one word, memoised (vocabulary words repeat a lot)."""
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        ids = self._wordpiece(word)
        if len(self._word_cache) < 200_000:
            self._word_cache[word] = ids
        return ids

    def _wordpiece(self, word: str) -> tuple[int, ...]:
        if len(word) > MAX_CHARS_PER_WORD:
            return (self.unk_id,)
        pieces: list[int] = []
        start, n = 0, len(word)
        while start < n:
            end = n
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else CONTINUATION + word[start:end]
                found = self.ids.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return (self.unk_id,)
            pieces.append(found)
            start = end
        return tuple(pieces)

    def tokenize_ids(self, text: str) -> list[int]:
        """Content token ids of `text` (no [CLS]/[SEP], no truncation)."""
        ids: list[int] = []
        pos = 0
        for match in self._special.finditer(text):
            self._segment_ids(text[pos : match.start()], ids)
            ids.append(self.ids[match.group()])
            pos = match.end()
        self._segment_ids(text[pos:], ids)
        return ids

    def _segment_ids(self, segment: str, out: list[int]) -> None:
        if segment:
            for word in self.split_words(self.normalize(segment)):
                out.extend(self.word_ids(word))

    def tokens(self, text: str) -> list[str]:
        return [self.vocab[i] for i in self.tokenize_ids(text)]

    # -- public encoding ------------------------------------------------------------
    def encode(self, text: str, *, where: str = "text") -> list[int]:
        """[CLS] + content ids (truncated to fit) + [SEP]."""
        if not isinstance(text, str):
            raise ValidationError(f"{where} must be a string, got {type(text).__name__}")
        content = self.tokenize_ids(text)[: self.max_length - 2]
        return [self.cls_id, *content, self.sep_id]

    def encode_batch(self, texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """(ids, attention_mask), int32 arrays padded on the right to the longest text."""
        encoded = [self.encode(t, where=f"texts[{i}]") for i, t in enumerate(texts)]
        return pad_batch(encoded, self.pad_id)


def pad_batch(encoded: Sequence[Sequence[int]], pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad id lists into (ids, mask) int32 arrays."""
    width = max((len(e) for e in encoded), default=0)
    ids = np.full((len(encoded), width), pad_id, dtype=np.int32)
    mask = np.zeros((len(encoded), width), dtype=np.int32)
    for row, e in enumerate(encoded):
        ids[row, : len(e)] = e
        mask[row, : len(e)] = 1
    return ids, mask
