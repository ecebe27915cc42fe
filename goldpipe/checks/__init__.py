"""Data-quality checks of gold runs and the audit: pure rules (``rules``), their inputs
(``inputs``), the runner (``runner``), durable history (``history``), configuration
(``config``), the independent DuckDB reading of the contract (``reference``) and the
Write-Audit-Publish step of one run (``audit``)."""
