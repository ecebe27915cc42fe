"""Certificates and kubeconfigs of the test clusters (openssl): a CA, the API server's serving
pair, client identities, serving pairs of other servers, and the service-account key pair."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

# The in-cluster names of the `kubernetes` Service, which every API server certificate carries.
SERVICE_NAMES = (
    "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
)  # fmt: skip

# Client identities: the CN is the user, O the group (system:masters bypasses RBAC).
CONTROL_PLANE_CLIENTS = {
    "admin": "/O=system:masters/CN=goldpipe-admin",
    "controller-manager": "/CN=system:kube-controller-manager",
    "scheduler": "/CN=system:kube-scheduler",
}

VALID_DAYS = 2


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@dataclass(frozen=True)
class Pki:
    dir: Path

    @property
    def ca(self) -> Path:
        return self.dir / "ca.crt"

    def cert(self, name: str) -> Path:
        return self.dir / f"{name}.crt"

    def key(self, name: str) -> Path:
        return self.dir / f"{name}.key"


def make_pki(
    directory: Path,
    *,
    api_addresses: Iterable[str] = ("127.0.0.1", "10.96.0.1"),
    clients: Mapping[str, str] = CONTROL_PLANE_CLIENTS,
    servers: Mapping[str, Iterable[str]] = {},
    days: int = VALID_DAYS,
) -> Pki:
    """A CA, the API server's serving pair for ``api_addresses`` (and localhost and the
    `kubernetes` Service's names), a client pair per entry of ``clients`` (name -> subject), a
    serving pair per entry of ``servers`` (name -> IP addresses), and the service-account keys."""
    directory.mkdir(parents=True, exist_ok=True)
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", str(days), "-subj", "/CN=goldpipe-cluster-ca", cwd=directory,
    )  # fmt: skip
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=directory)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=directory)
    api_sans = [f"IP:{a}" for a in api_addresses] + ["DNS:localhost"] + [f"DNS:{n}" for n in SERVICE_NAMES]
    _signed(directory, "apiserver", "/CN=kube-apiserver", days, ",".join(api_sans))
    for name, addresses in servers.items():
        _signed(directory, name, f"/CN={name}", days, ",".join(f"IP:{a}" for a in addresses))
    for name, subject in clients.items():
        _signed(directory, name, subject, days)
    return Pki(directory)


def _signed(directory: Path, name: str, subject: str, days: int, sans: str | None = None) -> None:
    _openssl("genrsa", "-out", f"{name}.key", "2048", cwd=directory)
    _openssl("req", "-new", "-key", f"{name}.key", "-out", f"{name}.csr", "-subj", subject, cwd=directory)
    usage = "serverAuth,clientAuth" if sans else "clientAuth"
    ext = f"basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage={usage}\n"
    if sans:
        ext += f"subjectAltName={sans}\n"
    (directory / f"{name}.ext").write_text(ext)
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", f"{name}.crt", "-days", str(days), "-extfile", f"{name}.ext", cwd=directory,
    )  # fmt: skip


def write_kubeconfig(
    path: Path,
    server: str,
    ca: Path,
    *,
    user: str,
    cert: Path | None = None,
    key: Path | None = None,
    token: str | None = None,
    namespace: str | None = None,
    name: str = "goldpipe",
) -> Path:
    """A kubeconfig with one cluster, one user (client certificate or bearer token), one context."""
    credentials: dict[str, str] = {}
    if cert is not None and key is not None:
        credentials = {"client-certificate": str(cert), "client-key": str(key)}
    if token is not None:
        credentials = {"token": token}
    context: dict[str, str] = {"cluster": name, "user": user}
    if namespace:
        context["namespace"] = namespace
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority": str(ca)}}],
        "users": [{"name": user, "user": credentials}],
        "contexts": [{"name": name, "context": context}],
        "current-context": name,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path
