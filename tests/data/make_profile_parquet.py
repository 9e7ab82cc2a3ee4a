#!/usr/bin/env python3
"""Writes profile.parquet: a synthetic 2-day, 15-minute per-unit load profile
(time_utc as a UTC datetime, column `load_pu` = 0.5 + 0.25 * sin(2 pi h / 24))
in the layout of SimBench's profiles.parquet, for tests/scenario_run.rs.

    pip install polars && python make_profile_parquet.py
"""
import datetime as dt
import math
import polars as pl

t0 = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)
times = [t0 + dt.timedelta(minutes=15 * k) for k in range(2 * 96)]
vals = [0.5 + 0.25 * math.sin(2 * math.pi * (k / 4) / 24) for k in range(2 * 96)]
pl.DataFrame({"time_utc": times, "load_pu": vals}).with_columns(
    pl.col("time_utc").dt.cast_time_unit("ms")
).write_parquet("profile.parquet")
