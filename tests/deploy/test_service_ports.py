"""The ports the test system hands its services (tests/support/system.py: free_port) are below the kernel's
ephemeral range, so no outgoing connection and no listener on port 0 can take one before its service binds it (CI
once saw identity fail to start with "address already in use"); free when handed out, and never handed out twice."""

from __future__ import annotations

import secrets
import socket

import pytest

from tests.support import system
from tests.support.system import free_port, service_ports


def test_a_service_port_is_below_the_ephemeral_range_and_never_handed_out_twice() -> None:
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert all(port in service_ports() for port in ports)
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        assert max(ports) < int(f.read().split()[0])
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports[-1]))  # free


def test_a_port_someone_listens_on_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    busy = free_port()
    system._HANDED_OUT.discard(busy)  # only the listener below holds it now
    ports = service_ports()
    draws = iter([busy - ports.start, *(secrets.randbelow(len(ports)) for _ in range(100))])
    monkeypatch.setattr(system.secrets, "randbelow", lambda _: next(draws))
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", busy))
        listener.listen()
        assert free_port() != busy
