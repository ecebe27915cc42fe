"""The core every other layer builds on, and all the Spark jobs may import: the data contract,
business days, errors, the names of a run's Iceberg refs, the credential variables. Standard
library only (the Spark image carries no more than PySpark and this)."""
