"""The whole system as real processes, for tests that go "through the running system".

`live_system` (session-scoped, see conftest.py) starts every service and the gateway as subprocesses,
as `make run` does, but on free ports, with databases and topics of their own, and a shared clock
offset file so a test can move their time together (`system.move_clock(timedelta(days=15))`).
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.support.infra import ROOT, Infrastructure, delete_topics, stack
from tests.support.kafka import uncommitted

SERVICES = ("identity", "booking", "prescription", "econsult", "billing", "notify")
# A mobile app's redirect URI registered with the test system's ID-porten client (tests/e2e/test_idporten_live.py).
APP_REDIRECT_URI = "no.eportal.app:/oauth2redirect"

# Settings a service needs only in the running system (ports of dev sinks and the like). Engineers of
# each service add theirs here: {service: {ENV_NAME: value or "{port}" for a fresh free port}}.
EXTRA_ENV: dict[str, dict[str, str]] = {
    # The overdue job looks every second, so a test that moves the clock past a due date sees it at once.
    "billing": {"EPORTAL_OVERDUE_CHECK_SECONDS": "1"},
    # The reminder job looks every second, so a test that moves the clock to the day before sees it at once.
    "booking": {"EPORTAL_REMINDER_POLL_SECONDS": "1"},
    # Every test client logs in from 127.0.0.1: the per-address limits (tested in identity's own tests and
    # tests/security) would otherwise refuse the suite's logins after the first thirty, and its staff logins once
    # the fuzzer's wrong passwords had added up.
    "identity": {"EPORTAL_LOGIN_STARTS_PER_ADDRESS": "100000", "EPORTAL_STAFF_FREE_FAILURES_PER_ADDRESS": "100000"},
}


_HANDED_OUT: set[int] = set()


def service_ports() -> range:
    """Where free_port draws from: below the range the kernel takes ports from for outgoing connections and for binds
    to port 0 (Linux's default 32768-60999), above the well-known ports."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return range(20_000 if low > 21_000 else 1_024, low)


def free_port() -> int:
    """A port free now, never handed out before in this process, and outside the kernel's ephemeral range.

    A service binds the port a second or two after it is handed out (Python's start, its migrations). Drawn from
    the ephemeral range, as a bind to port 0 draws it, the port could be taken meanwhile by any outgoing connection
    on the machine (a client's own end of a connection to PostgreSQL or Kafka) or by a listener on port 0 (a metrics
    port, notify's sinks): CI once saw identity fail to start with "address already in use". Below the range no
    connection and no port-0 bind takes it. The kernel may also give the same free port to two binds in a row (a
    service and notify's SMTP sink once shared one): no port is handed out twice."""
    ports = service_ports()
    for _ in range(1_000):
        port = ports[secrets.randbelow(len(ports))] if ports else 0  # none below the range: the kernel's choice
        if port in _HANDED_OUT:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue  # someone's listener: another
            port = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port
    raise RuntimeError("no free port below the ephemeral range")


@dataclass
class System:
    gateway_url: str
    service_urls: dict[str, str]
    dsns: dict[str, str]
    topic_prefix: str
    clock_file: Path
    logs: Path
    suffix: str = ""  # of this system's databases
    kafka_bootstrap: str = ""
    # Each service's metrics listener (not public), on a port the kernel chose (EPORTAL_METRICS_PORT=0) and the
    # service logged: no port handed out here can be taken by another process before the service binds it.
    metrics_urls: dict[str, str] = field(default_factory=dict)
    ports: dict[str, dict[str, int]] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # ID-porten's local stand-in (NAV's mock-oauth2-server, deploy/local/stack.py): its issuer, and our client.
    idporten_issuer: str = ""
    idporten_client_id: str = stack.IDPORTEN_CLIENT_ID
    _offset: timedelta = timedelta(0)

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.gateway_url, timeout=30, **kwargs)

    def move_clock(self, delta: timedelta) -> None:
        """Move every service's clock forward (or back) by `delta`, together."""
        self._offset += delta
        self._write_offset()

    def reset_clock(self) -> None:
        self._offset = timedelta(0)
        self._write_offset()

    def _write_offset(self) -> None:
        # Written aside and renamed into place: a service reading the file mid-write would otherwise see it
        # empty (no offset) and, for one call, live weeks in the past.
        aside = self.clock_file.with_suffix(".new")
        aside.write_text(str(self._offset.total_seconds()))
        aside.replace(self.clock_file)

    def kill(self, service: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[service]
        proc.send_signal(sig)
        proc.wait(timeout=30)

    def start(self, service: str) -> None:
        self.procs[service] = _spawn(service, self._env[service], self.logs)
        _wait_ready({service: self.service_urls.get(service, self.gateway_url)}, self.procs, self.logs)
        self.metrics_urls[service] = _metrics_url(self.logs, service)

    def log(self, service: str) -> str:
        return (self.logs / f"{service}.log").read_text(errors="replace")

    _env: dict[str, dict[str, str]] = field(default_factory=dict)


def _spawn(service: str, env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    out = (logs / f"{service}.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", service], env=env, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, cwd=ROOT)


def _metrics_url(logs: Path, service: str) -> str:
    """Where the service (started, so its log has the line) serves its metrics: the last start's port."""
    ports = [json.loads(line)["port"] for line in (logs / f"{service}.log").read_text(errors="replace").splitlines()
             if line.startswith("{") and '"metrics served"' in line]
    if not ports:
        raise RuntimeError(f"{service} logged no metrics port")
    return f"http://127.0.0.1:{ports[-1]}"


def _wait_ready(urls: dict[str, str], procs: dict[str, subprocess.Popen[bytes]], logs: Path,
                timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(urls)
    while pending and time.monotonic() < deadline:
        for service, url in list(pending.items()):
            if procs[service].poll() is not None:
                tail = (logs / f"{service}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{service} exited at start:\n{tail}")
            try:
                with urllib.request.urlopen(f"{url}/ready", timeout=2) as r:  # noqa: S310
                    if r.status == 200 and json.loads(r.read()).get("ready"):
                        del pending[service]
            except (OSError, http.client.HTTPException, ValueError):  # not up yet, or not yet answering HTTP
                pass
        time.sleep(0.2)
    if pending:
        raise RuntimeError(f"not ready in {timeout} s: {sorted(pending)}")


def _wait_idporten(port: int, proc: subprocess.Popen[bytes], logs: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not stack.idporten_ready(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = (logs / "idporten.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the ID-porten stand-in did not start:\n{tail}")
        time.sleep(0.2)


def start_system(infra: Infrastructure, workdir: Path, extra_env: dict[str, dict[str, str]] | None = None) -> System:
    """`extra_env`: settings of this system only, over EXTRA_ENV's (e.g. notify's SMS provider)."""
    run_id = secrets.token_hex(3)
    dsns = infra.create_databases(f"_s{run_id}")
    prefix = f"s{run_id}."
    clock_file = workdir / "clock-offset"
    clock_file.write_text("0")
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    ports = {s: free_port() for s in (*SERVICES, "gateway", "idporten")}
    urls = {s: f"http://127.0.0.1:{ports[s]}" for s in SERVICES}
    gateway_url = f"http://127.0.0.1:{ports['gateway']}"
    # The stand-in for ID-porten starts first (a JVM: seconds), while the services start beside it.
    command, mock_env = stack.idporten_mock(ports["idporten"])
    idporten = subprocess.Popen(command, env=mock_env, stdout=(logs / "idporten.log").open("ab"),
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT)
    issuer = stack.idporten_issuer(ports["idporten"])
    base = {k: v for k, v in os.environ.items() if not k.startswith(("EPORTAL_", "OTEL_"))}
    base.update({"EPORTAL_ENV": "test", "EPORTAL_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
                 "EPORTAL_TOPIC_PREFIX": prefix, "EPORTAL_CLOCK_OFFSET_FILE": str(clock_file),
                 "EPORTAL_LOG_JSON": "true", "EPORTAL_OUTBOX_RETRY_SECONDS": "0.5",
                 "EPORTAL_TOPIC_PARTITIONS": "2", "PYTHONUNBUFFERED": "1"})
    extra_ports: dict[str, dict[str, int]] = {}
    envs: dict[str, dict[str, str]] = {}
    for service in (*SERVICES, "gateway"):
        env = {**base, "EPORTAL_DATABASE_URL": dsns[service], "EPORTAL_HTTP_PORT": str(ports[service]),
               "EPORTAL_METRICS_PORT": "0"}
        for name, value in {**EXTRA_ENV.get(service, {}), **(extra_env or {}).get(service, {})}.items():
            if value == "{port}":
                port = free_port()
                extra_ports.setdefault(service, {})[name] = port
                value = str(port)
            env[name] = value
        if service == "gateway":
            env.update({f"EPORTAL_{s.upper()}_URL": url for s, url in urls.items()})
        if service == "notify":
            env["EPORTAL_BILLING_URL"] = urls["billing"]  # the giro PDF on the invoice e-mail
        if service == "identity":
            env.update({"EPORTAL_IDPORTEN_ISSUER": issuer, "EPORTAL_IDPORTEN_CLIENT_ID": stack.IDPORTEN_CLIENT_ID,
                        "EPORTAL_IDPORTEN_WEB_REDIRECT_URI": f"{gateway_url}/api/v1/auth/idporten/callback",
                        "EPORTAL_IDPORTEN_APP_REDIRECT_URIS": json.dumps([APP_REDIRECT_URI]),
                        "EPORTAL_IDPORTEN_POST_LOGOUT_REDIRECT_URI": f"{gateway_url}/"})
        envs[service] = env
    system = System(gateway_url=gateway_url, service_urls=urls, dsns=dsns,
                    topic_prefix=prefix, clock_file=clock_file, logs=logs, suffix=f"_s{run_id}", ports=extra_ports,
                    idporten_issuer=issuer, kafka_bootstrap=infra.kafka_bootstrap, _env=envs)
    system.procs["idporten"] = idporten
    for service in (*SERVICES, "gateway"):
        system.procs[service] = _spawn(service, envs[service], logs)
    try:
        _wait_ready({**urls, "gateway": system.gateway_url}, system.procs, logs)
        _wait_idporten(ports["idporten"], idporten, logs)
    except Exception:
        stop_system(system, infra)  # a system that did not come up leaves no process behind to load the machine
        raise
    system.metrics_urls = {s: _metrics_url(logs, s) for s in (*SERVICES, "gateway")}
    return system


def stop_system(system: System, infra: Infrastructure) -> None:
    for proc in system.procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in system.procs.values():
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    infra.drop_databases(system.suffix)
    delete_topics(infra.kafka_bootstrap, system.topic_prefix)


# What a service still has to do after its outbox is published: deliveries to send, e-prescriptions to hand over.
_QUEUED = {"notify": "SELECT count(*) FROM deliveries WHERE state = 'queued'",
           "prescription": "SELECT count(*) FROM dispatches WHERE announced_at IS NULL"}


async def in_flight(system: System) -> dict[str, int]:
    """What the system still has on its way (nothing: every count 0): outbox rows not yet published, messages a
    service's consumers have not committed, deliveries and e-prescriptions waiting to go."""
    pending, _ = await _snapshot(system)
    return pending


async def quiet(system: System) -> bool:
    """Nothing in flight, twice in a row with no outbox row written in between: a consumer may apply an event
    (and write the events that follow from it) between the reads of one look. A test drains to this known point
    before it counts what came out, instead of sleeping and hoping everything has arrived."""
    first, written = await _snapshot(system)
    if any(first.values()):
        return False
    second, written_since = await _snapshot(system)
    return not any(second.values()) and written == written_since


async def _snapshot(system: System) -> tuple[dict[str, int], int]:
    pending: dict[str, int] = {}
    written = 0
    for service in SERVICES:
        conn = await asyncpg.connect(system.dsns[service])
        try:
            row = await conn.fetchrow("SELECT count(*) FILTER (WHERE published_at IS NULL) AS unpublished, "
                                      "count(*) AS rows FROM outbox")
            pending[f"{service} outbox"], written = row["unpublished"], written + row["rows"]
            if service in _QUEUED:
                pending[f"{service} queued"] = await conn.fetchval(_QUEUED[service])
        finally:
            await conn.close()
    behind = await uncommitted(system.kafka_bootstrap, [f"{system.topic_prefix}{service}" for service in SERVICES])
    pending.update({f"{group} consumer": n for group, n in behind.items()})
    return pending, written
