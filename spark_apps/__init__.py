"""The gold Spark jobs (the Spark image): they import goldpipe.core and PySpark, nothing else."""
