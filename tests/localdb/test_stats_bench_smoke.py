"""The statistics benchmark runs end to end on a small data set (a smoke test; the real run is
``python -m benchmarks stats``: 1,000,000 persons and 200,000 applications, outside the suite)."""

from __future__ import annotations

from benchmarks import stats as bench


def test_stats_benchmark_smoke(tmp_path) -> None:
    report = bench.run(persons=2000, applications=300, db=tmp_path / "bench.db", repeat=1)
    assert (report["persons"], report["applications"]) == (2000, 300)
    assert report["received"] == 300  # every application is taken in during the benchmark's year
    assert 0 < report["registrations"] <= 2000
    assert report["indicators_best_s"] > 0 and report["raw_group_by_best_s"] > 0
    assert "raw SQL GROUP BY" in bench.render(report)
