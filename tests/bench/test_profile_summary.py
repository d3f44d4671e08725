"""`make profile` reads py-spy's collapsed stacks: the summary must put each sample where it belongs."""

from __future__ import annotations

from bench.profile import library, summarise

ENTRY = "_run_module_as_main (<frozen runpy>:198);serve (kit/http.py:83)"
SLOTS = f"{ENTRY};free_slots (gateway/entrypoints/booking.py:181)"
STACKS = "\n".join([  # py-spy's raw format: frames outermost first, then the sample count
    f"{SLOTS};Services.request (gateway/adapters/services.py:80);ClientSession._request (aiohttp/client.py:700) 6",
    f"{SLOTS};loads (json/__init__.py:346) 3",
    "_run_module_as_main (<frozen runpy>:198);Runner.run (asyncio/runners.py:118) 1",
])


def test_each_frame_is_ours_the_standard_librarys_or_a_packages() -> None:
    assert library("gateway/adapters/services.py") == "eportal:gateway"
    assert library("kit/http.py") == "eportal:kit"
    assert library("asyncio/runners.py") == "stdlib"
    assert library("<frozen runpy>") == "stdlib"
    assert library("aiohttp/client.py") == "aiohttp"


def test_the_summary_counts_self_time_by_library_and_our_steps_inclusive() -> None:
    summary = summarise(STACKS)
    assert summary["samples"] == 10
    assert summary["by_library"] == [{"library": "aiohttp", "pct": 60.0}, {"library": "stdlib", "pct": 40.0}]
    assert summary["self"][0] == {"function": "ClientSession._request (aiohttp/client.py)", "pct": 60.0}
    ours = {row["function"]: row["pct"] for row in summary["ours_inclusive"]}
    # free_slots called everything in the first two stacks; the service's entry point is left out as noise.
    assert ours == {"free_slots (gateway/entrypoints/booking.py)": 90.0,
                    "Services.request (gateway/adapters/services.py)": 60.0}
