"""`make run`: the whole system on this machine, with demo data, until Ctrl-C.

Starts the local stack (PostgreSQL, Kafka), Jaeger (traces, memory storage), ID-porten's local stand-in (NAV's
mock-oauth2-server), one process per service,
waits until every service is ready, seeds the demo clinic, prints where to log in, and watches the
processes: one that dies is started again. Ctrl-C (or SIGTERM, or `make stop`) stops everything cleanly.

Every port (the services', their metrics listeners', Jaeger's) moves by EPORTAL_RUN_PORT_OFFSET, so a
second clone can run beside one already up (move the stack too: EPORTAL_STACK_RUN_PG_PORT and _KAFKA_PORT).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stack

ROOT = stack.ROOT
OFFSET = int(os.environ.get("EPORTAL_RUN_PORT_OFFSET", "0"))
PORTS = {s: p + OFFSET for s, p in {"identity": 8101, "booking": 8102, "prescription": 8103, "econsult": 8104,
                                    "billing": 8105, "notify": 8106, "gateway": 8000}.items()}
# Prometheus metrics, each service on a listener of its own (never on the public port): 9464 is the gateway's,
# as in the manifests; the others follow.
METRICS_PORTS = {s: 9464 + OFFSET + i for i, s in enumerate(
    ("gateway", "identity", "booking", "prescription", "econsult", "billing", "notify"))}
# Jaeger all-in-one (deploy/local/jaeger.yaml): its UI and the OTLP/HTTP receiver the services export to.
JAEGER = ROOT / ".tools" / "bin" / "jaeger"
JAEGER_PORTS = {"JAEGER_UI_PORT": 16686 + OFFSET, "JAEGER_OTLP_HTTP_PORT": 4318 + OFFSET,
                "JAEGER_OTLP_GRPC_PORT": 4317 + OFFSET, "JAEGER_QUERY_GRPC_PORT": 16685 + OFFSET}
GATEWAY = f"http://127.0.0.1:{PORTS['gateway']}"
# ID-porten's local stand-in (NAV's mock-oauth2-server, deploy/local/stack.py): its login page takes a persona's
# national ID.
IDPORTEN_PORT = 8110 + OFFSET
# Consumers first, the gateway last: by the time it answers, everything behind it is up.
ORDER = ("identity", "booking", "prescription", "econsult", "billing", "notify", "gateway")


def say(msg: str) -> None:
    print(f"[run] {msg}", flush=True)


def service_env(inst: stack.Instance, service: str, dsn: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EPORTAL_")}
    env.update({
        "EPORTAL_ENV": "dev",
        "EPORTAL_DATABASE_URL": dsn,
        "EPORTAL_KAFKA_BOOTSTRAP": inst.kafka_bootstrap,
        "EPORTAL_HTTP_PORT": str(PORTS[service]),
        "EPORTAL_METRICS_PORT": str(METRICS_PORTS[service]),
        "EPORTAL_LOG_JSON": "true",
        "PYTHONUNBUFFERED": "1",
    })
    if service == "gateway":
        env.update({f"EPORTAL_{s.upper()}_URL": f"http://127.0.0.1:{p}" for s, p in PORTS.items() if s != service})
    if service == "notify":
        env["EPORTAL_BILLING_URL"] = f"http://127.0.0.1:{PORTS['billing']}"
    if service == "identity":
        env.update({"EPORTAL_IDPORTEN_ISSUER": stack.idporten_issuer(IDPORTEN_PORT),
                    "EPORTAL_IDPORTEN_CLIENT_ID": stack.IDPORTEN_CLIENT_ID,
                    "EPORTAL_IDPORTEN_WEB_REDIRECT_URI": f"{GATEWAY}/api/v1/auth/idporten/callback",
                    "EPORTAL_IDPORTEN_POST_LOGOUT_REDIRECT_URI": f"{GATEWAY}/"})
    if JAEGER.is_file():
        # Traces to the local Jaeger; sent within a second, so a request is there to look at at once.
        env.update({"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{JAEGER_PORTS['JAEGER_OTLP_HTTP_PORT']}",
                    "OTEL_BSP_SCHEDULE_DELAY": "1000"})
    return env


class Supervisor:
    def __init__(self, inst: stack.Instance, dsns: dict[str, str]) -> None:
        self.inst = inst
        self.dsns = dsns
        self.logs = inst.home / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.pidfile = inst.home / "services.json"

    def start(self, service: str) -> None:
        log = (self.logs / f"{service}.log").open("ab")
        if service == "jaeger":
            command, env = [str(JAEGER), "--config", f"file:{ROOT / 'deploy/local/jaeger.yaml'}"], \
                {**os.environ, **{k: str(v) for k, v in JAEGER_PORTS.items()}}
        elif service == "idporten":
            command, env = stack.idporten_mock(IDPORTEN_PORT)
        else:
            command, env = [sys.executable, "-m", service], service_env(self.inst, service, self.dsns[service])
        self.procs[service] = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                               stdin=subprocess.DEVNULL, cwd=ROOT)
        self.pidfile.write_text(json.dumps({"supervisor": os.getpid(),
                                            "services": {s: p.pid for s, p in self.procs.items()}}))

    def ready(self, service: str) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORTS[service]}/ready", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not stack.idporten_ready(IDPORTEN_PORT):
            if self.procs["idporten"].poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the ID-porten stand-in did not start; see {self.logs / 'idporten.log'}")
            time.sleep(0.3)
        say(f"  {'ID-porten':13} (local stand-in) on {stack.idporten_issuer(IDPORTEN_PORT)}")
        pending = list(ORDER)
        while pending and time.monotonic() < deadline:
            for service in list(pending):
                proc = self.procs[service]
                if proc.poll() is not None:
                    raise SystemExit(f"{service} exited at start; see {self.logs / (service + '.log')}")
                if self.ready(service):
                    pending.remove(service)
                    say(f"  {service:13} ready on http://127.0.0.1:{PORTS[service]}")
            time.sleep(0.3)
        if pending:
            raise SystemExit(f"not ready after {timeout:.0f} s: {', '.join(pending)} (logs in {self.logs})")

    def watch(self) -> None:
        while True:
            time.sleep(1)
            for service, proc in list(self.procs.items()):
                if proc.poll() is not None:
                    say(f"{service} stopped (exit {proc.returncode}); starting it again")
                    self.start(service)
            for part, up in stack.status(self.inst).items():
                if not up:
                    say(f"{part} is down; starting it again")
                    stack.start(self.inst)
                    break

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for service, proc in self.procs.items():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                say(f"{service} did not stop in time; killing it")
                proc.kill()
        self.pidfile.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def stop_detached(inst: stack.Instance) -> None:
    """Stop an earlier run: ask its supervisor to stop (it stops its services and the stack); if the
    supervisor is gone, stop the services it left."""
    pidfile = inst.home / "services.json"
    if pidfile.exists():
        state = json.loads(pidfile.read_text())
        supervisor = state.get("supervisor")
        if supervisor and supervisor != os.getpid() and _alive(supervisor):
            say(f"stopping the earlier run (pid {supervisor})")
            os.kill(supervisor, signal.SIGTERM)
            for _ in range(300):
                if not _alive(supervisor):
                    break
                time.sleep(0.1)
        for service, pid in state.get("services", {}).items():
            if _alive(pid):
                os.kill(pid, signal.SIGTERM)
                say(f"stopped {service}")
        pidfile.unlink(missing_ok=True)
    stack.stop(inst)


def seed(inst: stack.Instance) -> None:
    """Demo data: each service seeds its own (deploy/local/demo.py)."""
    try:
        demo = importlib.import_module("demo")
    except ModuleNotFoundError:
        return
    started = time.monotonic()
    demo.seed(inst)
    say(f"demo data ready in {time.monotonic() - started:.1f} s")


def banner() -> None:
    lines = ["", "eportal is running.", f"  Web portal and API:  {GATEWAY}/",
             f"  API documentation:   {GATEWAY}/api/docs",
             f"  Health:              {GATEWAY}/api/health",
             f"  Metrics:             http://127.0.0.1:{METRICS_PORTS['gateway']}/metrics (gateway; the others on "
             f"{min(METRICS_PORTS.values()) + 1}-{max(METRICS_PORTS.values())})"]
    if JAEGER.is_file():
        lines.append(f"  Traces (Jaeger):     http://127.0.0.1:{JAEGER_PORTS['JAEGER_UI_PORT']}/")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORTS['gateway']}/dev/demo", timeout=5) as r:
            demo = json.loads(r.read())
        lines.append("  Log in as (demo personas, all data synthetic):")
        for p in demo.get("patients", []):
            lines.append(f"    patient {p['persona']:14} national ID {p['national_id']}  ({p.get('shows', '')})")
        for g in demo.get("guardians", []):
            lines.append(f"    parent  {g['persona']:14} national ID {g['national_id']}  ({g.get('shows', '')})")
        for s in demo.get("staff", []):
            lines.append(f"    staff   {s['persona']:14} {s['username']} / {s['password']}")
        lines.append(f"  The SMS code: {GATEWAY}/dev/sms?to=<mobile>  (the SMS sink)")
        lines.append("  Or «Logg inn med ID-porten»: the local stand-in's page takes the national ID "
                     f"({stack.idporten_issuer(IDPORTEN_PORT)})")
    except OSError:
        pass
    lines.append("Press Ctrl-C to stop everything.")
    print("\n".join(lines), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stop", action="store_true", help="stop what a detached run left")
    args = parser.parse_args()
    inst = stack.INSTANCES["run"]
    if args.stop:
        stop_detached(inst)
        return 0
    started = time.monotonic()
    if (inst.home / "services.json").exists():
        stop_detached(inst)
    say("starting PostgreSQL and Kafka")
    stack.start(inst)
    dsns = stack.create_service_databases(inst)
    supervisor = Supervisor(inst, dsns)
    if JAEGER.is_file():
        say("starting Jaeger (traces, in memory)")
        supervisor.start("jaeger")
    else:
        say(f"no {JAEGER.relative_to(ROOT)} (make run builds it): running without traces")
    say("starting ID-porten's local stand-in and the services")
    supervisor.start("idporten")
    for service in ORDER:
        supervisor.start(service)

    def on_term(*_: object) -> None:
        raise KeyboardInterrupt

    # Explicitly: a process started in the background inherits SIGINT ignored, and Ctrl-C must work.
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    try:
        supervisor.wait_ready()
        seed(inst)
        say(f"ready in {time.monotonic() - started:.1f} s")
        banner()
        supervisor.watch()
    except KeyboardInterrupt:
        say("stopping")
    finally:
        supervisor.stop_all()
        stack.stop(inst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
