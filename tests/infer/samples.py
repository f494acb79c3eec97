"""Generated text samples for comparing with the reference: varied scripts, unicode edge
cases, punctuation, emoji and long texts. Deterministic for a given seed."""

from __future__ import annotations

import random

WORDS = {
    "latin": "the quick brown fox jumps over lazy dog photosynthesis mitochondria "
    "learning memory spaced repetition theorem proof graph vertex edge Quantum "
    "entanglement superposition Hilbert eigenvalue".split(),
    "accented": "café naïve résumé Ångström Øresund Straße Łódź İstanbul Ærø crème brûlée "
    "façade jalapeño São Paulo Dvořák Kraków Ελλάδα ΣΟΦΟΣ Ὀδυσσεύς ﬁnance ﬂow Ǆemal "
    "ǅ ǈ Ŀ ŉ ẞ ß ǰ".split(),
    "cyrillic": "Москва знание память повторение Ёлка Ўзбекистон".split(),
    "greek": "φιλοσοφία ΑΘΗΝΑ Σίσυφος ΟΔΟΣ λόγος".split(),
    "semitic": "مرحبا بالعالم المعرفة שלום עולם לימוד".split(),
    "indic": "नमस्ते ज्ञान স্মৃতি தமிழ் ಕನ್ನಡ മലയാളം ไทย ພາສາລາວ".split(),
    "cjk": "学习 記憶 間隔反復 한국어 공부 ひらがな カタカナ 漢字 中文分词 豈 更 𠀀 𪜀".split(),
    "emoji": "😀 👍🏽 👨‍👩‍👧‍👦 🇫🇷 🏳️‍🌈 ❤️ 🤖 🧠 ✨ 1️⃣ 🥰 🫠".split(),
    "symbols": "$100 5€ £3 ¥ © ® ™ ° ± × ÷ ≤ ≥ ∑ ∫ √ ∞ → ⇒ ← ½ ² ³ µ ‰ § ¶ † ‡ • … ‽".split(),
    "punct": list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¡¿«»‘’“”„‹›–—―·、。「」『』【】〈〉《》！？，：；"),
    "specials": "[CLS] [SEP] [MASK] [PAD] [UNK] [mask] [Cls] [MASK]x x[SEP] [[CLS]] ##ing ##".split(),
    "numbers": "0 42 3.14159 1,000,000 2026-11-23 10:45 1e-9 ٣٤٥ ४२ ５６".split(),
    "code": "def f(x): return x**2 print('hi') a_b->c std::vector<int> https://example.com/a?b=c&d=e "
    "user@mail.org #hashtag @mention C++ C# .NET".split(),
}
WHITESPACE = [
    " ",
    " ",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\u00a0",
    "\u3000",
    "\u2003",
    "\u200b",
    "\x0b",
    "\x0c",
    "\x85",
]
ODD = [
    "\x00",
    "\x01",
    "\x1f",
    "\x7f",
    "\u00ad",
    "\u200d",
    "\u200e",
    "\ufeff",
    "\ufffd",
    "\ue000",
    "\U000f0000",
    "\u0301",
    "\u0308\u0301",
    "\u0327\u0301",
    "\u0301\u0327",
    "\u0345\u0301",
    "e\u0301",
    "a\u030a",
    "\u1e9b\u0323",
    "\u0f73",
    "\u0378",
    "\U000e0001",
    "\U0001d400",
]


def random_codepoint(rng: random.Random) -> str:
    """A code point from a random plane region (biased toward assigned blocks)."""
    region = rng.random()
    if region < 0.4:
        cp = rng.randrange(0x20, 0x3000)
    elif region < 0.6:
        cp = rng.randrange(0x3000, 0xD800)
    elif region < 0.7:
        cp = rng.randrange(0xE000, 0x10000)
    elif region < 0.9:
        cp = rng.randrange(0x10000, 0x30000)
    else:
        cp = rng.randrange(0x30000, 0x110000)
    return chr(cp)


def random_text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.15:  # raw random code points
        return "".join(random_codepoint(rng) for _ in range(rng.randrange(1, 40)))
    if kind < 0.2:  # one very long word (> 100 characters falls back to [UNK])
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzé") for _ in range(rng.randrange(90, 130)))
    parts = []
    n = rng.randrange(1, 30) if kind < 0.9 else rng.randrange(150, 400)  # some beyond 256 tokens
    groups = list(WORDS)
    for _ in range(n):
        r = rng.random()
        if r < 0.75:
            parts.append(rng.choice(WORDS[rng.choice(groups)]))
        elif r < 0.85:
            parts.append(rng.choice(ODD))
        elif r < 0.92:
            parts.append(random_codepoint(rng))
        else:
            parts.append(rng.choice(WORDS["latin"]).upper())
        parts.append(rng.choice(WHITESPACE) if rng.random() < 0.85 else "")
    return "".join(parts)


def text_sample(n: int, seed: int = 6) -> list[str]:
    rng = random.Random(seed)
    return [random_text(rng) for _ in range(n)]


SENTENCES = [
    "hello world",
    "The cat sits outside.",
    "A man is playing the guitar.",
    "Spaced repetition schedules reviews just before you would forget.",
    "Photosynthesis converts light energy into chemical energy in plants.",
    "Mitochondria are the powerhouse of the cell.",
    "Quantum entanglement links the states of two particles.",
    "The Pythagorean theorem relates the sides of a right triangle.",
    "Café au lait, crème brûlée et pâtisseries françaises.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "El aprendizaje activo mejora la memoria a largo plazo.",
    "Москва — столица России.",
    "東京は日本の首都です。",
    "机器学习是人工智能的一个分支。",
    "안녕하세요, 만나서 반갑습니다.",
    "مرحبا بالعالم",
    "I ❤️ learning with flashcards 🧠✨",
    "def fibonacci(n): return n if n < 2 else fibonacci(n-1) + fibonacci(n-2)",
    "E = mc^2 where c ≈ 3×10^8 m/s",
    "What is the capital of France?",
    "Paris is the capital and most populous city of France.",
    "a",
    "?",
    "[MASK]",
    "The mitochondrion is an organelle that produces ATP through oxidative phosphorylation. " * 12,
]
