"""Shared test set-up: the suite reads English by default.

The command line prints Chinese unless ``--lang en`` or an English locale says otherwise
(matcher/i18n.py). The tests written against the English texts run under an English locale
(LC_ALL=en_US.UTF-8, inherited by the commands they start); tests of the Chinese default say so
with ``--lang zh`` or the ``chinese_locale`` fixture (tests/test_i18n.py)."""

from __future__ import annotations

import pytest

from matcher import i18n


@pytest.fixture(autouse=True)
def english_locale(monkeypatch: pytest.MonkeyPatch):
    """Every test starts under an English locale, with the language chosen afresh from it."""
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    i18n.use(None)
    yield
    i18n.use(None)
