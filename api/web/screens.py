"""The screens the navigation lists: each screen module declares one :class:`Screen`, and the
menu shows a person the screens their token's role may open."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString


@dataclass(frozen=True)
class Screen:
    """A menu entry: the view's endpoint, its label (translated when shown) and who may open it."""

    endpoint: str
    label: LazyString
    roles: tuple[str, ...] = ("planner",)


#: Filled by :func:`api.web.init_app` from the screen modules, in menu order.
MENU: list[Screen] = []


def menu_for(role: str) -> list[Screen]:
    return [screen for screen in MENU if role in screen.roles]
