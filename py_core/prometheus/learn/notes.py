"""Notes (what the author writes) and the cards they make, by kind.

A note is a JSON-safe dict {"id", "kind", "fields", "html", "tags", "created"}; each of its
cards is one `ord` of it, and cards of one note are siblings. Kinds:

- basic:          fields front, back                      -> 1 card
- basic_reverse:  fields front, back                      -> 2 cards (front->back, back->front)
- cloze:          fields text ("{{c1::answer::hint}}"), back (optional extra)
                                                         -> one card per cloze number
- circuit:        fields front (the task), qasm (target OpenQASM 2), back (optional
                  explanation), starter (optional QASM), mode "state" | "distribution"
                  (default: "distribution" when the target measures, else "state")
                                                         -> 1 card, graded by the simulator
- typed:          fields front, answer (reference text), back (optional)
                                                         -> 1 card, graded by meaning
- imported:       fields sides = [{front, back}, ...] rendered from another app's templates
                                                         -> one card per side

`html` lists the fields that hold HTML (imported decks): the page must sanitize those;
every other field is plain text.
"""

from __future__ import annotations

import re

from ..errors import ValidationError

KINDS = ("basic", "basic_reverse", "cloze", "circuit", "typed", "imported")
MAX_FIELD_CHARS = 100_000
MAX_CONCEPT_KEY = 200
CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)
_SPEC_KEYS = {
    "kind",
    "front",
    "back",
    "text",
    "qasm",
    "answer",
    "starter",
    "mode",
    "sides",
    "concepts",
    "tags",
    "html",
}


def _text(spec, key, where, errors, required=True):
    value = spec.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        errors.append(f"{where}.{key} must be a non-empty string, got {value!r}")
        return None
    if len(value) > MAX_FIELD_CHARS:
        errors.append(f"{where}.{key} is longer than {MAX_FIELD_CHARS} characters")
        return None
    return value


def _strings(value, where, errors, limit=MAX_CONCEPT_KEY) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(v, str) and v.strip() and len(v) <= limit for v in value
    ):
        errors.append(f"{where} must be a list of non-empty strings (at most {limit} characters)")
        return []
    return list(dict.fromkeys(v.strip() for v in value))


def cloze_numbers(text: str) -> list[int]:
    return sorted({int(m.group(1)) for m in CLOZE.finditer(text)})


def note_from_spec(spec, where: str, errors: list[str]):
    """({kind, fields, html, tags}, concept keys) of one card spec, or None if invalid.

    Problems are appended to `errors` (each names `where` and the field), so a caller can
    report every bad card of a batch at once.
    """
    if not isinstance(spec, dict):
        errors.append(f"{where} must be an object, got {type(spec).__name__}")
        return None
    unknown = sorted(set(spec) - _SPEC_KEYS)
    if unknown:
        errors.append(f"{where} has unknown field(s): {', '.join(unknown)}")
    kind = spec.get("kind", "cloze" if "text" in spec else "basic")
    if kind not in KINDS:
        errors.append(f"{where}.kind must be one of {', '.join(KINDS)}, got {kind!r}")
        return None
    before = len(errors)
    fields: dict = {}
    if kind in ("basic", "basic_reverse"):
        fields = {"front": _text(spec, "front", where, errors), "back": _text(spec, "back", where, errors)}
    elif kind == "cloze":
        text = _text(spec, "text", where, errors)
        if text is not None and not cloze_numbers(text):
            errors.append(f"{where}.text has no cloze deletion like {{{{c1::answer}}}}")
        fields = {"text": text, "back": _text(spec, "back", where, errors, required=False) or ""}
    elif kind == "typed":
        fields = {
            "front": _text(spec, "front", where, errors),
            "answer": _text(spec, "answer", where, errors),
            "back": _text(spec, "back", where, errors, required=False) or "",
        }
    elif kind == "circuit":
        fields = {
            "front": _text(spec, "front", where, errors),
            "qasm": _text(spec, "qasm", where, errors),
            "back": _text(spec, "back", where, errors, required=False) or "",
            "starter": _text(spec, "starter", where, errors, required=False) or "",
        }
        mode = spec.get("mode")
        if mode not in (None, "state", "distribution"):
            errors.append(f"{where}.mode must be 'state' or 'distribution', got {mode!r}")
        if len(errors) == before:
            from . import grading  # deferred: the simulator is loaded only for circuit cards

            try:
                fields["mode"] = grading.check_target(fields["qasm"], mode, where=f"{where}.qasm")
                if fields["starter"]:
                    grading.parse_circuit(fields["starter"], where=f"{where}.starter")
            except ValidationError as exc:  # QasmError, LearnError, UnsupportedFeature
                errors.append(str(exc))
    elif kind == "imported":
        sides = spec.get("sides")
        if (
            not isinstance(sides, list)
            or not sides
            or not all(
                isinstance(s, dict) and isinstance(s.get("front"), str) and isinstance(s.get("back"), str)
                for s in sides
            )
        ):
            errors.append(f"{where}.sides must be a non-empty list of {{front, back}} strings")
        else:
            fields = {"sides": [{"front": s["front"], "back": s["back"]} for s in sides]}
    html = spec.get("html", False)
    if not isinstance(html, bool):
        errors.append(f"{where}.html must be true or false, got {html!r}")
    tags = _strings(spec.get("tags"), f"{where}.tags", errors)
    concepts = _strings(spec.get("concepts"), f"{where}.concepts", errors)
    if len(errors) > before:
        return None
    html_fields = sorted(k for k in fields if k not in ("qasm", "starter", "mode")) if html is True else []
    return {"kind": kind, "fields": fields, "html": html_fields, "tags": tags}, concepts


def card_ords(note: dict) -> list[int]:
    kind, fields = note["kind"], note["fields"]
    if kind == "basic_reverse":
        return [0, 1]
    if kind == "cloze":
        return [n - 1 for n in cloze_numbers(fields["text"])]
    if kind == "imported":
        return list(range(len(fields["sides"])))
    return [0]


def _cloze_side(text: str, active: int, reveal: bool) -> str:
    def replace(match):
        number, answer, hint = int(match.group(1)), match.group(2), match.group(3)
        if number != active or reveal:
            return answer
        return f"[{hint}]" if hint else "[...]"

    return CLOZE.sub(replace, text)


def render(note: dict, ord: int) -> dict:
    """What the learner sees: {"front", "back"} plus the kind's extras (answer, qasm mode...)."""
    kind, fields = note["kind"], note["fields"]
    if kind == "basic":
        return {"front": fields["front"], "back": fields["back"]}
    if kind == "basic_reverse":
        a, b = (fields["front"], fields["back"]) if ord == 0 else (fields["back"], fields["front"])
        return {"front": a, "back": b}
    if kind == "cloze":
        number = ord + 1
        back = _cloze_side(fields["text"], number, True)
        answers = [m.group(2) for m in CLOZE.finditer(fields["text"]) if int(m.group(1)) == number]
        extra = fields.get("back") or ""
        return {
            "front": _cloze_side(fields["text"], number, False),
            "back": back + ("\n\n" + extra if extra else ""),
            "answers": answers,
        }
    if kind == "typed":
        return {
            "front": fields["front"],
            "back": fields["answer"] + ("\n\n" + fields["back"] if fields.get("back") else ""),
            "answer": fields["answer"],
        }
    if kind == "circuit":
        return {
            "front": fields["front"],
            "back": fields.get("back") or "",
            "target_qasm": fields["qasm"],
            "starter": fields.get("starter") or "",
            "mode": fields["mode"],
        }
    side = fields["sides"][ord]
    return {"front": side["front"], "back": side["back"]}
