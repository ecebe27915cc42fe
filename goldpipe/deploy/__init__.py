"""Deploying on Kubernetes: the chart's values typed, the Spark Operator resources rendered, the API."""
