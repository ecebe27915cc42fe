"""OpenLineage events of gold runs: what they say (``events``), where they go (``emitter``), and
the ``lineage`` values that decide it (``config``). Emitting never changes a run: a receiver that
is down, slow or refuses an event is counted and logged, nothing else."""
