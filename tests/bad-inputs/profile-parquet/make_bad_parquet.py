"""Writes the malformed Parquet profiles of this folder (polars 2.1.0).

Run from this folder: python make_bad_parquet.py
"""

from datetime import datetime, timedelta, timezone

import polars as pl

t0 = datetime(2019, 9, 9, tzinfo=timezone.utc)
times = [t0 + timedelta(hours=h) for h in range(3)]

# The value column is called `p`, not `kw`.
pl.DataFrame({"time": times, "p": [1.0, 2.0, 3.0]}).write_parquet("no_column.parquet")
# Times as text, not a datetime column.
pl.DataFrame({"time": ["00:00", "01:00", "02:00"], "kw": [1.0, 2.0, 3.0]}).write_parquet(
    "no_datetime.parquet"
)
# A missing value in row 2.
pl.DataFrame({"time": times, "kw": [1.0, None, 3.0]}).write_parquet("null_value.parquet")
# Row 3 goes back in time.
pl.DataFrame({"time": [times[0], times[2], times[1]], "kw": [1.0, 2.0, 3.0]}).write_parquet(
    "time_goes_back.parquet"
)
