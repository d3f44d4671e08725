"""Every rule of domain-rules.md can be found in one step: each service's README has the table "Where each rule
lives" (rule, code, where, test), every error code of domain-rules.md is in one of them, and what the tables
name is there: each `file.py: function` (or `Class.method`), each file and each `test_file.py::test`."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").is_file())
# The specification beside the repository (../shared/docs from the main checkout, further up from a worktree).
DOMAIN_RULES = next((p / "shared" / "docs" / "domain-rules.md" for p in ROOT.parents
                     if (p / "shared" / "docs" / "domain-rules.md").is_file()), None)
HEADER = ["rule", "code", "where", "test"]

# Codes domain-rules.md already names that no service raises yet: the branches building them add their rows
# (acting for a child, login with ID-porten). The last test fails as soon as one is raised, so none stays here
# once built.
NOT_BUILT_YET: frozenset[str] = frozenset()

CODE = re.compile(r"`([a-z]+\.[a-z_]+)`")
TICKED = re.compile(r"`([^`]+)`")
FILE_AND_NAME = re.compile(r"^(?P<file>[\w./-]+\.py):\s*(?P<name>[A-Za-z_][\w.]*)$")
FILE_ONLY = re.compile(r"^[\w./-]+\.(py|sql|ts|tsx)$")
TEST_REF = re.compile(r"^(?P<file>[\w./-]*test_\w+\.py)(::(?P<name>\w+))?$")


@dataclass(frozen=True)
class Row:
    service: str
    rule: str
    codes: tuple[str, ...]
    where: tuple[str, ...]
    tests: tuple[str, ...]


def rows(service: str) -> list[Row]:
    readme = ROOT / "services" / service / "README.md"
    text = readme.read_text() if readme.is_file() else ""
    section = text.partition("## Where each rule lives")[2].split("\n## ")[0]
    lines = [line.strip() for line in section.splitlines() if line.strip().startswith("|")]
    if len(lines) < 3:
        return []
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == HEADER, f"{service}/README.md: the table's columns are {HEADER}, not {header}"
    found = []
    for line in lines[2:]:
        rule, codes, where, tests = (cell.strip() for cell in line.strip("|").split("|"))
        found.append(Row(service, rule, tuple(CODE.findall(codes)), tuple(TICKED.findall(where)),
                         tuple(TICKED.findall(tests))))
    return found


def all_rows() -> list[Row]:
    return [row for service in SERVICES for row in rows(service)]


def rule_codes() -> set[str]:
    if DOMAIN_RULES is None:
        pytest.skip("no ../shared/docs/domain-rules.md beside this checkout: nothing to hold the tables against")
    return {code for code in CODE.findall(DOMAIN_RULES.read_text()) if not code.endswith(".md")}


def resolve(service: str, path: str, *, tests: bool = False) -> Path | None:
    """A path as a table writes it: in the service's package (or its tests), else from the repository's root."""
    places = [ROOT / "services" / service / "tests"] if tests else [ROOT / "services" / service / service]
    places += [ROOT / "services" / service, ROOT]
    for place in places:
        if (place / path).is_file():
            return place / path
    return None


@cache
def defined(path: Path) -> frozenset[str]:
    """The names a module defines: its functions, classes and constants, and `Class.member` for their members."""
    names: set[str] = set()

    def targets(node: ast.stmt) -> list[str]:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return [node.name]
        if isinstance(node, ast.Assign):
            return [t.id for t in node.targets if isinstance(t, ast.Name)]
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            return [node.target.id]
        return []

    for node in ast.parse(path.read_text()).body:
        names.update(targets(node))
        if isinstance(node, ast.ClassDef):
            names.update(f"{node.name}.{member}" for child in node.body for member in targets(child))
    return frozenset(names)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_table(service: str) -> None:
    assert rows(service), f"services/{service}/README.md has no table under «## Where each rule lives»"


def test_every_code_of_the_domain_rules_is_in_a_table() -> None:
    tabled = {code for row in all_rows() for code in row.codes}
    missing = sorted(rule_codes() - tabled - NOT_BUILT_YET)
    assert not missing, f"codes of domain-rules.md in no README's table: {missing}"


def test_a_row_with_a_code_says_where_and_which_test() -> None:
    lacking = [f"{row.service}: {row.codes}" for row in all_rows() if row.codes and not (
        any(FILE_AND_NAME.match(w) for w in row.where) and any(TEST_REF.match(t) for t in row.tests))]
    assert not lacking, f"rows with a code but no `file.py: function` or no `test_x.py`: {lacking}"


def test_every_file_and_function_named_exists() -> None:
    wrong = []
    for row in all_rows():
        for ref in row.where:
            if (match := FILE_AND_NAME.match(ref)) is not None:
                path = resolve(row.service, match["file"])
                if path is None or match["name"] not in defined(path):
                    wrong.append(f"{row.service}: {ref}")
            elif FILE_ONLY.match(ref) and resolve(row.service, ref) is None:
                wrong.append(f"{row.service}: {ref}")
        for ref in row.tests:
            if (match := TEST_REF.match(ref)) is not None:
                path = resolve(row.service, match["file"], tests=True)
                if path is None or (match["name"] and match["name"] not in defined(path)):
                    wrong.append(f"{row.service}: {ref}")
    assert not wrong, f"named in a table but not found: {wrong}"


def test_the_codes_not_built_yet_are_raised_nowhere() -> None:
    sources = [p for part in ("services", "kit") for p in (ROOT / part).rglob("*.py") if "tests" not in p.parts]
    raised = {code for p in sources for code in NOT_BUILT_YET if f'"{code}"' in p.read_text()}
    assert not raised, f"built now: give {sorted(raised)} their rows and take them out of NOT_BUILT_YET"
