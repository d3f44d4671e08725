"""The gateway's public routers. Each feature adds its router here; bootstrap includes them all."""

from fastapi import APIRouter

from gateway.entrypoints import billing, booking, econsult, health

ROUTERS: list[APIRouter] = [health.router]
ROUTERS.append(booking.router)
ROUTERS.append(econsult.router)
ROUTERS.append(billing.router)
from gateway.entrypoints import dev_sinks, notifications  # noqa: E402

ROUTERS.append(dev_sinks.router)
ROUTERS.append(notifications.router)
from gateway.entrypoints import inbox, renewals  # noqa: E402

ROUTERS.append(renewals.router)
ROUTERS.append(inbox.router)

from gateway.entrypoints import admin, api_docs, clinic, dev_demo, idporten, patients, session  # noqa: E402

ROUTERS.append(api_docs.router)
ROUTERS.append(clinic.router)
ROUTERS.append(session.router)
ROUTERS.append(idporten.router)
ROUTERS.append(patients.router)
ROUTERS.append(dev_demo.router)
ROUTERS.append(admin.router)

# The web portal (web/dist at "/"). Its catch-all never matches API paths (see web.py), so a router appended
# after this line still works; keep it last all the same.
from gateway.entrypoints import web  # noqa: E402

ROUTERS.append(web.router)
