"""goldpipe: silver -> gold analytics on Spark and Iceberg."""

__version__ = "0.1.0"
