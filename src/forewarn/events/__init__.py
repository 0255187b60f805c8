"""Event data: UCDP GED and ACLED events, stored as Parquet, aggregated by month and province.

The stage that moves within the month: :mod:`~forewarn.events.formats` reads GED CSV, GED
GeoJSON and ACLED CSV files into the declared schema of :mod:`~forewarn.events.schema`,
:mod:`~forewarn.events.storage` keeps them as Parquet partitioned by source, country and
year, :mod:`~forewarn.events.monthly` turns them into country-month and admin-1-month series
(on pandas, or on Dask over the Parquet partitions: :mod:`~forewarn.events.cluster`), and
:mod:`~forewarn.events.replay` replays the monthly monitor without hindsight.
"""
