"""The docs stand on their own: no citation of a file users do not have, no block said twice."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    p
    for p in (
        *ROOT.glob("*.md"),
        *(ROOT / "docs").glob("*.md"),
        *(ROOT / "matcher").rglob("*.py"),
        *(ROOT / "scenarios").rglob("*.yaml"),
    )
    if p.is_file()
]


def test_no_file_cites_the_outside_domain_notes():
    """The cases and their numbers live in docs/cases.md; nothing points at DOMAIN.md."""
    citing = [str(p.relative_to(ROOT)) for p in SOURCES if "DOMAIN.md" in p.read_text(encoding="utf-8")]
    assert citing == []
    assert "1,284" in (ROOT / "docs" / "cases.md").read_text(encoding="utf-8")


def test_no_doc_repeats_a_code_block():
    """Every fenced block of a doc appears once (docs/api.md showed one twice)."""
    for doc in (ROOT / "README.md", *(ROOT / "docs").glob("*.md")):
        blocks = re.findall(r"```.*?```", doc.read_text(encoding="utf-8"), re.S)
        repeated = [b for b, n in Counter(blocks).items() if n > 1]
        assert repeated == [], doc.name


def test_reading_a_run_shows_what_run_prints_by_default():
    """README's `matcher run` example is what the command prints by default, in Chinese: its tables
    regenerate line for line from their counts, and every other line is one of the zh catalogue's
    texts with figures in its fields; the README says how to switch to English."""
    from babel.messages.pofile import read_po

    from matcher import i18n
    from matcher.result import deadline_lines, reason_lines
    from matcher.vocabulary import Urgency

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Reading a run") :]
    lines = re.search(r"```\n(.*?)```", section, re.S).group(1).splitlines()
    assert "--lang en" in section[: section.index("- **")]
    i18n.use("zh")
    reasons = lines[lines.index("未满足需求（按原因）：") : lines.index("时限达标（准时满足 / 需求）：") - 1]
    counts = {code: int(k) for code, k, *_ in (line.split() for line in reasons[1:])}
    assert reason_lines(counts) == reasons
    deadlines = lines[lines.index("时限达标（准时满足 / 需求）：") : lines.index("  ...")]
    labels = {u.label: u.value for u in Urgency}
    rows = []
    for line in deadlines[1:]:
        label, on_time, _slash, needs, _share = line.split()
        rows.append(
            {"urgency": labels[label], "on_time": int(on_time), "needs": int(needs), "late": 0, "minutes_late": 0}
        )
        rows[-1]["compliance"] = round(rows[-1]["on_time"] / rows[-1]["needs"], 4)
    assert deadline_lines(rows) == deadlines
    with open(i18n.LOCALE_DIR / "zh" / "LC_MESSAGES" / "matcher.po", "rb") as file:
        texts = [m.string for m in read_po(file) if m.id and isinstance(m.string, str)]
    patterns = [_pattern(part) for text in texts for part in text.split("\n") if part.strip()]
    others = [line for line in lines if line.strip() and line not in reasons + deadlines and line != "  ..."]
    assert len(others) == 5
    for line in others:
        assert any(p.fullmatch(line) for p in patterns), line


def _pattern(text: str) -> re.Pattern[str]:
    """A catalogue text as a regular expression: its literal parts, any text in each field."""
    import string

    parts = string.Formatter().parse(text)
    return re.compile("".join(re.escape(lit) + ("(.*?)" if name is not None else "") for lit, name, _s, _c in parts))
