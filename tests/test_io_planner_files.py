"""Planners' real files (issue 11, items 2, 12-14): any encoding Excel writes, Chinese headers and
sheet names, a title above the header, values as typed, and results Excel opens."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from matcher.cli import main
from matcher.domain import Need
from matcher.errors import ScenarioError
from matcher.io.scenario import LISTS, load_scenario
from matcher.vocabulary import Vocabulary

DATA = Path(__file__).parent / "data" / "small"
DOCS = Path(__file__).parent.parent / "docs" / "scenario-format.md"
LIST_FILES = ("communities", "needs", "resources", "pairings")
#: Chinese headers and sheet names a planner's workbook uses, per list (independent of the alias table).
CHINESE = {
    "communities": (
        "社区",
        {
            "id": "编号",
            "name": "名称",
            "street": "街镇",
            "district": "区",
            "x": "横坐标",
            "y": "纵坐标",
            "population": "人口",
        },
    ),
    "needs": (
        "需求清单",
        {
            "id": "编号",
            "community": "社区",
            "category": "类别",
            "tier": "层级",
            "urgency": "紧急程度",
            "group": "人群",
            "skills": "技能",
            "hours": "工时",
            "providers": "人数",
            "slot": "时段",
            "title": "标题",
        },
    ),
    "resources": (
        "资源清单",
        {
            "id": "编号",
            "kind": "类型",
            "community": "社区",
            "categories": "类别",
            "skills": "技能",
            "capacity_hours": "可用工时",
            "capacity_tasks": "可接任务数",
            "radius_minutes": "服务半径",
            "availability": "可服务时段",
            "response_minutes": "响应时间",
            "hours_factor": "工时系数",
            "pairing_group": "结对组",
            "level": "层级",
            "name": "名称",
        },
    ),
    "pairings": ("结对", {"group": "单位组", "community": "社区", "mode": "结对方式", "min_served": "最少服务数"}),
}


def _base():
    return load_scenario(DATA / "scenario.yaml").problem


def _same(problem, base) -> None:
    assert (problem.communities, problem.needs, problem.resources, problem.pairings) == (
        base.communities,
        base.needs,
        base.resources,
        base.pairings,
    )


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "small"
    shutil.copytree(DATA, target)
    return target


def _csv_rows(name: str) -> list[list[str]]:
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _number(text: str) -> object:
    """A CSV cell as the value it stands for (``5.0`` is 5; text stays text)."""
    try:
        return float(text)
    except ValueError:
        return text


def _error(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    return err.value


# --- item 12: encodings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding,named", [("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-16", "utf-16"), ("utf-8-sig", "utf-8-sig")]
)
def test_every_encoding_excel_writes_reads_alike(tmp_path: Path, capsys, encoding: str, named: str):
    """The scenario and its CSV lists saved as GBK, GB18030, UTF-16 or UTF-8 with BOM read as the
    UTF-8 originals do, and `validate` names the encoding of each file."""
    folder = _copy(tmp_path)
    for path in folder.iterdir():
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    _same(load_scenario(folder / "scenario.yaml").problem, _base())
    assert main(["validate", str(folder / "scenario.yaml")]) == 0
    english = capsys.readouterr().out
    assert main(["validate", "--lang", "zh", str(folder / "scenario.yaml")]) == 0
    chinese = capsys.readouterr().out
    for path in folder.iterdir():
        ascii_only = path.read_bytes().isascii()  # plain ASCII is UTF-8 whatever it was saved as
        assert f"{path}: encoding {'utf-8' if ascii_only else named}" in english
        assert f"{path}：编码 {'utf-8' if ascii_only else named}" in chinese


def test_gbk_yaml_is_no_traceback(tmp_path: Path, capsys):
    """A GBK YAML scenario with Chinese text (a UnicodeDecodeError traceback before) validates."""
    doc = (
        "name: 示例\ncommunities: [{id: C1, name: 东苑}]\nneeds: [{id: N1, community: C1, category: 健康服务}]\n"
        "resources: [{id: U1, kind: 驻区单位, community: C1, categories: 健康服务}]\n"
    )
    (tmp_path / "plan.yaml").write_bytes(doc.encode("gbk"))
    assert main(["validate", str(tmp_path / "plan.yaml")]) == 0
    assert "gb18030" in capsys.readouterr().out
    problem = load_scenario(tmp_path / "plan.yaml").problem
    assert problem.name == "示例" and problem.communities[0].name == "东苑"


def test_excel_unicode_text_is_tab_separated_utf16(tmp_path: Path):
    """Excel's "Unicode text" (UTF-16 with BOM, tab-separated) reads like the CSV."""
    folder = _copy(tmp_path)
    rows = _csv_rows("needs")
    (folder / "needs.csv").write_bytes("\r\n".join("\t".join(r) for r in rows).encode("utf-16"))
    _same(load_scenario(folder / "scenario.yaml").problem, _base())


def test_results_open_in_excel_and_as_one_workbook(tmp_path: Path):
    """`run --xlsx`: every CSV starts with the UTF-8 byte-order mark, and results.xlsx holds the same
    tables, sheet by sheet, as the CSVs and result.json."""
    out = tmp_path / "out"
    assert main(["run", str(DATA / "scenario.yaml"), "--out", str(out), "--xlsx"]) == 0
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(out / "results.xlsx", read_only=True)
    tables = ("assignments", "unmatched", "resources", "coverage", "deadline_compliance")
    assert book.sheetnames == list(tables)
    for name in tables:
        raw = (out / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
        from_csv = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        from_xlsx = [list(r) for r in book[name].iter_rows(values_only=True)]
        assert len(from_csv) == len(from_xlsx) == (len(data[name]) + 1 if data[name] else 0), name
        if not data[name]:
            continue
        assert from_xlsx[0] == from_csv[0] == list(data[name][0]), name
        for row_csv, row_xlsx, record in zip(from_csv[1:], from_xlsx[1:], data[name]):
            assert row_xlsx == [record[k] for k in from_csv[0]], name
            assert [_number(v) for v in row_csv] == ["" if v is None else v for v in row_xlsx], name
    assert main(["run", str(DATA / "scenario.yaml"), "--out", str(tmp_path / "plain")]) == 0
    assert not (tmp_path / "plain" / "results.xlsx").exists()


def test_result_workbook_keeps_text_as_text(tmp_path: Path):
    """An id typed as '=1+1' is written to results.xlsx as text, never as a formula."""
    from matcher.files import xlsx_bytes

    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"t": [{"need": "=1+1", "hours": 2.5}]})))
    assert [c.value for c in book["t"][2]] == ["=1+1", 2.5] and book["t"]["A2"].data_type == "s"


# --- item 13: Chinese headers and sheet names ------------------------------------------------------


def _chinese_workbook(path: Path, sheet_name=lambda name: CHINESE[name][0], title: str | None = None) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in LIST_FILES:
        sheet = book.create_sheet(sheet_name(name))
        if title:
            sheet.append([title])
        rows = _csv_rows(name)
        sheet.append([CHINESE[name][1][h] for h in rows[0]])
        for row in rows[1:]:
            sheet.append(row)
    book.save(path)


def test_chinese_headers_and_sheet_names(tmp_path: Path):
    """A workbook with sheets 社区/需求清单/资源清单/结对 and Chinese headers gives the same problem."""
    _chinese_workbook(tmp_path / "plan.xlsx")
    (tmp_path / "plan.yaml").write_text("name: small\nworkbook: plan.xlsx\n", encoding="utf-8")
    _same(load_scenario(tmp_path / "plan.yaml").problem, _base())


def test_sheet_names_ignore_case_and_spaces(tmp_path: Path):
    """Sheets ' Needs ', 'RESOURCES' and the like are found, as cell values already were."""
    _chinese_workbook(tmp_path / "plan.xlsx", lambda name: f" {name.upper() if len(name) > 5 else name.title()} ")
    (tmp_path / "plan.yaml").write_text("name: small\nworkbook: plan.xlsx\n", encoding="utf-8")
    _same(load_scenario(tmp_path / "plan.yaml").problem, _base())


def test_title_row_above_the_header_is_skipped(tmp_path: Path):
    """A title row above the header is passed over, and rows keep their real line numbers."""
    _chinese_workbook(tmp_path / "plan.xlsx", title="2026年第一季度 三清单")
    (tmp_path / "plan.yaml").write_text("name: small\nworkbook: plan.xlsx\n", encoding="utf-8")
    _same(load_scenario(tmp_path / "plan.yaml").problem, _base())
    folder = _copy(tmp_path)
    text = (folder / "needs.csv").read_text(encoding="utf-8").replace("N2,C2,", "N2,C9,")
    (folder / "needs.csv").write_text("需求清单（张江镇）,,\n" + text, encoding="utf-8")
    message = str(_error(folder / "scenario.yaml"))
    assert "needs.csv: row 4 (id N2): field 'community': unknown community 'C9'" in message


def test_no_header_row_is_named(tmp_path: Path):
    """A list without any header row says so, naming the columns it expects."""
    folder = _copy(tmp_path)
    (folder / "needs.csv").write_text("N1,C1,health\nN2,C2,legal\n", encoding="utf-8")
    issues = _error(folder / "scenario.yaml").issues
    assert [i.message for i in issues] == [
        "no header row in the first 2 rows; the header names the columns (id, community, category, …)"
    ]


def test_unknown_chinese_column_named_once_with_closest(tmp_path: Path):
    """A misspelt column in a workbook is one error for the sheet's header, naming the closest column."""
    _chinese_workbook(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    book["需求清单"]["H1"] = "工史"
    book.save(tmp_path / "plan.xlsx")
    issues = _error(tmp_path / "plan.xlsx").issues
    assert [str(i) for i in issues] == [
        f"{tmp_path / 'plan.xlsx'} sheet '需求清单': header: field '工史': unknown column; did you mean '工时'?"
    ]


def test_alias_table_is_unambiguous_and_documented():
    """No alias names two fields of one list, and docs/scenario-format.md shows every alias."""
    from matcher.io.headers import FIELD_ALIASES, SHEET_ALIASES, field_for

    docs = DOCS.read_text(encoding="utf-8")
    for list_name, cls in LISTS.items():
        fields = cls.field_names()
        for f in fields:
            for alias in FIELD_ALIASES.get(f, ()):
                assert field_for(alias, fields) == f or alias in FIELD_ALIASES.get(field_for(alias, fields), ()), (
                    list_name,
                    alias,
                )
                assert [g for g in fields if alias in FIELD_ALIASES.get(g, ())] == [f], (list_name, alias)
    for aliases in (*FIELD_ALIASES.values(), *SHEET_ALIASES.values()):
        for alias in aliases:
            assert re.search(rf"(?<![\w]){re.escape(alias)}(?![\w])", docs), alias


# --- item 14: values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "file,old,new,expected",
    [
        (
            "needs.csv",
            "N1,C1,health,floor,emergency,local,first_aid,1,",
            "N1,C1,health,floor,emergency,local,first_aid,1e300,",
            "needs.csv: row 2 (id N1): field 'hours': too large: at most 1,000,000,000, got '1e300'",
        ),
        (
            "resources.csv",
            "first_aid;plumbing,8,3,",
            "first_aid;plumbing,8,12345678901234567890,",
            "resources.csv: row 2 (id U1): field 'capacity_tasks': too large: at most 1,000,000,000, "
            "got '12345678901234567890'",
        ),
    ],
)
def test_too_large_numbers_are_refused_by_validate(tmp_path: Path, capsys, file, old, new, expected):
    """Numbers too large to solve are refused by `validate` (exit 2, file/row/field), and `run`
    refuses them the same way instead of an OverflowError."""
    folder = _copy(tmp_path)
    text = (folder / file).read_text(encoding="utf-8")
    assert old in text
    (folder / file).write_text(text.replace(old, new), encoding="utf-8")
    assert main(["validate", str(folder / "scenario.yaml")]) == 2
    assert expected in capsys.readouterr().err
    assert main(["run", str(folder / "scenario.yaml"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err and not (tmp_path / "out").exists()


def test_cells_are_shown_as_typed(tmp_path: Path):
    """A time or date typed in a number cell is shown as typed (0:10), never as a Python object."""
    _chinese_workbook(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    book["资源清单"]["J2"] = datetime.time(0, 10)
    book["资源清单"]["F3"] = datetime.datetime(2026, 3, 1)
    book.save(tmp_path / "plan.xlsx")
    text = str(_error(tmp_path / "plan.xlsx"))
    assert "row 2 (id U1): field 'response_minutes': expected a number, got 0:10" in text
    assert "row 3 (id P1): field 'capacity_hours': expected a number, got 2026-03-01" in text
    assert "datetime" not in text


def test_full_width_separators_split_lists():
    """'，', '、' and '；' separate list items as ';' does."""
    for text in ("health；legal", "health、legal", "health，legal", "health ; legal"):
        record = {"id": "R", "kind": "unit", "community": "C1", "categories": text}
        from matcher.domain import Resource

        assert {c.value for c in Resource.from_record(record).categories} == {"health", "legal"}, text


@pytest.mark.parametrize("hours", ["0", "-1"])
def test_positive_and_not_negative_wording_agree(hours: str):
    """Zero and negative hours get the same 'must be positive'; nothing says 'at least 0'."""
    from matcher.errors import FieldError

    with pytest.raises(FieldError) as err:
        Need.from_record({"id": "N", "community": "C", "category": "health", "hours": hours})
    assert err.value.message == f"must be positive, got '{hours}'"


def test_at_least_zero_is_worded_not_negative(tmp_path: Path):
    """Every field that may be 0 but not below says 'must not be negative'."""
    folder = _copy(tmp_path)
    text = (folder / "communities.csv").read_text(encoding="utf-8").replace("1200", "-5")
    (folder / "communities.csv").write_text(text, encoding="utf-8")
    message = str(_error(folder / "scenario.yaml"))
    assert "field 'population': must not be negative, got '-5'" in message


@pytest.mark.parametrize("content", [b"", b"  \n", "\ufeff".encode()])
def test_empty_file_says_it_is_empty(tmp_path: Path, content: bytes):
    """An empty list file, or an empty scenario, says it is empty."""
    folder = _copy(tmp_path)
    (folder / "needs.csv").write_bytes(content)
    assert [str(i) for i in _error(folder / "scenario.yaml").issues] == [f"{folder / 'needs.csv'}: the file is empty"]
    (folder / "scenario.yaml").write_bytes(content)
    assert [str(i) for i in _error(folder / "scenario.yaml").issues] == [
        f"{folder / 'scenario.yaml'}: the file is empty"
    ]


def test_empty_sheet_says_it_is_empty(tmp_path: Path):
    """A workbook sheet with nothing in it says it is empty, naming the sheet."""
    _chinese_workbook(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    del book["需求清单"]
    book.create_sheet("需求清单")
    book.save(tmp_path / "plan.xlsx")
    assert [str(i) for i in _error(tmp_path / "plan.xlsx").issues] == [
        f"{tmp_path / 'plan.xlsx'} sheet '需求清单': the sheet is empty"
    ]


def test_formula_without_saved_value_is_named(tmp_path: Path):
    """A formula cell no spreadsheet program has computed is named, not read as a blank cell."""
    _chinese_workbook(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    book["需求清单"]["H3"] = "=1+1"
    book.save(tmp_path / "plan.xlsx")
    assert [str(i) for i in _error(tmp_path / "plan.xlsx").issues] == [
        f"{tmp_path / 'plan.xlsx'} sheet '需求清单': row 3: field 'hours': the formula =1+1 has no saved value; "
        "open and save the file in Excel or WPS, or type the value"
    ]


def test_chinese_value_labels_are_documented():
    """docs/scenario-format.md shows every Chinese value label the readers accept."""
    docs = DOCS.read_text(encoding="utf-8")
    labels = {
        m.label
        for cls in Vocabulary.__subclasses__()
        if cls.__module__ == "matcher.vocabulary"
        for m in cls
        if m.label != m.value
    }
    assert labels and [label for label in sorted(labels) if label not in docs] == []


# --- item 2: expansion bombs, on the command line and in the core --------------------------------


def test_yaml_aliases_are_refused_on_the_command_line(tmp_path: Path, capsys):
    """A billion-laughs YAML is refused by `validate` too, before expanding, naming the alias and its line."""
    from tests.bombs import billion_laughs

    (tmp_path / "laughs.yaml").write_bytes(billion_laughs())
    assert main(["validate", str(tmp_path / "laughs.yaml")]) == 2
    assert "line 2: YAML aliases (*a8) are not accepted" in capsys.readouterr().err


def test_xlsx_xml_entities_are_refused(tmp_path: Path):
    """openpyxl parses with defusedxml: a workbook whose XML declares entities is refused, named."""
    assert openpyxl.DEFUSEDXML
    _chinese_workbook(tmp_path / "plan.xlsx")
    entity = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;">]>'
    out = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(tmp_path / "plan.xlsx") as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                data = entity + (data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data)
            dst.writestr(info, data)
    assert [str(i) for i in _error(out).issues] == [
        f"{out}: cannot read the workbook (it declares XML entities or a DTD, which are refused)"
    ]


def test_rows_per_upload_are_capped():
    """An uploaded list with more rows than the upload limit is refused naming the limit."""
    from matcher.io.limits import UPLOAD_LIMITS, LimitError
    from matcher.io.scenario import load_upload

    rows = "\n".join(f"N{i},C1,health" for i in range(UPLOAD_LIMITS.rows + 1))
    files = {
        "s.yaml": b"communities: [{id: C1}]\nneeds: needs.csv\nresources: []\n",
        "needs.csv": f"id,community,category\n{rows}\n".encode(),
    }
    with pytest.raises(LimitError) as err:
        load_upload("s.yaml", files)
    assert err.value.limit == "rows" and str(err.value) == "needs.csv: more than 50,000 rows (the limit per scenario)"


def test_workbook_without_a_list_sheet_names_it(tmp_path: Path):
    """A workbook lacking a required list's sheet says so, listing its sheets."""
    _chinese_workbook(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    del book["资源清单"]
    book.save(tmp_path / "plan.xlsx")
    assert [str(i) for i in _error(tmp_path / "plan.xlsx").issues] == [
        f"{tmp_path / 'plan.xlsx'}: sheet 'resources': no such sheet; sheets: 社区, 需求清单, 结对"
    ]


def test_rows_beyond_a_stale_declared_extent_are_read(tmp_path: Path):
    """A sheet declaring a smaller extent than it holds (some programs write 'A1') loses no rows."""
    _chinese_workbook(tmp_path / "plan.xlsx")
    out = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(tmp_path / "plan.xlsx") as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
                assert n == 1
            dst.writestr(info, data)
    _same(load_scenario(out).problem, _base())


def test_unknown_key_of_inline_records_named_once(tmp_path: Path):
    """A misspelt key repeated in every inline record is one error, where it first appears, with a hint."""
    doc = "communities: [{id: C1}]\nresources: []\nneeds:\n" + "".join(
        f"  - {{id: N{i}, community: C1, category: health, titel: t}}\n" for i in range(5)
    )
    (tmp_path / "plan.yaml").write_text(doc, encoding="utf-8")
    assert [str(i) for i in _error(tmp_path / "plan.yaml").issues] == [
        f"{tmp_path / 'plan.yaml'}: needs record 1: field 'titel': unknown field; did you mean 'title'?"
    ]


@pytest.mark.parametrize("content", [bytes(range(256)) * 4, b"\x89PNG\r\n\x1a\n" + bytes(200), b"\xff\xfe\x00"])
def test_undecodable_bytes_are_an_error_not_a_crash(tmp_path: Path, content: bytes):
    """Bytes in no text encoding give an error naming the file, never a UnicodeDecodeError."""
    folder = _copy(tmp_path)
    (folder / "needs.csv").write_bytes(content)
    (folder / "scenario.yaml").write_bytes(content)
    for path in (folder / "scenario.yaml", tmp_path / "plan.yaml"):
        if path.parent == tmp_path:
            path.write_text("communities: [{id: C1}]\nresources: []\nneeds: small/needs.csv\n", encoding="utf-8")
        assert _error(path).issues[0].file.endswith(("needs.csv", "scenario.yaml"))


def test_empty_workbook_file_says_it_is_empty(tmp_path: Path):
    """A zero-byte .xlsx says it is empty, not that it is a broken archive."""
    (tmp_path / "plan.xlsx").write_bytes(b"")
    assert [str(i) for i in _error(tmp_path / "plan.xlsx").issues] == [f"{tmp_path / 'plan.xlsx'}: the file is empty"]


def test_deeply_nested_json_is_an_error(tmp_path: Path, capsys):
    """A JSON scenario nested 100,000 deep is refused by `validate` (exit 2), not a RecursionError."""
    (tmp_path / "plan.json").write_text('{"needs": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    assert main(["validate", str(tmp_path / "plan.json")]) == 2
    assert "plan.json: nested too deeply" in capsys.readouterr().err
