"""Rendering the Spark Operator resources: the manifests from the Jinja templates, the YAML-safe
filter they use, and validation against the operator's CRDs."""
