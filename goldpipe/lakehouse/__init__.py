"""The Iceberg lakehouse from Python: catalog configuration, schemas, gold refs, publishing a run."""
