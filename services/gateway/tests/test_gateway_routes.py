"""The order the gateway's routers are tried in (entrypoints/__init__.py, the patients' most asked first) decides
only how soon a route is found, never which: no route of one router takes a request meant for another's. Within a
router, where a literal path and a parameter could take the same request (`/econsultations/guidance` and
`/econsultations/{econsult_id}`), the literal one is declared first, so it is the one found."""

from __future__ import annotations

import re
import uuid

from fastapi import APIRouter
from fastapi.routing import APIRoute

from gateway.entrypoints import ROUTERS

_PARAMETER = re.compile(r"{([^}:]+)(?::([^}]+))?}")
_SAMPLE = {"day": "2026-12-24", "name": "swagger-ui.css"}
CATCH_ALL = "/{requested:path}"


def _concrete(path: str) -> str:
    return _PARAMETER.sub(lambda m: _SAMPLE.get(m.group(1), "x/y" if m.group(2) == "path" else str(uuid.uuid4())),
                          path)


def _routes(router: APIRouter) -> list[APIRoute]:
    return [r for r in router.routes if isinstance(r, APIRoute) and r.path != CATCH_ALL]


def _takes(route: APIRoute, other: APIRoute, path: str) -> bool:
    return bool(set(other.methods) & set(route.methods)) and other.path_regex.fullmatch(path) is not None


def test_no_route_of_one_router_takes_a_request_meant_for_another_routers() -> None:
    every = [(i, route) for i, router in enumerate(ROUTERS) for route in _routes(router)]
    assert all(_routes(router) for router in ROUTERS[:-1])  # every router's routes, not none
    taken = [(route.path, other.path) for i, route in every for j, other in every
             if i != j and _takes(route, other, _concrete(route.path))]
    assert taken == []


def test_within_a_router_the_literal_path_comes_before_the_parameter_that_would_take_it() -> None:
    shadowed = []
    for router in ROUTERS:
        routes = _routes(router)
        for k, route in enumerate(routes):
            path = _concrete(route.path)
            assert route.path_regex.fullmatch(path), route.path
            shadowed += [(route.path, other.path) for other in routes[:k] if _takes(route, other, path)]
    assert shadowed == []


def test_the_web_portals_catch_all_is_tried_last() -> None:
    assert [r.path for r in ROUTERS[-1].routes] == [CATCH_ALL]
    assert all(r.path != CATCH_ALL for router in ROUTERS[:-1] for r in router.routes)
