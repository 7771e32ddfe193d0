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
