#!/usr/bin/env python3
"""The local stack: PostgreSQL 15 and Apache Kafka (KRaft) as plain local processes, no Docker.

    python deploy/local/stack.py start|stop|status|reset [run|test]

Two instances on their own ports and folders, so `make test` works while `make run` is up:
`run` (PostgreSQL 55432, Kafka 59092) and `test` (55433, 59192). Starting twice is harmless; a
crashed database or broker (stale pid files) is started again. Standard library only: it runs before
the project's virtual environment exists, and the test fixtures import it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KAFKA_DIR = Path(__file__).resolve().parent / "kafka"
PG_BIN_CANDIDATES = [Path("/usr/lib/postgresql/15/bin"), Path("/usr/lib/postgresql/16/bin")]
DEV_PASSWORD = "eportal-dev"  # development only: the local cluster listens on loopback alone

SERVICES = ("identity", "booking", "prescription", "econsult", "billing", "notify", "gateway")


@dataclass(frozen=True)
class Instance:
    name: str
    pg_port: int
    kafka_port: int
    controller_port: int

    @property
    def home(self) -> Path:
        return ROOT / ".local" / self.name

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def admin_dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:{DEV_PASSWORD}@127.0.0.1:{self.pg_port}/{database}"

    def service_dsn(self, service: str, database: str | None = None) -> str:
        return (f"postgresql://{service}:{DEV_PASSWORD}-{service}@127.0.0.1:{self.pg_port}/"
                f"{database or 'eportal_' + service}")


def _instance(name: str, pg: int, kafka: int) -> Instance:
    """Ports may be moved, e.g. to test a clean clone beside a working copy whose stack is up:
    EPORTAL_STACK_<NAME>_PG_PORT and EPORTAL_STACK_<NAME>_KAFKA_PORT (the controller takes the next port)."""
    pg = int(os.environ.get(f"EPORTAL_STACK_{name.upper()}_PG_PORT", pg))
    kafka = int(os.environ.get(f"EPORTAL_STACK_{name.upper()}_KAFKA_PORT", kafka))
    return Instance(name, pg, kafka, kafka + 1)


INSTANCES = {
    "run": _instance("run", 55432, 59092),
    "test": _instance("test", 55433, 59192),
    # `make chaos` and its short run in make test: a broker and a database of their own to kill and restart
    # without disturbing the other tests' stack.
    "chaos": _instance("chaos", 55436, 59492),
    # `make bench`: measured on a stack of its own, so neither a running make run nor make test disturbs it.
    "bench": _instance("bench", 55438, 59692),
}


def say(msg: str) -> None:
    print(f"[stack] {msg}", flush=True)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_port(port: int, what: str, timeout: float, proc_alive: object = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.3)
    raise SystemExit(f"{what} did not open port {port} within {timeout:.0f} s")


# --- PostgreSQL ---------------------------------------------------------------------------------

def pg_bin(tool: str) -> str:
    for folder in PG_BIN_CANDIDATES:
        if (folder / tool).exists():
            return str(folder / tool)
    found = shutil.which(tool)
    if not found:
        raise SystemExit(f"PostgreSQL's {tool} is not installed (apt-get install postgresql-15)")
    return found


def _as_root() -> bool:
    return os.geteuid() == 0


def pg_data_dir(inst: Instance) -> Path:
    """Project-local; but PostgreSQL refuses to run as root, so as root the cluster belongs to the
    `postgres` user, and where that user cannot reach the clone it lives in a folder it can."""
    local = inst.home / "pg"
    if not _as_root():
        return local
    probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(ROOT)], check=False)
    if probe.returncode == 0:
        return local
    digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
    return Path(f"/var/tmp/eportal-{digest}-{inst.name}/pg")


def _pg(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    if _as_root():
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, text=True, capture_output=True, check=False, **kw)  # type: ignore[call-overload]


def pg_start(inst: Instance) -> None:
    data = pg_data_dir(inst)
    log = data.parent / "postgres.log"
    if not (data / "PG_VERSION").exists():
        say(f"initialising a PostgreSQL cluster in {data}")
        data.mkdir(parents=True, exist_ok=True)
        pwfile = data.parent / "pwfile"
        pwfile.write_text(DEV_PASSWORD + "\n")
        if _as_root():
            shutil.chown(data.parent, "postgres", "postgres")
            shutil.chown(data, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        r = _pg([pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile),
                 "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"])
        pwfile.unlink()
        if r.returncode != 0:
            raise SystemExit(f"initdb failed:\n{r.stdout}\n{r.stderr}")
        conf = data / "postgresql.conf"
        with conf.open("a") as f:
            # Tuned for a 2-core development machine running the whole system; durability stays on.
            f.write(f"\nport = {inst.pg_port}\nlisten_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{data}'\nmax_connections = 400\n"
                    "shared_buffers = 256MB\nsynchronous_commit = on\nfsync = on\n"
                    "log_min_duration_statement = -1\nlog_statement = 'none'\n")
    status = _pg([pg_bin("pg_ctl"), "-D", str(data), "status"])
    if status.returncode == 0:
        if port_open(inst.pg_port):
            say(f"PostgreSQL ({inst.name}) already running on {inst.pg_port}")
            return
        # Running, but on another port than asked for now (EPORTAL_STACK_*_PG_PORT changed since): restart it.
        say(f"PostgreSQL ({inst.name}) runs on another port; restarting it on {inst.pg_port}")
        _pg([pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
    say(f"starting PostgreSQL ({inst.name}) on 127.0.0.1:{inst.pg_port}")
    # The port on the command line: postgresql.conf holds the one the cluster was made with, and the port
    # asked for (EPORTAL_STACK_*_PG_PORT) may differ from it on a later start.
    # pg_stat_statements preloaded (on the command line: clusters made before it was asked for get it too), so
    # `make profile` can count the statements each request sends; its cost is a hash lookup a statement.
    r = _pg([pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
             f"-p {inst.pg_port} -c shared_preload_libraries=pg_stat_statements", "start"])
    if r.returncode != 0:
        raise SystemExit(f"PostgreSQL did not start:\n{r.stdout}\n{r.stderr}\n{_tail(log)}")


def pg_stop(inst: Instance, mode: str = "fast") -> None:
    data = pg_data_dir(inst)
    if (data / "PG_VERSION").exists():
        _pg([pg_bin("pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop"])


def psql(inst: Instance, sql: str, database: str = "postgres") -> str:
    env = {**os.environ, "PGPASSWORD": DEV_PASSWORD}
    r = subprocess.run([pg_bin("psql"), "-h", "127.0.0.1", "-p", str(inst.pg_port), "-U", "postgres",
                        "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
                       text=True, capture_output=True, env=env, check=False)
    if r.returncode != 0:
        raise SystemExit(f"psql failed: {r.stderr}")
    return r.stdout.strip()


def create_service_databases(inst: Instance, suffix: str = "") -> dict[str, str]:
    """One database and one role per service (the role owns its database and nothing else).
    Returns the DSN of each. `suffix` gives a test run databases of its own."""
    dsns: dict[str, str] = {}
    for service in SERVICES:
        db = f"eportal_{service}{suffix}"
        exists_role = psql(inst, f"SELECT 1 FROM pg_roles WHERE rolname = '{service}'")
        if not exists_role:
            psql(inst, f"CREATE ROLE {service} LOGIN PASSWORD '{DEV_PASSWORD}-{service}'")
        if not psql(inst, f"SELECT 1 FROM pg_database WHERE datname = '{db}'"):
            psql(inst, f"CREATE DATABASE {db} OWNER {service}")
            psql(inst, f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
        dsns[service] = inst.service_dsn(service, db)
    return dsns


def drop_service_databases(inst: Instance, suffix: str) -> None:
    for service in SERVICES:
        psql(inst, f"DROP DATABASE IF EXISTS eportal_{service}{suffix} WITH (FORCE)")


# --- Kafka --------------------------------------------------------------------------------------

def maven_libs(folder: Path, jar: str, what: str) -> Path:
    """The jars of the pom in `folder` (its target/libs), fetched from Maven Central once if `jar` is missing."""
    libs = folder / "target" / "libs"
    if not any(libs.glob(jar)):
        say(f"fetching the {what} jars from Maven Central (once)")
        r = subprocess.run(["mvn", "-q", "-B", "-f", str(folder / "pom.xml"), "dependency:copy-dependencies",
                            f"-DoutputDirectory={libs}", "-DincludeScope=runtime"], check=False)
        if r.returncode != 0:
            raise SystemExit(f"could not fetch the {what} jars with Maven")
    return libs


def kafka_libs() -> Path:
    return maven_libs(KAFKA_DIR, "kafka_2.13-*.jar", "Apache Kafka")


def java() -> str:
    for candidate in ("/usr/lib/jvm/java-17-openjdk-amd64/bin/java", shutil.which("java")):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("Java 17 is needed for Kafka (apt-get install openjdk-17-jre-headless)")


def _kafka_cmd(inst: Instance, main: str, *args: str) -> list[str]:
    return [java(), "-Xms256m", "-Xmx1g", "-XX:+UseG1GC", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={KAFKA_DIR / 'log4j2.yaml'}",
            f"-Dkafka.logs.dir={inst.home / 'kafka'}",
            "-cp", f"{kafka_libs()}/*", main, *args]


def kafka_properties(inst: Instance) -> Path:
    home = inst.home / "kafka"
    home.mkdir(parents=True, exist_ok=True)
    props = home / "server.properties"
    props.write_text(f"""# Written by deploy/local/stack.py: one combined broker+controller in KRaft mode.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{inst.controller_port}
listeners=PLAINTEXT://127.0.0.1:{inst.kafka_port},CONTROLLER://127.0.0.1:{inst.controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{inst.kafka_port},CONTROLLER://127.0.0.1:{inst.controller_port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={home / 'data'}
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
""")
    return props


def _pid_alive(pidfile: Path) -> int | None:
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None


def _kafka_port_written(inst: Instance) -> int | None:
    """The client port the instance's broker was last started with (its server.properties), if any."""
    try:
        text = (inst.home / "kafka" / "server.properties").read_text()
    except FileNotFoundError:
        return None
    for line in text.splitlines():
        if line.startswith("listeners=PLAINTEXT://"):
            return int(line.split(",")[0].rsplit(":", 1)[1])
    return None


def kafka_start(inst: Instance) -> None:
    home = inst.home / "kafka"
    pidfile = home / "kafka.pid"
    if _pid_alive(pidfile):
        running_on = _kafka_port_written(inst)
        if running_on == inst.kafka_port:
            wait_port(inst.kafka_port, f"Kafka ({inst.name})", 90)  # running, or still starting
            say(f"Kafka ({inst.name}) already running on {inst.kafka_port}")
            return
        # Running, but on another port than asked for now (EPORTAL_STACK_*_KAFKA_PORT changed since), as
        # PostgreSQL above: a second broker on the same storage would only fail on its lock. Restart it.
        say(f"Kafka ({inst.name}) runs on port {running_on}; restarting it on {inst.kafka_port}")
        kafka_stop(inst)
    props = kafka_properties(inst)
    if not (home / "data" / "meta.properties").exists():
        say("formatting Kafka's storage (KRaft, once)")
        cluster_id = subprocess.run(_kafka_cmd(inst, "kafka.tools.StorageTool", "random-uuid"),
                                    capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        r = subprocess.run(_kafka_cmd(inst, "kafka.tools.StorageTool", "format", "--standalone", "-t", cluster_id,
                                      "-c", str(props)), capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise SystemExit(f"Kafka storage format failed:\n{r.stdout}\n{r.stderr}")
    say(f"starting Kafka ({inst.name}) on 127.0.0.1:{inst.kafka_port}")
    log = (home / "kafka.out").open("ab")
    proc = subprocess.Popen(_kafka_cmd(inst, "kafka.Kafka", str(props)), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    pidfile.write_text(str(proc.pid))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"Kafka exited at start:\n{_tail(home / 'kafka.out')}")
        if port_open(inst.kafka_port):
            return
        time.sleep(0.3)
    raise SystemExit(f"Kafka did not open its port in 90 s:\n{_tail(home / 'kafka.out')}")


def kafka_stop(inst: Instance, sig: int = signal.SIGTERM) -> None:
    pidfile = inst.home / "kafka" / "kafka.pid"
    pid = _pid_alive(pidfile)
    if pid is None:
        return
    os.killpg(pid, sig) if sig == signal.SIGKILL else os.kill(pid, sig)
    for _ in range(150):
        if _pid_alive(pidfile) is None:
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


# --- ID-porten's local stand-in -----------------------------------------------------------------
# NAV's mock-oauth2-server (deploy/local/idporten/pom.xml), issuing ID-porten-shaped ID tokens (config.json: the
# login page's national ID as `pid`, its choice of BankID or MinID as `acr` and `amr`) under the issuer
# http://127.0.0.1:<port>/idporten. make run and the tests' running system each start one of their own.

IDPORTEN_DIR = Path(__file__).resolve().parent / "idporten"
IDPORTEN_ISSUER_ID = "idporten"
IDPORTEN_CLIENT_ID = "eportal-local"  # any name does: the mock registers no clients
IDPORTEN_MAIN = "no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt"


def idporten_libs() -> Path:
    return maven_libs(IDPORTEN_DIR, "mock-oauth2-server-*.jar", "mock-oauth2-server")


def idporten_issuer(port: int) -> str:
    return f"http://127.0.0.1:{port}/{IDPORTEN_ISSUER_ID}"


def idporten_mock(port: int) -> tuple[list[str], dict[str, str]]:
    """The command and environment that run the mock on 127.0.0.1:`port` (the caller starts and stops it)."""
    import json

    config = json.loads((IDPORTEN_DIR / "config.json").read_text())
    config["loginPagePath"] = str(IDPORTEN_DIR / "login.html")
    env = {**os.environ, "SERVER_HOSTNAME": "127.0.0.1", "SERVER_PORT": str(port), "JSON_CONFIG": json.dumps(config),
           "LOG_LEVEL": "WARN"}
    command = [java(), "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
               "-Djava.awt.headless=true", "-cp", f"{idporten_libs()}/*", IDPORTEN_MAIN]
    return command, env


def idporten_ready(port: int) -> bool:
    import urllib.request
    try:
        url = f"{idporten_issuer(port)}/.well-known/openid-configuration"  # http on loopback, always
        with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310
            return bool(r.status == 200)
    except OSError:
        return False


# --- the stack ----------------------------------------------------------------------------------

def start(inst: Instance) -> None:
    inst.home.mkdir(parents=True, exist_ok=True)
    pg_start(inst)
    kafka_start(inst)


def stop(inst: Instance) -> None:
    kafka_stop(inst)
    pg_stop(inst)
    say(f"stopped ({inst.name})")


def status(inst: Instance) -> dict[str, bool]:
    return {"postgres": port_open(inst.pg_port), "kafka": port_open(inst.kafka_port)}


def reset(inst: Instance) -> None:
    stop(inst)
    shutil.rmtree(inst.home, ignore_errors=True)
    shutil.rmtree(pg_data_dir(inst).parent, ignore_errors=True)
    say(f"removed all data of {inst.name}")


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in {"start", "stop", "status", "reset", "databases"}:
        print(__doc__)
        return 2
    inst = INSTANCES[argv[2] if len(argv) > 2 else "run"]
    action = argv[1]
    if action == "start":
        start(inst)
    elif action == "stop":
        stop(inst)
    elif action == "reset":
        reset(inst)
    elif action == "databases":
        for service, dsn in create_service_databases(inst).items():
            print(service, dsn.replace(DEV_PASSWORD, "***"))
    else:
        for part, up in status(inst).items():
            print(f"{part:9} {'up' if up else 'down'}")
    uuid.uuid4()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
