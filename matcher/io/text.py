"""Text of a planner's file in whatever encoding it was saved: UTF-8 (with or without BOM), UTF-16
with BOM (Excel's "Unicode text"), GBK/GB18030 (Excel's default in China) and the like.

Byte-order marks decide first, then strict UTF-8; anything else is detected by charset-normalizer
among the encodings planners' files come in. GBK files are read as GB18030, its superset.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from matcher.errors import Issue, ScenarioError
from matcher.i18n import Text

#: Byte-order marks and the encoding each announces (UTF-32 before UTF-16: its LE mark starts alike).
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Encodings charset-normalizer chooses among when a file is neither marked nor UTF-8.
CANDIDATES = ("gb18030", "big5", "utf_16", "utf_32", "cp1252")


def decode(data: bytes, shown: str) -> tuple[str, str]:
    """The text of ``data`` and the name of the encoding it was read in."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _decode(data, encoding, shown), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=list(CANDIDATES)).best()
    if best is None:
        raise ScenarioError(
            [Issue(shown, "", "", Text("cannot tell the text encoding; save the file as UTF-8 (Excel: CSV UTF-8)"))]
        )
    return _decode(data, best.encoding, shown), best.encoding.replace("_", "-")


def _decode(data: bytes, encoding: str, shown: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [
                Issue(
                    shown, Text("byte {byte}", byte=exc.start), "", Text("not valid {encoding} text", encoding=encoding)
                )
            ]
        ) from None
