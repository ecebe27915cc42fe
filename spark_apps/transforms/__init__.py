"""Pure ``DataFrame -> DataFrame`` transformations of the data contract; no reads, no writes."""
