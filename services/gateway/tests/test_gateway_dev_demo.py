"""GET /dev/demo (development only): the personas, and the demo family's parent with the children they act for."""

from __future__ import annotations

import httpx

from gateway.bootstrap import build
from gateway.settings import GatewaySettings
from kit.demo import PERSONAS


async def test_the_demo_family_is_listed_with_its_parent() -> None:
    app = build(GatewaySettings(env="test", database_url="postgresql://nobody@127.0.0.1:1/none"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        demo = (await client.get("/dev/demo")).json()
    children = {p.persona: p for p in PERSONAS if p.persona.startswith("child_")}
    (parent,) = demo["guardians"]
    assert parent["children"] == ["child_7", "child_13"]
    assert {p["persona"] for p in demo["patients"]} >= set(children)
    assert children["child_7"].gp == children["child_13"].gp  # the same GP
    assert len(parent["national_id"]) == 11
