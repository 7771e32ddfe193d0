"""``matcher intake SCENARIO --arrivals FILE --need FIELD=VALUE ...``: take one arriving need (受理)
into an arrivals file, checked like a row of the needs list and against the arrivals before it;
a bad need is refused naming the field (exit 2) and nothing is written."""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

from matcher.cli import summary
from matcher.dispatch.intake import TIME_FIELD, intake
from matcher.dispatch.ledger import Ledger
from matcher.dispatch.replay import arrivals_from_file
from matcher.domain import Need
from matcher.errors import FieldError
from matcher.files import write_files
from matcher.i18n import Text, _, term
from matcher.io.scenario import load_scenario
from matcher.policy import get_policy

COLUMNS = [*Need.field_names(), TIME_FIELD]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "intake",
        help=summary("intake"),
        description=_(
            "Check one arriving need like a needs-list row (unknown community or "
            "category, reused id, a time before the last arrival are refused) and "
            "append it to a CSV arrivals file that `matcher replay` reads."
        ),
    )
    parser.add_argument("scenario", help=_("scenario file (.yaml, .json or .xlsx)"))
    parser.add_argument("--arrivals", required=True, metavar="FILE.csv", help=_("arrivals file (created if missing)"))
    parser.add_argument(
        "--need",
        dest="fields",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        required=True,
        help=_(
            "a field of the need, e.g. --need id=H1 --need community=WS01 --need category=health "
            "--need urgency=emergency --need {time}=75"
        ).format(time=TIME_FIELD),
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if not args.arrivals.lower().endswith(".csv"):
        raise FieldError("--arrivals", Text("intake appends to a CSV file, got {value!r}", value=args.arrivals))
    record: dict[str, str] = {}
    for item in args.fields:
        key, sep, value = item.partition("=")
        if not sep:
            raise FieldError("--need", Text("expected FIELD=VALUE, got {value!r}", value=item))
        record[key.strip()] = value.strip()
    scenario = load_scenario(args.scenario)
    path = Path(args.arrivals)
    ledger = Ledger.empty(scenario.problem, get_policy(scenario.policy))
    for arrival in arrivals_from_file(args.arrivals, scenario.problem, ledger.policy) if path.exists() else []:
        ledger.add(arrival.need, arrival.at)
    n = intake(ledger, record)
    text = path.read_text(encoding="utf-8-sig") if path.exists() else ""
    columns = next(csv.reader(io.StringIO(text)), None) or COLUMNS
    for key in record:
        if key not in columns:
            raise FieldError(
                key, Text("not a column of {path}; its columns: {items}", path=path, items=", ".join(columns))
            )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    if not text:
        writer.writeheader()
    writer.writerow(record)
    write_files(
        path.parent, {path.name: (text if not text or text.endswith("\n") else text + "\n") + buffer.getvalue()}
    )
    need = ledger.needs[n]
    print(
        _("Took need {need} ({community}, {category}, {urgency}) at minute {minute:g} into {path}").format(
            need=need.id,
            community=need.community,
            category=term(need.category),
            urgency=term(need.urgency),
            minute=ledger.arrived_at[n],
            path=path,
        )
    )
    return 0
