"""Independent parts solved in parallel (并行求解) on Dask, the engine ``matcher sweep`` uses.

- :mod:`cluster`: a Dask client (a local cluster, or an existing scheduler) and the executors that
  run one task per part, on Dask or here one after another;
- :mod:`components`: the core model cut into the connected components of its candidate graph,
  solved part by part, objective and bound combined.

The project model's parts (streets and communities that share no resource or venue) are cut by
:func:`matcher.projects.solve.split_parts` and run on the same executors.
"""
