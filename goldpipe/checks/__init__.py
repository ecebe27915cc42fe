"""Data-quality checks of gold runs and the audit: pure rules (``rules``; ``baselines``: the
weekday-aware robust baselines of the volume and drift checks), their inputs (``inputs``;
``measures``: each table's drift measures), the runner (``runner``), durable history
(``history``), configuration (``config``), the independent DuckDB reading of the contract
(``reference``) and the Write-Audit-Publish step of one run (``audit``)."""
