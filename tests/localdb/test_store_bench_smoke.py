"""The store benchmark runs end to end on a small N (a smoke test; the real run is
``python -m benchmarks store_search --persons 1000000``, outside the suite)."""

from __future__ import annotations

from benchmarks import store_search


def test_benchmark_smoke(tmp_path) -> None:
    report = store_search.run(persons=400, db=tmp_path / "bench.db", queries=10, writes=5)
    assert report["persons"] == 400
    assert set(report["search"]) == set(store_search.KINDS)
    for r in report["search"].values():
        assert r["p50_ms"] > 0 and r["ratio_p95"] > 0
    assert report["write_application"]["n"] == 5
    assert report["bytes_per_100k_persons"] > 0
    assert "raw id lookup" in store_search.render(report)
