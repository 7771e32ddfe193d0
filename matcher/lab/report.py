"""Figures (matplotlib, Agg backend) and a self-contained HTML report of a policy comparison, in the
current language (:mod:`matcher.i18n`); Chinese glyphs come from an installed CJK font
(:mod:`matcher.lab.fonts`), and the report says so plainly when there is none."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from matcher.files import write_files  # noqa: E402
from matcher.i18n import _, current  # noqa: E402
from matcher.lab.compare import PROOF_NAMES, Comparison  # noqa: E402
from matcher.lab.fonts import cjk_family, figure_fonts, font_notice  # noqa: E402
from matcher.lab.metrics import METRICS  # noqa: E402
from matcher.lab.replays import REPLAY_METRICS  # noqa: E402

#: What each column means, for the report's headers.
DESCRIPTIONS = {**{name: text for name, (_measure, text) in METRICS.items()}, **REPLAY_METRICS}


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def coverage_figure(c: Comparison) -> bytes:
    """Heat map: coverage of every community (columns) under every policy (rows)."""
    data = c.coverage
    fig, ax = plt.subplots(figsize=(max(6.0, 0.28 * data.shape[1] + 2), 0.45 * data.shape[0] + 1.6))
    image = ax.imshow(data.to_numpy(), aspect="auto", cmap="viridis", vmin=0, vmax=1)
    ax.set_yticks(range(data.shape[0]), [c.label(p) for p in data.index])
    ax.set_xticks(range(data.shape[1]), data.columns, rotation=90, fontsize=7)
    ax.set_title(_("{scenario}: share of each community's needs served").format(scenario=c.scenario))
    fig.colorbar(image, ax=ax, label=_("coverage"))
    return _png(fig)


def frontier_figure(c: Comparison) -> bytes:
    """Efficiency (weighted needs served) against equity (worst coverage), with the Pareto front."""
    s = c.summary()
    x, y = s[("mean", "coverage_worst")], s[("mean", "weighted_served")]
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.errorbar(x, y, xerr=s[("sd", "coverage_worst")], yerr=s[("sd", "weighted_served")], fmt="o", capsize=3)
    labels: dict[tuple[float, float], list[str]] = {}
    for name in s.index:  # policies that land on the same point share one label
        labels.setdefault((round(x[name], 6), round(y[name], 6)), []).append(c.label(name))
    for (px, py), names in labels.items():
        ax.annotate(", ".join(names), (px, py), textcoords="offset points", xytext=(4, 4), fontsize=8)
    front = [
        n
        for n in s.index
        if not any((x[m] >= x[n]) & (y[m] >= y[n]) & ((x[m] > x[n]) | (y[m] > y[n])) for m in s.index)
    ]
    front.sort(key=lambda n: x[n])
    ax.plot([x[n] for n in front], [y[n] for n in front], "--", color="grey", label=_("Pareto front"))
    ax.set_xlabel(_("worst community's coverage (equity)"))
    ax.set_ylabel(_("weighted needs served (efficiency)"))
    ax.set_title(_("{scenario}: efficiency-equity frontier").format(scenario=c.scenario))
    ax.legend(loc="best")
    return _png(fig)


def load_figure(c: Comparison) -> bytes:
    """Box plots of the share of hours each resource works, per policy."""
    names = list(c.utilisation)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(names) + 2), 4.5))
    ax.boxplot([c.utilisation[n] for n in names], tick_labels=[c.label(n) for n in names])
    ax.set_ylabel(_("share of the resource's hours used"))
    ax.set_title(_("{scenario}: load per resource").format(scenario=c.scenario))
    ax.tick_params(axis="x", rotation=30)
    return _png(fig)


FIGURES = {"coverage.png": coverage_figure, "frontier.png": frontier_figure, "load.png": load_figure}


def html_report(c: Comparison, images: dict[str, bytes]) -> str:
    """One HTML page with the summary table, the pairing price and the figures embedded."""
    s = c.summary()
    proof = c.proof()
    table = "".join(
        f"<tr><th>{html.escape(p)}</th>"
        + "".join(f"<td>{html.escape(str(proof.loc[p, k]))}</td>" for k in proof.columns)
        + "".join(f"<td>{s.loc[p, ('mean', m)]:.4g} <small>± {s.loc[p, ('sd', m)]:.2g}</small></td>" for m in c.metrics)
        + "</tr>"
        for p in s.index
    )
    head = "".join(f"<th>{html.escape(_(PROOF_NAMES[k]))}</th>" for k in proof.columns) + "".join(
        f'<th title="{html.escape(DESCRIPTIONS[m])}">{html.escape(m)}</th>' for m in c.metrics
    )
    price = ""
    if c.pairing_price:
        items = "".join(f"<li>{html.escape(k)}: {v:.4g}</li>" for k, v in c.pairing_price.items())
        price = (
            "<h2>"
            + html.escape(_("Price of fixed pairings (pairing-soft minus pairing-strict)"))
            + f"</h2><ul>{items}</ul><p>"
            + html.escape(
                _(
                    "value_lost_low and value_lost_high bound the difference of the two optima, from the runs' "
                    "proven bounds."
                )
            )
            + "</p>"
        )
    notices = [*c.warnings(), *([font_notice()] if images and cjk_family() is None else [])]
    warnings = "".join(f'<p class="warning">{html.escape(w)}</p>' for w in notices)
    figures = "".join(
        f'<figure><img alt="{name}" src="data:image/png;base64,{base64.b64encode(data).decode()}"></figure>'
        for name, data in images.items()
    )
    title = html.escape(_("Policy comparison: {scenario}").format(scenario=c.scenario))
    intro = _(
        "{policies} policies x {seeds} seed(s); cells are mean ± standard deviation over seeds; status and gap "
        "say what each policy's runs proved (target: within {target:.0%})."
    ).format(policies=len(s), seeds=c.runs["seed"].nunique(), target=c.target_gap)
    return (
        f"<!doctype html><html lang='{current()}'><head><meta charset='utf-8'><title>{title}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:12px}"
        "td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}img{max-width:100%}"
        ".warning{background:#fde2e1;border:2px solid #c00;padding:.6em;font-weight:bold}</style></head><body>"
        f"<h1>{title}</h1>{warnings}<p>{html.escape(intro)}</p>"
        "<table><tr><th>" + html.escape(_("policy")) + f"</th>{head}</tr>{table}</table>{price}{figures}</body></html>"
    )


def write_comparison(c: Comparison, out: Path) -> list[Path]:
    """runs.csv, summary.csv, the PNG figures and report.html; all files or none.

    The frontier needs the metrics ``coverage_worst`` and ``weighted_served``; without them it is left out.
    """
    with plt.rc_context(cast(Any, figure_fonts())):  # matplotlib types rc keys as literals
        images = {
            name: draw(c)
            for name, draw in FIGURES.items()
            if name != "frontier.png" or {"coverage_worst", "weighted_served"} <= set(c.metrics)
        }
    files = {
        "runs.csv": c.runs.to_csv(index=False).encode(),
        "summary.csv": c.summary().to_csv().encode(),
        **images,
        "report.html": html_report(c, images).encode(),
    }
    if c.pairing_price:
        files["pairing_price.csv"] = "".join(
            f"{k},{v}\n" for k, v in {"measure": "soft_minus_strict", **c.pairing_price}.items()
        ).encode()
    return write_files(out, files)
