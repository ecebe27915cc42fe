"""Data-quality checks of gold runs: pure rules (``rules``), their inputs (``inputs``), the
runner (``runner``), durable history (``history``) and configuration (``config``)."""
