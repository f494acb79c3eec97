"""A small Gherkin reader for the openCypher TCK feature files.

The TCK uses a narrow slice of Gherkin: Feature, Background, Scenario, Scenario Outline with
Examples tables, steps with doc strings (\"\"\") or data tables, tags and # comments. Reading
that slice ourselves keeps the test requirements small; each outline is expanded into one
`Scenario` per Examples row, with `<name>` placeholders substituted everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

STEP_KEYWORDS = ("Given", "When", "Then", "And", "But", "*")


class GherkinError(ValueError):
    """A feature file does not follow the Gherkin slice this reader understands."""


@dataclass
class Step:
    keyword: str  # Given / When / Then (And/But resolved to the previous)
    text: str  # the step line after the keyword
    doc: str | None = None  # doc string content, if any
    table: list[list[str]] | None = None  # data table cells (unescaped), if any
    line: int = 0


@dataclass
class Scenario:
    feature_path: str  # path relative to the features folder, e.g. clauses/match/Match1.feature
    feature_name: str
    name: str
    steps: list[Step]
    tags: tuple[str, ...] = ()
    example_index: int | None = None  # 0-based row of the Examples table for outlines
    example_values: dict[str, str] = field(default_factory=dict)
    line: int = 0

    @property
    def directory(self) -> str:
        return self.feature_path.rsplit("/", 1)[0] if "/" in self.feature_path else "."

    @property
    def id(self) -> str:
        base = f"{self.feature_path}::{self.name}"
        if self.example_index is not None:
            base += f"::example{self.example_index + 1}"
        return base


def split_table_row(line: str, where: str) -> list[str]:
    """Cells of one `| a | b |` row, with Gherkin's escapes (\\|, \\\\, \\n) undone."""
    s = line.strip()
    if not (s.startswith("|") and s.endswith("|")) or len(s) < 2:
        raise GherkinError(f"{where}: table row must start and end with '|': {line!r}")
    raw_cells, cur, i = [], [], 1
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s):
            cur.append(s[i : i + 2])
            i += 2
            continue
        if ch == "|":
            raw_cells.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    if "".join(cur).strip():
        raise GherkinError(f"{where}: text after the last '|': {line!r}")
    return [_unescape_cell(c.strip()) for c in raw_cells]


def _unescape_cell(cell: str) -> str:
    out, i = [], 0
    while i < len(cell):
        if cell[i] == "\\" and i + 1 < len(cell):
            nxt = cell[i + 1]
            out.append({"|": "|", "\\": "\\", "n": "\n"}.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(cell[i])
            i += 1
    return "".join(out)


def _substitute(text: str | None, values: dict[str, str]) -> str | None:
    if text is None or not values:
        return text
    return re.sub(r"<([^<>\s][^<>]*)>", lambda m: values.get(m.group(1), m.group(0)), text)


def _expand_step(step: Step, values: dict[str, str]) -> Step:
    table = None
    if step.table is not None:
        table = [[_substitute(c, values) for c in row] for row in step.table]
    return Step(step.keyword, _substitute(step.text, values), _substitute(step.doc, values), table, step.line)


def parse_feature(text: str, feature_path: str = "<string>") -> list[Scenario]:
    """All scenarios of one feature file, outlines expanded, Background steps prepended."""
    lines = text.splitlines()
    feature_name = ""
    background: list[Step] = []
    scenarios: list[Scenario] = []
    pending_tags: list[str] = []

    block = None  # None | "background" | "scenario" | "outline"
    cur_steps: list[Step] = []
    cur_name = ""
    cur_tags: tuple[str, ...] = ()
    cur_line = 0
    examples: list[list[list[str]]] = []  # one table per Examples block
    in_examples_table: list[list[str]] | None = None
    last_kind = None

    def where(n: int) -> str:
        return f"{feature_path}:{n}"

    def close_block():
        nonlocal block, cur_steps, examples, in_examples_table
        if block == "background":
            background.extend(cur_steps)
        elif block == "scenario":
            scenarios.append(
                Scenario(
                    feature_path, feature_name, cur_name, background + cur_steps, cur_tags, line=cur_line
                )
            )
        elif block == "outline":
            if not any(len(t) > 1 for t in examples):
                raise GherkinError(f"{where(cur_line)}: Scenario Outline without Examples")
            index = 0
            for table in examples:
                if not table:
                    continue
                header = table[0]
                for row in table[1:]:
                    if len(row) != len(header):
                        raise GherkinError(
                            f"{where(cur_line)}: Examples row has {len(row)} cells, header has {len(header)}"
                        )
                    values = dict(zip(header, row))
                    steps = background + [_expand_step(s, values) for s in cur_steps]
                    scenarios.append(
                        Scenario(
                            feature_path,
                            feature_name,
                            _substitute(cur_name, values),
                            steps,
                            cur_tags,
                            example_index=index,
                            example_values=values,
                            line=cur_line,
                        )
                    )
                    index += 1
        block = None
        cur_steps = []
        examples = []
        in_examples_table = None

    i = 0
    while i < len(lines):
        raw = lines[i]
        s = raw.strip()
        n = i + 1
        i += 1
        if not s or s.startswith("#"):
            continue
        if s.startswith("@"):
            pending_tags.extend(t for t in s.split() if t.startswith("@"))
            continue
        if s.startswith("Feature:"):
            feature_name = s[len("Feature:") :].strip()
            pending_tags = []
            continue
        if s.startswith("Background:"):
            close_block()
            block = "background"
            continue
        if s.startswith("Scenario Outline:") or s.startswith("Scenario Template:"):
            close_block()
            block = "outline"
            cur_name = s.split(":", 1)[1].strip()
            cur_tags, pending_tags = tuple(pending_tags), []
            cur_line = n
            last_kind = background[-1].keyword if background else None
            continue
        if s.startswith("Scenario:") or s.startswith("Example:"):
            close_block()
            block = "scenario"
            cur_name = s.split(":", 1)[1].strip()
            cur_tags, pending_tags = tuple(pending_tags), []
            cur_line = n
            last_kind = background[-1].keyword if background else None
            continue
        if s.startswith("Examples:") or s.startswith("Scenarios:"):
            if block != "outline":
                raise GherkinError(f"{where(n)}: Examples outside a Scenario Outline")
            pending_tags = []
            in_examples_table = []
            examples.append(in_examples_table)
            continue
        if s.startswith("|"):
            row = split_table_row(raw, where(n))
            if in_examples_table is not None:
                in_examples_table.append(row)
            elif cur_steps:
                step = cur_steps[-1]
                if step.table is None:
                    step.table = []
                step.table.append(row)
            else:
                raise GherkinError(f"{where(n)}: table row without a step")
            continue
        if s.startswith('"""') or s.startswith("```"):
            fence = s[:3]
            if not cur_steps:
                raise GherkinError(f"{where(n)}: doc string without a step")
            indent = len(raw) - len(raw.lstrip())
            body = []
            while True:
                if i >= len(lines):
                    raise GherkinError(f"{where(n)}: unterminated doc string")
                line = lines[i]
                i += 1
                if line.strip() == fence:
                    break
                # Gherkin strips the opening fence's indentation from each content line.
                strip = min(indent, len(line) - len(line.lstrip()))
                body.append(line[strip:])
            cur_steps[-1].doc = "\n".join(body)
            continue
        first = s.split(None, 1)[0]
        if first in STEP_KEYWORDS:
            if block not in ("background", "scenario", "outline"):
                raise GherkinError(f"{where(n)}: step outside a scenario: {s!r}")
            if in_examples_table is not None:
                raise GherkinError(f"{where(n)}: step after Examples: {s!r}")
            text_part = s[len(first) :].strip()
            kind = (last_kind or "Given") if first in ("And", "But", "*") else first
            last_kind = kind
            cur_steps.append(Step(kind, text_part, line=n))
            continue
        if block is None or (not cur_steps and block in ("scenario", "outline", "background")):
            continue  # free-form description text under a Feature/Scenario header
        raise GherkinError(f"{where(n)}: cannot read line: {s!r}")
    close_block()
    return scenarios


def load_features(features_dir: Path) -> list[Scenario]:
    """Every scenario under `features_dir`, in a stable (path, line, example) order."""
    features_dir = Path(features_dir)
    out: list[Scenario] = []
    for path in sorted(features_dir.rglob("*.feature")):
        rel = path.relative_to(features_dir).as_posix()
        out.extend(parse_feature(path.read_text(encoding="utf-8"), rel))
    return out
