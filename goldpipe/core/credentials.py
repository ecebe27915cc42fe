"""Catalog secrets arrive as environment variables (from Kubernetes Secrets), never in values or
manifests: the variables, and the catalog properties they become for Spark and pyiceberg alike."""

from __future__ import annotations

import os
from collections.abc import Mapping

CREDENTIAL_ENV = {
    "GOLDPIPE_CATALOG_JDBC_USER": "jdbc.user",
    "GOLDPIPE_CATALOG_JDBC_PASSWORD": "jdbc.password",
    "GOLDPIPE_CATALOG_TOKEN": "token",
    "GOLDPIPE_CATALOG_CREDENTIAL": "credential",
}


def credential_properties(env: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if env is None else env
    return {prop: env[var] for var, prop in CREDENTIAL_ENV.items() if env.get(var)}
