"""blackstart.sweep: locally and on a Dask LocalCluster of 2 worker
processes, with identical results."""

import pathlib

import polars as pl
import pytest

import blackstart

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCEN = ROOT / "examples" / "scenarios"
HOKKAIDO = SCEN / "hokkaido-2018.toml"


def test_sweep_over_seeds_matches_single_runs():
    sc = blackstart.Scenario.from_toml(HOKKAIDO)
    df = blackstart.sweep([3, 4], scenario=sc, replicas=2)
    assert df.height == 4
    assert df["seed"].to_list() == [3, 3, 4, 4]
    assert df["replica"].to_list() == [0, 1, 0, 1]
    one = sc.run(replicas=2, seed=4)
    assert df.filter(pl.col("seed") == 4)["saidi_h"].to_list() == [r["saidi_h"] for r in one.summary["replicas"]]
    with pytest.raises(ValueError, match="seeds need a scenario"):
        blackstart.sweep([1])
    with pytest.raises(TypeError):
        blackstart.sweep([1.5], scenario=sc)


def test_local_and_dask_cluster_give_identical_results():
    from dask.distributed import Client, LocalCluster

    sc = blackstart.Scenario.from_toml(HOKKAIDO)
    items = [1, 2, 3, sc, str(SCEN / "hokkaido-2018.toml")]
    local = blackstart.sweep(items, scenario=sc, replicas=2)
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            remote = blackstart.sweep(items, scenario=sc, client=client, replicas=2, threads=1)
            workers = client.run(lambda: __import__("os").getpid())
    assert len(set(workers.values())) == 2
    assert local.height == 10
    assert local.equals(remote)
