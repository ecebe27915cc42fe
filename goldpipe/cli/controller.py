"""``goldpipe controller``: what the chart's Deployment runs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from goldpipe.cli.cluster_context import kube_api, namespace_option
from goldpipe.cli.params import values_option
from goldpipe.core.errors import ConfigError, GoldpipeError


@click.command("controller")
# Accepted like every command's -f, though the controller reads the chart's ConfigMap instead.
@values_option
@click.option(
    "--config-dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Where the chart's ConfigMap is mounted.",
)
@click.option("--once", is_flag=True, help="Reconcile once and exit (for debugging).")
@click.option(
    "--bind-address",
    default="0.0.0.0",
    show_default=True,
    help="Address of the /healthz, /readyz and /metrics listener (the port is controller.port). "
    "In a pod, probes and scrapes come from outside it; elsewhere use 127.0.0.1.",
)
@namespace_option
@click.pass_context
def controller(
    ctx: click.Context, config_dir: Path, once: bool, bind_address: str, namespace: str | None
) -> None:
    """Run the goldpipe controller (the chart's Deployment runs this)."""
    from goldpipe.controller import logs
    from goldpipe.controller.config_source import load_config_dir
    from goldpipe.controller.notify import Webhook
    from goldpipe.controller.runtime import Controller, run_forever

    logs.configure(os.environ.get("GOLDPIPE_LOG_LEVEL", "info"))
    kube = kube_api(ctx, namespace or os.environ.get("POD_NAMESPACE"), None)
    url = os.environ.get("GOLDPIPE_WEBHOOK_URL")
    instance = Controller(kube=kube, config_dir=config_dir, webhook=Webhook(url) if url else None)
    if once:
        instance.reconcile_once()
        instance.reconcile_runs()
        sys.exit(0 if instance.ready and instance.last_error is None else 1)
    try:
        settings = load_config_dir(config_dir).settings.controller
    except ConfigError as exc:
        # Its port and intervals are in the config: without a valid one there is nothing to run
        # (later, an invalid change keeps the last good config; see Controller._current_config).
        raise GoldpipeError(f"cannot start the controller: {exc}") from None
    run_forever(
        instance,
        resync_seconds=settings.resync_seconds,
        port=settings.port,
        host=bind_address,
        poll_seconds=settings.run_poll_seconds,
    )


COMMANDS = [controller]
