"""Tokens of OpenQASM 2.0 text, each with its 1-based line and column."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import QasmError

KEYWORDS = {
    "OPENQASM",
    "include",
    "qreg",
    "creg",
    "gate",
    "opaque",
    "measure",
    "reset",
    "barrier",
    "if",
    "pi",
}
SYMBOLS = ("->", "==", ";", ",", "(", ")", "[", "]", "{", "}", "+", "-", "*", "/", "^")


@dataclass(frozen=True)
class Token:
    kind: str  # "id", "int", "real", "string", "eof", a keyword, or a symbol
    text: str
    line: int
    column: int


def tokenize(text: str, source: str = "<qasm>") -> list[Token]:
    if not isinstance(text, str):
        raise QasmError(f"QASM source must be text, got {type(text).__name__}", source=source)
    tokens: list[Token] = []
    i, line, col, n = 0, 1, 1, len(text)

    def error(msg, ln=None, cl=None):
        return QasmError(msg, ln or line, cl or col, source)

    while i < n:
        ch = text[i]
        if ch == "\n":
            i += 1
            line += 1
            col = 1
            continue
        if ch in " \t\r\f\v":
            i += 1
            col += 1
            continue
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise error("unterminated /* comment")
            chunk = text[i : end + 2]
            newlines = chunk.count("\n")
            if newlines:
                line += newlines
                col = len(chunk) - chunk.rfind("\n")
            else:
                col += len(chunk)
            i = end + 2
            continue
        start_col = col
        if ch.isascii() and (ch.isalpha() or ch == "_"):
            j = i + 1
            while j < n and text[j].isascii() and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j]
            tokens.append(Token(word if word in KEYWORDS else "id", word, line, start_col))
            col += j - i
            i = j
            continue
        if ch.isascii() and (ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit())):
            j = i
            while j < n and text[j].isascii() and text[j].isdigit():
                j += 1
            kind = "int"
            if j < n and text[j] == ".":
                kind = "real"
                j += 1
                while j < n and text[j].isascii() and text[j].isdigit():
                    j += 1
            if j < n and text[j] in "eE":
                k = j + 1
                if k < n and text[k] in "+-":
                    k += 1
                if k < n and text[k].isascii() and text[k].isdigit():
                    kind = "real"
                    j = k
                    while j < n and text[j].isascii() and text[j].isdigit():
                        j += 1
                else:
                    raise error("malformed exponent in number", line, col + (j - i))
            tokens.append(Token(kind, text[i:j], line, start_col))
            col += j - i
            i = j
            continue
        if ch == '"':
            j = text.find('"', i + 1)
            nl = text.find("\n", i + 1)
            if j < 0 or (0 <= nl < j):
                raise error("unterminated string")
            tokens.append(Token("string", text[i + 1 : j], line, start_col))
            col += j + 1 - i
            i = j + 1
            continue
        for sym in SYMBOLS:
            if text.startswith(sym, i):
                tokens.append(Token(sym, sym, line, start_col))
                i += len(sym)
                col += len(sym)
                break
        else:
            raise error(f"unexpected character {ch!r}")
    tokens.append(Token("eof", "", line, col))
    return tokens
