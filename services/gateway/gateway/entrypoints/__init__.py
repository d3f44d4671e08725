"""The gateway's public routers. Each feature adds its router here; bootstrap includes them all."""

from fastapi import APIRouter

from gateway.entrypoints import billing, booking, econsult, health

ROUTERS: list[APIRouter] = [health.router]
ROUTERS.append(booking.router)
ROUTERS.append(econsult.router)
ROUTERS.append(billing.router)
