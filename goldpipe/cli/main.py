"""The ``goldpipe`` command: one click group, one module per area of commands."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from goldpipe import __version__
from goldpipe.cli.interrupts import EXIT_CODE, Interrupted
from goldpipe.cli.params import values_option
from goldpipe.core.errors import GoldpipeError


class _ExpectedFailure(click.ClickException):
    """A ``GoldpipeError`` shown as a one-line message with its exit code, never a traceback."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.message}", err=True)


class _ExpectedUsageFailure(_ExpectedFailure):
    exit_code = 2


class GoldpipeGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GoldpipeError as exc:
            failure = _ExpectedUsageFailure if exc.exit_code == 2 else _ExpectedFailure
            raise failure(str(exc)) from None
        except Exception as exc:
            # The catalog database failing under a command (locked by a run, damaged): the
            # machine's problem, not a bug, so a line and not a traceback.
            from goldpipe.lakehouse.catalog import environment_error

            message = environment_error(exc)
            if message is None:
                raise
            logging.getLogger(__name__).debug("%s", message, exc_info=True)  # -v: the details
            raise _ExpectedFailure(message) from None


@click.group(
    cls=GoldpipeGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="goldpipe")
@values_option
@click.option("-v", "--verbose", is_flag=True, help="Log debug details.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """goldpipe: silver -> gold analytics on Spark and Iceberg."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        # Retries of an unreachable API server end in one `error:` line; the attempts before
        # it are noise unless asked for (-v).
        for name in ("urllib3", "kubernetes", "goldpipe.deploy.kube"):
            logging.getLogger(name).setLevel(logging.ERROR)
        # A check that could not run is an ERROR row of the check table already; its traceback
        # (what the controller logs) is a detail.
        logging.getLogger("goldpipe.checks.runner").setLevel(logging.CRITICAL)
    ctx.ensure_object(dict).setdefault("values_file", None)


def _register() -> None:
    # Imported here so `goldpipe --help` does not pay for every command's imports.
    from goldpipe.cli import controller, local, maintain, published, render, seed, spark_runs

    for module in (seed, local, published, maintain, render, spark_runs, controller):
        for command in module.COMMANDS:
            cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    try:
        _register()  # inside: Ctrl-C while the commands' modules load is one line too
        cli.main(args=argv, prog_name="goldpipe", standalone_mode=False)
    except Interrupted as exc:
        click.echo(f"interrupted: {exc}", err=True)
        sys.exit(EXIT_CODE)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_CODE)
    except click.UsageError as exc:
        # One line, like every other error: what is wrong, and where the help is.
        where = exc.ctx.command_path if exc.ctx is not None else "goldpipe"
        click.echo(f"error: {exc.format_message()} (see '{where} --help')", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except GoldpipeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_CODE)


if __name__ == "__main__":
    main()
