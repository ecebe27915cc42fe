"""Opening the catalog with pyiceberg (the Python side: checks, publishing, the CLI), and telling
the machine's problems (a missing, locked or damaged database, a missing driver) from bugs."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from goldpipe.core.errors import ConfigError, GoldpipeError
from goldpipe.lakehouse.config import CatalogConfig, shown_uri, with_credentials

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

log = logging.getLogger(__name__)


def sqlalchemy_uri(cfg: CatalogConfig) -> str:
    """Translate the JDBC URL into the SQLAlchemy URL pyiceberg's SqlCatalog takes."""
    uri = cfg.uri
    if uri.startswith("jdbc:sqlite:"):
        return "sqlite:///" + uri.removeprefix("jdbc:sqlite:").removeprefix("//")
    if uri.startswith("jdbc:postgresql://"):
        rest = uri.removeprefix("jdbc:postgresql://")
        user = cfg.properties.get("jdbc.user")
        password = cfg.properties.get("jdbc.password")
        auth = ""
        if user:
            auth = quote(user, safe="") + (":" + quote(password, safe="") if password else "") + "@"
        return f"postgresql+psycopg2://{auth}{rest}"
    raise ConfigError(
        f"cannot use catalog.uri {shown_uri(uri)!r} from Python: only jdbc:sqlite: and jdbc:postgresql:"
    )


def sqlite_path(cfg: CatalogConfig) -> Path | None:
    if not cfg.is_sqlite:
        return None
    return Path(cfg.uri.removeprefix("jdbc:sqlite:").removeprefix("//"))


def load_catalog(cfg: CatalogConfig, *, create: bool = False) -> Catalog:
    """A pyiceberg catalog for ``cfg`` (plus credentials from the environment).

    The embedded lakehouse (SQLite) must exist, unless ``create``: then its directory and
    catalog tables are made (``goldpipe seed``, ``run-local``). Reading commands never leave an
    empty lakehouse behind a typo in ``GOLDPIPE_HOME``. Problems of the machine (a directory
    that cannot be written, a file that is no database, a missing driver) are ``GoldpipeError``.
    """
    from pyiceberg.catalog import load_catalog as _load
    from pyiceberg.exceptions import NotInstalledError

    cfg = with_credentials(cfg)
    try:
        if cfg.type == "jdbc":
            path = sqlite_path(cfg)
            if path is not None:
                _prepare_sqlite(path, create)
            if create and cfg.warehouse.startswith("file:"):
                _make_directory(_local_path(cfg.warehouse), "the warehouse")
            props = {k: v for k, v in cfg.properties.items() if not k.startswith("jdbc.")}
            catalog = _load(cfg.name, type="sql", uri=sqlalchemy_uri(cfg), warehouse=cfg.warehouse, **props)
            if path is not None and cfg.warehouse.startswith("file:"):
                _refuse_moved_lakehouse(catalog, cfg.name, path, _local_path(cfg.warehouse))
            return catalog
        rest = {"warehouse": cfg.warehouse} if cfg.warehouse else {}
        return _load(cfg.name, type="rest", uri=cfg.uri, **rest, **dict(cfg.properties))
    except NotInstalledError:
        raise GoldpipeError(
            f"catalog.uri {shown_uri(cfg.uri)!r} needs a database driver that is not installed: "
            "pip install 'pyiceberg[sql-postgres]' (PostgreSQL)"
        ) from None
    except Exception as exc:
        message = environment_error(exc)
        if message is None:
            raise
        # The one line names the problem; `-v` shows what the client library said.
        log.debug("opening catalog %s failed", shown_uri(cfg.uri), exc_info=True)
        raise GoldpipeError(f"{message} ({shown_uri(cfg.uri)})") from None


def _local_path(location: str) -> Path:
    """The path of a ``file:`` location: Java writes ``file:/a/b``, Python ``file:///a/b``."""
    from urllib.parse import unquote, urlparse

    return Path(unquote(urlparse(location).path))


def _refuse_moved_lakehouse(catalog: Catalog, name: str, database: Path, warehouse: Path) -> None:
    """``GoldpipeError`` when the embedded catalog's tables live outside its warehouse.

    Iceberg keeps absolute paths: a lakehouse folder that was moved still points at the old place
    (every read fails), one that was copied at the original's files (whose data a `seed --replace`
    of the copy would delete). One query of the catalog's own table, no metadata file read.
    """
    from pyiceberg.catalog.sql import IcebergTables, SqlCatalog
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    if not isinstance(catalog, SqlCatalog):
        return
    query = select(IcebergTables.metadata_location).where(IcebergTables.catalog_name == name)
    with Session(catalog.engine) as session:
        locations = [loc for loc in session.scalars(query) if loc and loc.startswith("file:")]
    for location in locations:
        metadata = _local_path(location)
        if not metadata.is_relative_to(warehouse):
            elsewhere = metadata.parents[3]  # <warehouse>/<namespace>/<table>/metadata/<file>
            if metadata.exists():
                raise GoldpipeError(
                    f"{database} is a copy of another lakehouse's catalog: it points at the files under "
                    f"{elsewhere}, not {warehouse} (Iceberg keeps absolute paths), and nothing here may "
                    f"touch them; use the original (GOLDPIPE_HOME={elsewhere.parent}), or seed a new one"
                )
            raise GoldpipeError(
                f"the lakehouse of {database} was moved: its catalog points at the files under {elsewhere}, "
                f"not {warehouse} (Iceberg keeps absolute paths); move it back to {elsewhere.parent}"
            )


def _prepare_sqlite(path: Path, create: bool) -> None:
    home = path.parent
    if path.exists():
        if not path.is_file():
            raise GoldpipeError(f"{path} is not a file: GOLDPIPE_HOME must hold the lakehouse's catalog.db")
        if path.stat().st_size == 0:
            raise GoldpipeError(
                f"{path} is empty (0 bytes), so it holds no catalog: point GOLDPIPE_HOME at your lakehouse, "
                "or delete the file to start a new one with `goldpipe seed`"
            )
        return
    if not create:
        raise GoldpipeError(
            f"no lakehouse at {home} (no catalog.db): create one with `goldpipe seed`, or set GOLDPIPE_HOME "
            "or catalog.uri to yours"
        )
    _make_directory(home, "GOLDPIPE_HOME")


def _make_directory(directory: Path, what: str) -> None:
    if directory.exists() and not directory.is_dir():
        raise GoldpipeError(f"{what} {directory} is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GoldpipeError(f"cannot create {what} {directory}: {exc.strerror}") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise GoldpipeError(f"{what} {directory} is not writable")


def environment_error(exc: BaseException) -> str | None:
    """A one-line explanation of a failure of the catalog's database, REST server or object
    store that is not goldpipe's bug (wrong credentials, a server down, a damaged file), else None."""
    return _database_error(exc) or _rest_error(exc) or _object_store_error(exc)


def _object_store_error(exc: BaseException) -> str | None:
    # pyarrow's S3 filesystem raises OSError with the AWS SDK's error in its text.
    if isinstance(exc, OSError) and "AWS Error" in str(exc):
        detail = str(exc).strip().splitlines()[0]
        hint = ""
        if "ACCESS_DENIED" in detail or "SignatureDoesNotMatch" in detail or "InvalidAccessKeyId" in detail:
            hint = " (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)"
        return f"the object store failed: {detail}{hint}"
    return None


def _rest_error(exc: BaseException) -> str | None:
    from pyiceberg.exceptions import ForbiddenError, ServerError, UnauthorizedError

    # Not RESTError as a whole: a bad request is goldpipe's bug and keeps its traceback.
    if isinstance(exc, UnauthorizedError | ForbiddenError):
        return f"the REST catalog refused the request: {exc} (check GOLDPIPE_CATALOG_TOKEN / _CREDENTIAL)"
    if isinstance(exc, ServerError):
        return f"the REST catalog failed: {str(exc).strip() or 'server error'}"
    try:
        from requests.exceptions import ConnectionError as RequestsConnectionError
    except ImportError:  # pragma: no cover - pyiceberg's REST client brings requests
        return None
    if isinstance(exc, RequestsConnectionError):
        return "cannot reach the REST catalog: is catalog.uri right and the server up?"
    return None


def _database_error(exc: BaseException) -> str | None:
    try:
        from sqlalchemy.exc import DatabaseError, OperationalError
    except ImportError:  # pragma: no cover - pyiceberg's sql extra brings sqlalchemy
        return None
    if not isinstance(exc, DatabaseError):
        return None
    cause = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    if isinstance(exc, OperationalError) and "locked" in cause:
        return "the catalog database is locked by another process (a run or a seed?): try again later"
    if "not a database" in cause or "malformed" in cause:
        return "the catalog database is damaged or no SQLite database: restore it, or set GOLDPIPE_HOME"
    return f"the catalog database failed: {cause}"
