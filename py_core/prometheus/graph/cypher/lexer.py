"""Turns query text into tokens, each remembering its offset for error carets."""

from __future__ import annotations

from ..errors import CypherSyntaxError

# token kinds
IDENT, KEYWORD_LIKE, INT, FLOAT, STRING, PARAM, OP, EOF = (
    "ident",
    "kw",
    "int",
    "float",
    "string",
    "param",
    "op",
    "eof",
)

_OPERATORS = (
    "..",
    "<>",
    "!=",
    "<=",
    ">=",
    "=~",
    "+=",
    "->",
    "<-",
    "||",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ".",
    "|",
    "=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    ";",
    "$",
)

_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", "'": "'", '"': '"', "\\": "\\"}

_ID_START = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_ID_PART = _ID_START | set("0123456789")
_DIGITS = set("0123456789")
_HEX = set("0123456789abcdefABCDEF")


class Token:
    __slots__ = ("kind", "value", "pos", "text", "quoted")

    def __init__(self, kind, value, pos, text, quoted=False):
        self.kind = kind
        self.value = value
        self.pos = pos
        self.text = text
        self.quoted = quoted

    def __repr__(self):
        return f"Token({self.kind}, {self.value!r}@{self.pos})"


def _is_ident_start(ch: str) -> bool:
    return ch in _ID_START or (ch.isalpha() and ord(ch) > 127)


def _is_ident_part(ch: str) -> bool:
    return ch in _ID_PART or (ord(ch) > 127 and (ch.isalnum() or ch == "_"))


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
            continue
        if query.startswith("//", i):
            j = query.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if query.startswith("/*", i):
            j = query.find("*/", i + 2)
            if j < 0:
                raise CypherSyntaxError("unterminated comment", "UnexpectedSyntax", query=query, position=i)
            i = j + 2
            continue
        start = i
        if _is_ident_start(ch):
            while i < n and _is_ident_part(query[i]):
                i += 1
            word = query[start:i]
            tokens.append(Token(IDENT, word, start, word))
            continue
        if ch == "`":
            parts = []
            i += 1
            while True:
                j = query.find("`", i)
                if j < 0:
                    raise CypherSyntaxError(
                        "unterminated quoted name", "UnexpectedSyntax", query=query, position=start
                    )
                parts.append(query[i:j])
                if j + 1 < n and query[j + 1] == "`":
                    parts.append("`")
                    i = j + 2
                    continue
                i = j + 1
                break
            tokens.append(Token(IDENT, "".join(parts), start, query[start:i], quoted=True))
            continue
        if ch in _DIGITS or (
            ch == "."
            and i + 1 < n
            and query[i + 1] in _DIGITS
            and not (tokens and tokens[-1].kind in (IDENT,) and False)
        ):
            i = _number(query, i, tokens)
            continue
        if ch in "'\"":
            i = _string(query, i, tokens)
            continue
        if ch == "$":
            j = i + 1
            if j < n and query[j] == "`":
                k = query.find("`", j + 1)
                if k < 0:
                    raise CypherSyntaxError(
                        "unterminated parameter name", "UnexpectedSyntax", query=query, position=start
                    )
                tokens.append(Token(PARAM, query[j + 1 : k], start, query[start : k + 1]))
                i = k + 1
                continue
            while j < n and _is_ident_part(query[j]):
                j += 1
            if j == i + 1:
                raise CypherSyntaxError(
                    "expected a parameter name after '$'", "UnexpectedSyntax", query=query, position=start
                )
            tokens.append(Token(PARAM, query[i + 1 : j], start, query[start:j]))
            i = j
            continue
        for op in _OPERATORS:
            if query.startswith(op, i):
                tokens.append(Token(OP, op, start, op))
                i += len(op)
                break
        else:
            raise CypherSyntaxError(
                f"unexpected character {ch!r}", "UnexpectedSyntax", query=query, position=start
            )
    tokens.append(Token(EOF, None, n, ""))
    return tokens


def _number(query: str, i: int, tokens: list) -> int:
    n = len(query)
    start = i
    if query.startswith(("0x", "0X"), i):
        j = i + 2
        while j < n and _is_ident_part(query[j]):
            j += 1
        text = query[i:j]
        if j == i + 2 or any(c not in _HEX for c in text[2:]):
            raise CypherSyntaxError(
                f"invalid hexadecimal literal {text!r}", "InvalidNumberLiteral", query=query, position=start
            )
        tokens.append(Token(INT, int(text[2:], 16), start, text))
        return j
    if query.startswith(("0o", "0O"), i):
        j = i + 2
        while j < n and _is_ident_part(query[j]):
            j += 1
        text = query[i:j]
        if j == i + 2 or any(c not in "01234567" for c in text[2:]):
            raise CypherSyntaxError(
                f"invalid octal literal {text!r}", "InvalidNumberLiteral", query=query, position=start
            )
        tokens.append(Token(INT, int(text[2:], 8), start, text))
        return j
    j = i
    while j < n and query[j] in _DIGITS:
        j += 1
    is_float = False
    if j < n and query[j] == "." and j + 1 < n and query[j + 1] in _DIGITS:
        is_float = True
        j += 1
        while j < n and query[j] in _DIGITS:
            j += 1
    if j < n and query[j] in "eE":
        k = j + 1
        if k < n and query[k] in "+-":
            k += 1
        if k < n and query[k] in _DIGITS:
            while k < n and query[k] in _DIGITS:
                k += 1
            j = k
            is_float = True
    if j < n and _is_ident_part(query[j]):
        k = j
        while k < n and _is_ident_part(query[k]):
            k += 1
        tokens.append(Token("badnum", query[start:k], start, query[start:k]))
        return k
    text = query[start:j]
    if is_float:
        value = float(text)
        if value == float("inf"):
            raise CypherSyntaxError(
                f"floating point literal {text} is too large",
                "FloatingPointOverflow",
                query=query,
                position=start,
            )
        tokens.append(Token(FLOAT, value, start, text))
    else:
        if len(text) > 1 and text[0] == "0":
            if any(c not in "01234567" for c in text):
                raise CypherSyntaxError(
                    f"invalid octal literal {text!r}", "InvalidNumberLiteral", query=query, position=start
                )
            tokens.append(Token(INT, int(text, 8), start, text))
        else:
            tokens.append(Token(INT, int(text), start, text))
    return j


def _string(query: str, i: int, tokens: list) -> int:
    quote = query[i]
    start = i
    i += 1
    n = len(query)
    out = []
    while True:
        if i >= n:
            raise CypherSyntaxError(
                "unterminated string literal", "UnexpectedSyntax", query=query, position=start
            )
        ch = query[i]
        if ch == quote:
            i += 1
            break
        if ch == "\\":
            if i + 1 >= n:
                raise CypherSyntaxError(
                    "unterminated string literal", "UnexpectedSyntax", query=query, position=start
                )
            esc = query[i + 1]
            if esc in _ESCAPES:
                out.append(_ESCAPES[esc])
                i += 2
                continue
            if esc in "uU":
                width = 4 if esc == "u" else 8
                digits = query[i + 2 : i + 2 + width]
                if len(digits) != width or any(c not in _HEX for c in digits):
                    raise CypherSyntaxError(
                        f"invalid unicode escape {query[i : i + 2 + width]!r}",
                        "InvalidUnicodeLiteral",
                        query=query,
                        position=i,
                    )
                out.append(chr(int(digits, 16)))
                i += 2 + width
                continue
            out.append("\\" + esc)
            i += 2
            continue
        out.append(ch)
        i += 1
    tokens.append(Token(STRING, "".join(out), start, query[start:i]))
    return i
