"""Prometheus metrics on a listener of their own, never on the public app.

`/metrics` tells anyone who can read it how the clinic is used (logins, SMS, requests by route), so it is
not served on the HTTP port the gateway shares with the patients: each service serves its registry on
EPORTAL_METRICS_PORT (the container port named `metrics`, 9464, in the manifests, where a NetworkPolicy
lets only the monitoring namespace in). prometheus_client's own WSGI server, in a daemon thread: scrapes
never touch the event loop.
"""

from __future__ import annotations

import threading
from wsgiref.simple_server import WSGIServer

from prometheus_client import Gauge, start_http_server

# Set from each readiness check (kubelet's probe and the runtime's own refresh): the alert "not ready".
READY = Gauge("eportal_service_ready", "1 when the dependency answered the last readiness check", ["check"])
# Set by the service that owns each kind (econsult, prescription): the alert "the doctors' inbox is late".
INBOX_PAST_DUE = Gauge("eportal_inbox_past_due", "Open items of the doctors' inbox past their due date", ["kind"])


class MetricsServer:
    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (the one asked for, or the kernel's choice for 0)."""
        return self._server.server_address[1] if self._server else self._port

    def start(self) -> None:
        self._server, self._thread = start_http_server(self._port, addr=self._host)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def record_readiness(checks: dict[str, bool]) -> None:
    for name, ok in checks.items():
        READY.labels(name).set(1 if ok else 0)
