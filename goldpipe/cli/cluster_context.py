"""What the cluster commands share: the Kubernetes API client, the release's settings (as deployed,
else local), and the --release/--namespace/--context options."""

from __future__ import annotations

import os
from collections.abc import Callable

import click

from goldpipe.core.errors import ConfigError
from goldpipe.deploy.kube import KubeApi, NotFoundError
from goldpipe.deploy.release import derive_release, release_from_mapping
from goldpipe.deploy.settings import Settings, load_settings, pipeline_settings
from goldpipe.deploy.values import chart_metadata, parse_yaml_mapping

KubeFactory = Callable[[str | None, str | None], KubeApi]


def _cluster_api(namespace: str | None, context: str | None) -> KubeApi:
    from goldpipe.deploy.kube import ClusterApi

    return ClusterApi(namespace, context)


def kube_api(ctx: click.Context, namespace: str | None, context: str | None) -> KubeApi:
    factory: KubeFactory = ctx.obj.get("kube_factory") or _cluster_api
    return factory(namespace, context)


def local_settings(ctx: click.Context, release: str, namespace: str) -> Settings:
    values = load_settings(ctx.obj["values_file"]).values  # merged and held to the schema once
    if not values:
        raise ConfigError("no chart values found: run inside the goldpipe checkout or pass -f values.yaml")
    rel = derive_release(values, release_name=release, namespace=namespace, chart=chart_metadata())
    return pipeline_settings(values, rel, validate=False)


def deployed_settings(ctx: click.Context, kube: KubeApi, release: str) -> Settings:
    """The configuration the release's controller uses (its ConfigMap), else the local values."""
    local = local_settings(ctx, release, kube.namespace)
    try:
        data = kube.get_configmap(local.release.config_map_name).get("data") or {}
    except NotFoundError:
        click.echo(
            f"warning: ConfigMap {local.release.config_map_name} not found in {kube.namespace}: "
            "using the local values",
            err=True,
        )
        return local
    what = f"ConfigMap {local.release.config_map_name}"
    values = parse_yaml_mapping(data.get("values.yaml") or "", f"{what} values.yaml")
    facts = parse_yaml_mapping(data.get("release.yaml") or "", f"{what} release.yaml")
    return pipeline_settings(values, release_from_mapping(facts))


release_option = click.option(
    "--release",
    default=lambda: os.environ.get("GOLDPIPE_RELEASE", "goldpipe"),
    show_default="goldpipe",
    help="Helm release name.",
)

namespace_option = click.option(
    "-n", "--namespace", default=None, help="Namespace (default: the kubeconfig's, or the pod's)."
)

context_option = click.option("--context", default=None, help="kubeconfig context.")
