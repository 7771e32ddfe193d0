"""The policy lab: metrics of results, policy comparisons, and parameter sweeps on Dask."""
