"""The mix's load generator (bench/generator, Go) cannot rot: its own unit tests (how it finds the slot to book in a
search's answer) pass, and it builds as bench/load.py builds it. The bench's tests on the stack (test_bench_smoke,
test_visits, test_load_curve) run it against the whole system."""

from __future__ import annotations

from bench import load


def test_the_generators_own_tests_pass_and_it_builds() -> None:
    tested = load.go("test", "./...")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert load._generator().is_file()
