"""Every service's domain/ is the clinic's rules without I/O: it imports no web framework and no database
driver, not even through kit or another module of ours. Found by walking the import statements of each
`*/domain/*` module and of every module of ours it reaches; then confirmed by importing them all in a fresh
interpreter (which also sees what a third-party package imports in turn)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "kit", ROOT / "contracts", *sorted(p for p in (ROOT / "services").iterdir() if p.is_dir())]
FORBIDDEN = frozenset({"fastapi", "starlette", "asyncpg"})


def module_file(name: str) -> Path | None:
    """The file of one of our modules (kit.errors, booking.domain.clinic, ...); None for anything else."""
    parts = name.split(".")
    for source in SOURCES:
        base = source.joinpath(*parts)
        if base.with_suffix(".py").is_file():
            return base.with_suffix(".py")
        if (base / "__init__.py").is_file():
            return base / "__init__.py"
    return None


def domain_modules() -> list[str]:
    found = []
    for source in SOURCES:
        for path in sorted(source.glob("*/domain/*.py")):
            parts = path.relative_to(source).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def imported_by(name: str, path: Path) -> set[str]:
    """Every module an import statement in `path` names (and the packages on the way to it), anywhere in the
    file: under TYPE_CHECKING or inside a function counts too."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                base = node.module or ""
            named.add(base)
            named.update(f"{base}.{alias.name}" for alias in node.names)
    with_parents = set()
    for module in named:
        parts = module.split(".")
        with_parents.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return with_parents


def forbidden_chains(start: str) -> list[str]:
    """Each way `start` reaches a forbidden package, as the chain of imports that leads there."""
    chains: dict[str, None] = {}
    seen, stack = {start}, [(start, [start])]
    while stack:
        name, chain = stack.pop()
        path = module_file(name)
        if path is None:
            continue
        for imported in sorted(imported_by(name, path)):
            if imported.split(".")[0] in FORBIDDEN:
                chains[" -> ".join([*chain, imported.split(".")[0]])] = None
            elif imported not in seen and module_file(imported) is not None:
                seen.add(imported)
                stack.append((imported, [*chain, imported]))
    return list(chains)


def test_every_service_has_a_domain_to_check() -> None:
    packages = {name.split(".")[0] for name in domain_modules()}
    assert packages >= {"identity", "booking", "prescription", "econsult", "billing", "notify", "gateway"}


def test_no_domain_module_reaches_a_web_framework_or_a_database_driver() -> None:
    found = [chain for name in domain_modules() for chain in forbidden_chains(name)]
    assert not found, "domain/ must not import these (move the I/O to adapters/ or entrypoints/):\n" + "\n".join(
        found)


def test_the_walk_sees_an_import_through_kit() -> None:
    # kit.problems imports FastAPI: a domain module importing it would be caught, with the way it got there.
    assert "kit.problems -> fastapi" in forbidden_chains("kit.problems")
    assert forbidden_chains("kit.errors") == []


def test_importing_every_domain_module_loads_none_of_them() -> None:
    names = domain_modules()
    script = (f"import sys\nfor name in {names!r}:\n    __import__(name)\n"
              f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(FORBIDDEN)!r}))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
