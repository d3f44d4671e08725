"""The container images, checked without a Docker engine (there is none here, nor hadolint offline).

Each Dockerfile is parsed and held to the rules: pinned bases, the lock file synced frozen, a
non-root user, a health check, the service's own port and entry point. Then the build stage of each is
replayed on this machine, instruction by instruction, with the same uv and the same lock file (offline,
from the cache `make install` filled): the result must be an installed service that imports, carries
its migrations, and has no development tools in it."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT, SERVICES, service_runtime

pytestmark = pytest.mark.deploy

DOCKER = ROOT / "deploy" / "docker"
UV = ROOT / ".tools" / "bin" / "uv"
MAKEFILE_UV = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
PINNED_BASE = {
    "PYTHON_IMAGE": re.compile(r"^python:3\.11\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?$"),
    "NODE_IMAGE": re.compile(r"^node:\d+\.\d+\.\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$"),
}


@dataclass
class Stage:
    image: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


@dataclass
class Dockerfile:
    args: dict[str, str]
    stages: list[Stage]

    def stage(self, name: str) -> Stage:
        (found,) = [s for s in self.stages if s.name == name]
        return found


def parse(path: Path) -> Dockerfile:
    """Instructions with their continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, f"{path}: a continuation runs off the end"
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = rest.split()
            assert len(words) == 3, f"{path}: every stage is named (FROM image AS name): {line}"
            assert words[1].upper() == "AS"
            stages.append(Stage(words[0], words[2]))
        elif not stages:
            assert keyword == "ARG", f"{path}: only ARG may come before the first FROM"
            name, _, default = rest.partition("=")
            args[name] = default
        else:
            stages[-1].instructions.append((keyword, rest))
    return Dockerfile(args, stages)


def dockerfile(service: str) -> Dockerfile:
    return parse(DOCKER / service / "Dockerfile")


def env_of(instructions: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for args in instructions:
        for word in shlex.split(args):
            key, _, value = word.partition("=")
            env[key] = value
    return env


def test_every_service_has_an_image() -> None:
    assert sorted(p.name for p in DOCKER.iterdir() if (p / "Dockerfile").is_file()) == SERVICES
    for service in SERVICES:
        # BuildKit reads <Dockerfile>.dockerignore: the context is the repository root, so keep it small.
        ignore = (DOCKER / service / "Dockerfile.dockerignore").read_text().split()
        assert "*" in ignore


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_follows_the_rules(service: str) -> None:
    df = dockerfile(service)
    port = service_runtime(service).settings.http_port
    for arg, default in df.args.items():
        assert arg in PINNED_BASE, f"unexpected build argument {arg}"
        assert PINNED_BASE[arg].match(default), f"{arg}={default} is not pinned to an exact version"
    stage_names = {s.name for s in df.stages}
    for stage in df.stages:
        assert stage.image.startswith("${") or stage.image in stage_names, "bases come from the pinned ARGs"
        assert not stage.all("ADD"), "COPY only: ADD fetches URLs and unpacks archives unseen"
        for name in env_of(stage.all("ENV")) | dict.fromkeys(df.args):
            assert not re.search(r"PASSWORD|SECRET|TOKEN|KEY", name), f"{name}: secrets never go into an image"

    build = df.stage("build")
    # uv reads the whole workspace to use the lock file: every member's project file must be there.
    for member in SERVICES:
        assert f"services/{member}/pyproject.toml services/{member}/" in build.all("COPY")
    runs = build.all("RUN")
    assert f"pip install --no-cache-dir uv=={MAKEFILE_UV.group(1) if MAKEFILE_UV else '?'}" in runs, \
        "the image's uv is the Makefile's"
    syncs = [r for r in runs if r.startswith("uv sync")]
    assert syncs
    for sync in syncs:
        words = sync.split()
        assert "--frozen" in words, "the lock file is used as it is, never re-resolved"
        assert "--no-dev" in words
        assert words[words.index("--package") + 1] == f"eportal-{service}"
    assert "--no-editable" in syncs[-1].split(), "the code is installed, not linked to /src"

    runtime = df.stages[-1]
    assert runtime.image == "${PYTHON_IMAGE}"
    (user,) = runtime.all("USER")
    uid = user.split(":")[0]
    assert uid.isdigit(), "a numeric user, so runAsNonRoot can be checked by the kubelet"
    assert int(uid) != 0
    assert runtime.all("EXPOSE") == [str(port)]
    env = env_of(runtime.all("ENV"))
    assert env["EPORTAL_HTTP_PORT"] == str(port)
    assert env["EPORTAL_HTTP_HOST"] == "0.0.0.0"  # noqa: S104 - in a container, the pod network is its own
    assert env["PYTHONDONTWRITEBYTECODE"] == "1", "a read-only root file system: nothing written beside code"
    assert env_of(build.all("ENV"))["UV_COMPILE_BYTECODE"] == "1", "bytecode compiled at build time instead"
    (healthcheck,) = runtime.all("HEALTHCHECK")
    assert "/health" in healthcheck
    assert "EPORTAL_HTTP_PORT" in healthcheck
    assert json.loads(runtime.all("ENTRYPOINT")[0]) == ["python", "-m", service]
    for copy in runtime.all("COPY"):
        assert copy.startswith("--from="), "the final stage takes only what the build stages made"
    # The user is made before it is used, and the run-time stage never runs as root after it.
    keywords = [kw for kw, _ in runtime.instructions]
    assert keywords.index("USER") > max(i for i, kw in enumerate(keywords) if kw == "RUN")


def test_the_gateway_image_carries_the_built_web_client() -> None:
    df = dockerfile("gateway")
    web = df.stage("web")
    assert web.image == "${NODE_IMAGE}"
    assert "web/package.json web/package-lock.json ./" in web.all("COPY"), "npm ci needs the lock file"
    assert web.all("RUN") == ["npm ci --no-audit --no-fund", "npm run build"]
    assert "--from=web /web/dist /app/web/dist" in df.stages[-1].all("COPY")


def test_the_service_images_differ_only_in_the_service() -> None:
    def normalised(service: str) -> str:
        port = str(dockerfile(service).stages[-1].all("EXPOSE")[0])
        text = (DOCKER / service / "Dockerfile").read_text()
        # Every image copies every member's project file (below); the rest must be the same.
        text = re.sub(r"^COPY services/[a-z]+/pyproject.toml .*\n", "", text, flags=re.MULTILINE)
        text = re.sub(rf"\b{service}\b", "SERVICE", text)
        return text.replace(port, "PORT")

    internal = [s for s in SERVICES if s != "gateway"]
    first = normalised(internal[0])
    for service in internal[1:]:
        assert normalised(service) == first, f"{service}'s Dockerfile drifted from {internal[0]}'s"


def test_every_file_the_build_stage_copies_exists() -> None:
    for service in SERVICES:
        for copy in dockerfile(service).stage("build").all("COPY"):
            for source in copy.split()[:-1]:
                assert (ROOT / source).exists(), f"{service}: COPY {source}"


def replay_build_stage(service: str, workdir: Path) -> Path:
    """Run the build stage's instructions here: COPY from the repository, ENV, WORKDIR, and the uv
    commands with this repository's uv. Returns the environment the image would carry."""
    stage = dockerfile(service).stage("build")
    image_root = workdir / "image"

    def here(path: str) -> Path:
        return image_root / path.lstrip("/")

    env = dict(os.environ, UV_OFFLINE="1", UV_NO_PROGRESS="1")
    env.pop("VIRTUAL_ENV", None)
    cwd = image_root
    for keyword, args in stage.instructions:
        if keyword == "ENV":
            for key, value in env_of([args]).items():
                env[key] = str(here(value)) if value.startswith("/") else value
        elif keyword == "WORKDIR":
            cwd = here(args)
            cwd.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            *sources, target = args.split()
            destination = cwd / target
            for source in sources:
                origin = ROOT / source
                if origin.is_dir():
                    shutil.copytree(origin, destination, dirs_exist_ok=True,
                                    ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache", "tests"))
                else:
                    destination.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, destination / origin.name)
        elif keyword == "RUN" and args.startswith("pip install --no-cache-dir uv=="):
            continue  # the uv of this repository is that version (checked above)
        elif keyword == "RUN" and args.startswith("uv "):
            done = subprocess.run([str(UV), *shlex.split(args)[1:]], cwd=cwd, env=env, capture_output=True,
                                  text=True, check=False)
            assert done.returncode == 0, f"{service}: RUN {args}\n{done.stderr}"
        else:
            pytest.fail(f"{service}: the replay does not know `{keyword} {args}`; teach it")
    return Path(env["UV_PROJECT_ENVIRONMENT"])


@pytest.mark.parametrize("service", SERVICES)
def test_the_build_stage_installs_a_working_service(service: str, tmp_path: Path) -> None:
    venv = replay_build_stage(service, tmp_path)
    python = venv / "bin" / "python"
    probe = (
        "import importlib, json, sys, kit.migrate\n"
        f"bootstrap = importlib.import_module('{service}.bootstrap')\n"
        "print(json.dumps({'migrations': sorted(p.name for p in bootstrap.MIGRATIONS.glob('*.sql')),"
        " 'where': bootstrap.__file__}))\n"
    )
    # Run from elsewhere, so nothing is imported from the repository by accident.
    done = subprocess.run([str(python), "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=False,
                          env={"PATH": os.environ["PATH"], "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["where"].startswith(str(venv)), "the service is installed into the image's environment"
    repo_migrations = sorted(p.name for p in (ROOT / "services" / service / service / "migrations").glob("*.sql"))
    assert found["migrations"] == repo_migrations, "the migration files travel with the package"
    site = next((venv / "lib").glob("python3.11/site-packages"))
    installed = {p.name.split("-")[0].lower() for p in site.glob("*.dist-info")}
    assert not installed & {"pytest", "ruff", "mypy", "hypothesis", "testcontainers"}, "no development tools"
    others = set(SERVICES) - {service}
    assert not installed & {f"eportal_{o}" for o in others}, "one service per image"
    assert list((site / service).rglob("__pycache__/*.pyc")), "bytecode compiled at build time"
    usage = subprocess.run([str(python), "-m", "kit.migrate"], cwd=tmp_path, capture_output=True, text=True,
                           check=False)
    assert usage.returncode == 2, "the migration Job's entry point is in the image"
