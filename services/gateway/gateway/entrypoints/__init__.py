"""The gateway's public routers, in the order a request's path is tried against them. FastAPI tries the routes of
each router in turn, so a path behind ten routers paid for every route before it (timed alone: the routing of
`GET /api/v1/me` took 131 µs, of `/api/v1/slots` 10). The patients' own come first, in the order the portal asks
most (appointments and free slots, the session and `/me`, medicines, eConsultations), then the staff's, the
documentation and the development routes, and the web portal's catch-all (web.py) last. No route of one router
takes a request meant for another's (services/gateway/tests/test_gateway_routes.py), so the order changes how soon
a route is found, never which."""

from fastapi import APIRouter

from gateway.entrypoints import (
    admin,
    api_docs,
    billing,
    booking,
    clinic,
    dev_demo,
    dev_sinks,
    econsult,
    health,
    idporten,
    inbox,
    notifications,
    patients,
    renewals,
    session,
    web,
)

ROUTERS: list[APIRouter] = [
    booking.router, session.router, renewals.router, econsult.router, billing.router, clinic.router, idporten.router,
    health.router, inbox.router, patients.router, notifications.router, admin.router, api_docs.router,
    dev_sinks.router, dev_demo.router,
    web.router,  # its catch-all never takes an API path (web.py); last all the same
]
