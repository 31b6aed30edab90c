"""The benchmark's verdicts and table (tests/bench is run by hand; its arithmetic is tested here)."""

from __future__ import annotations

from tests.bench.__main__ import render
from tests.bench.figures import Row, _ratio_row
from tests.bench.harness import _ms


def test_ratio_rows_judge_each_target_both_ways():
    fast = _ratio_row("1", "rps", 650.0, 1000.0, ">=", 0.6, "req/s")
    slow = _ratio_row("1", "rps", 590.0, 1000.0, ">=", 0.6, "req/s")
    assert (fast.ratio, fast.met, slow.met) == (0.65, True, False)
    assert _ratio_row("4", "ms", 1.3, 1.0, "<=", 1.25).met is False
    assert _ratio_row("4", "ms", 1.2, 1.0, "<=", 1.25).met is True


def test_table_shows_target_and_whether_met():
    table = render([
        _ratio_row("1 API", "POST", 300.0, 1000.0, ">=", 0.4, "req/s"),
        Row("1 API", "POST p99", 25.0, None, None, "<= 30 ms", True, "ms"),
        Row("7 Footprint", "RSS", 40.5, 38.0, 1.066, "report", None, "MiB"),
    ]).splitlines()
    assert table[0] == "| figure | measure | engine | baseline | ratio | target | met |"
    assert table[2] == "| 1 API | POST | 300 req/s | 1000 req/s | 0.300 | >= 0.4 | **no** |"
    assert table[3].endswith("| <= 30 ms | yes |")
    assert table[4].endswith("| 1.066 | report | — |")


def test_wrk_latency_units():
    assert [_ms("850.00us"), _ms("12.5ms"), _ms("1.2s")] == [0.85, 12.5, 1200.0]
