"""A real single-node Kubernetes cluster on this machine, without Docker: `make cluster`.

The pinned control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler), a real
node (kubelet, containerd and runc, CNI bridge networking, kube-proxy, CoreDNS) and
PersistentVolumes for claims, with goldpipe's images imported into containerd. Everything is
bound to 127.0.0.1 or to the cluster's own bridge, whose subnet has no route beyond this machine.

    python -m localcluster up [--dir .cluster]      start it (idempotent); admin kubeconfig in DIR
    python -m localcluster down [--dir .cluster]    stop every process by pid, remove what up added
    python -m localcluster status [--dir .cluster]

Development tooling (`make cluster`, the node tier `tests/node/`), not part of goldpipe's package.
"""
