"""The argument parser every command shares, speaking the chosen language: argparse's own words
("usage:", "options", its error messages) come from the ``matcher`` catalogue and help wraps by
display width.

argparse prints its words through ``_``, a name it imports from :mod:`gettext` and looks up at the
moment it prints (the Python documentation's "How to translate the argparse output"). Python ships
no Chinese catalogue for them and the global :mod:`gettext` domain follows the environment, not
``--lang``; so :func:`translate_argparse` points argparse's ``_`` at :mod:`matcher.i18n` for the
texts in :data:`ARGPARSE_TEXTS` (Python 3.11's msgids, marked here so the catalogue holds them) and
leaves every other text as argparse wrote it. English is the catalogue's identity, so English help
and errors are argparse's own.
"""

from __future__ import annotations

import argparse
from typing import Any

from matcher.display import width, wrap
from matcher.i18n import N_, _

#: argparse's texts a planner may read: help headings and the errors of bad usage (exit 2).
ARGPARSE_TEXTS = frozenset(
    {
        N_("usage: "),
        N_("positional arguments"),
        N_("options"),
        N_("show this help message and exit"),
        N_("argument %(argument_name)s: %(message)s"),
        N_("the following arguments are required: %s"),
        N_("one of the arguments %s is required"),
        N_("not allowed with argument %s"),
        N_("ignored explicit argument %r"),
        N_("unrecognized arguments: %s"),
        N_("ambiguous option: %(option)s could match %(matches)s"),
        N_("expected one argument"),
        N_("expected at most one argument"),
        N_("expected at least one argument"),
        N_("invalid %(type)s value: %(value)r"),
        N_("invalid choice: %(value)r (choose from %(choices)s)"),
        N_("%(prog)s: error: %(message)s\n"),
    }
)


def _argparse_text(message: str) -> str:
    return _(message) if message in ARGPARSE_TEXTS else message


def translate_argparse() -> None:
    """From now on argparse prints the texts of :data:`ARGPARSE_TEXTS` in the current language."""
    argparse._ = _argparse_text  # type: ignore[attr-defined]  # argparse's own gettext name


class HelpFormatter(argparse.HelpFormatter):
    """argparse's layout, with descriptions and option help wrapped by display columns (a Chinese
    character takes two, and a line may break between two of them) and continuation lines of the
    usage under its first argument whatever the width of "usage: " in the current language."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))

    def _format_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None) -> str:
        prefix = _("usage: ") if prefix is None else prefix
        wider = width(prefix) - len(prefix)  # argparse lays the usage out by len(prefix)
        self._width -= wider
        try:
            text = super()._format_usage(usage, actions, groups, prefix)
        finally:
            self._width += wider
        return text.replace("\n ", "\n" + " " * (wider + 1))


class Parser(argparse.ArgumentParser):
    """An ArgumentParser laid out by :class:`HelpFormatter`; its subcommands' parsers are Parsers too."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(formatter_class=HelpFormatter, **kwargs)
