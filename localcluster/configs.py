"""The configuration files of the node's daemons: containerd, the CNI network, the kubelet,
kube-proxy and CoreDNS. Pure: a layout and ports in, file contents out."""

from __future__ import annotations

import json
from typing import Any

import yaml

from localcluster.layout import CNI_PLUGINS, Layout, Ports

# The sandbox (pause) image: catatonit in pause mode (localcluster/images.py builds it).
PAUSE_IMAGE = "localhost/goldpipe-pause:catatonit"
# Pulls go nowhere: containerd only runs images imported into it, and nothing may leave this
# machine. A proxy address nothing listens on makes any pull fail at once.
NO_PULLS = "http://127.0.0.1:9"


def containerd(layout: Layout) -> str:
    state = layout.containerd_state
    return f"""version = 2
root = "{layout.containerd_root}"
state = "{state / "state"}"
oom_score = 0

[grpc]
  address = "{layout.containerd_socket}"

[ttrpc]
  address = ""

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{PAUSE_IMAGE}"
  # The sandbox asks for a negative oom_score_adj, which root without CAP_SYS_RESOURCE may not set.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # The pods' network namespaces under the state directory, so `down` finds every one.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{CNI_PLUGINS}"
    conf_dir = "{layout.config / "cni"}"
    max_conf_num = 1

[plugins."io.containerd.internal.v1.opt"]
  path = "{state / "opt"}"
"""


def cni(layout: Layout) -> str:
    """A bridge network: host-local addresses of the pod subnet, routes to the pod subnet and the
    Service range only (no default route), no masquerading."""
    network = layout.network
    config = {
        "cniVersion": "0.4.0",
        "name": "goldpipe",
        "plugins": [
            {
                "type": "bridge",
                "bridge": network.bridge,
                "isGateway": True,
                "ipMasq": False,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": network.pod_subnet, "gateway": network.gateway}]],
                    "routes": [{"dst": network.pod_subnet}, {"dst": network.service_subnet}],
                    "dataDir": str(layout.containerd_state / "cni-ipam"),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
            {"type": "loopback"},
        ],
    }
    return json.dumps(config, indent=2) + "\n"


def kubelet(layout: Layout, ports: Ports) -> str:
    pki = layout.pki
    network = layout.network
    config: dict[str, Any] = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "containerRuntimeEndpoint": f"unix://{layout.containerd_socket}",
        # Hybrid cgroups (v1 controllers): cgroupfs, as runc uses.
        "cgroupDriver": "cgroupfs",
        "failCgroupV1": False,
        "failSwapOn": False,
        # Never write the host's kernel tunables: the kubelet checks them (against the copies its
        # mount namespace sees, see Cluster._start_kubelet) instead of setting them.
        "protectKernelDefaults": True,
        "oomScoreAdj": 0,
        "address": network.gateway,
        "port": ports.kubelet,
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": ports.kubelet_healthz,
        "tlsCertFile": str(pki / "kubelet-serving.crt"),
        "tlsPrivateKeyFile": str(pki / "kubelet-serving.key"),
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(pki / "ca.crt")},
        },
        "authorization": {"mode": "Webhook"},
        "clusterDomain": "cluster.local",
        "clusterDNS": [network.gateway],
        "resolvConf": str(layout.config / "resolv.conf"),
        "volumePluginDir": str(layout.root / "volume-plugins"),
        "podLogsDir": str(layout.root / "pod-logs"),
        "rotateCertificates": False,
        "serializeImagePulls": False,
        # A test machine's disk is shared with everything else: evict only when it is truly full.
        "evictionHard": {
            "memory.available": "100Mi",
            "nodefs.available": "1%",
            "imagefs.available": "1%",
            "nodefs.inodesFree": "1%",
        },
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "syncFrequency": "10s",
        "fileCheckFrequency": "20s",
        "maxPods": 110,
    }
    return yaml.safe_dump(config, sort_keys=False)


def kube_proxy(layout: Layout, ports: Ports) -> str:
    network = layout.network
    config = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(layout.config / "kube-proxy.kubeconfig")},
        "mode": "iptables",
        "hostnameOverride": layout.node,
        "clusterCIDR": network.pod_subnet,
        "healthzBindAddress": f"127.0.0.1:{ports.proxy_healthz}",
        "metricsBindAddress": f"127.0.0.1:{ports.proxy_metrics}",
        # NodePorts (none are used) only on the node's bridge address, never on 127.0.0.1
        # (that would set route_localnet on the host).
        "nodePortAddresses": [f"{network.gateway}/32"],
        "iptables": {"localhostNodePorts": False, "masqueradeAll": False, "minSyncPeriod": "1s"},
        # 0: leave the host's conntrack table size and timeouts as they are.
        "conntrack": {
            "maxPerCore": 0,
            "min": 0,
            "tcpEstablishedTimeout": "0s",
            "tcpCloseWaitTimeout": "0s",
        },
    }
    return yaml.safe_dump(config, sort_keys=False)


def corefile(layout: Layout, ports: Ports) -> str:
    """Names of the cluster from the API server; every other name is NXDOMAIN, never forwarded."""
    gateway = layout.network.gateway
    kubeconfig = layout.config / "coredns.kubeconfig"
    return f"""cluster.local:{ports.dns} in-addr.arpa:{ports.dns} ip6.arpa:{ports.dns} {{
    bind {gateway}
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {{
        kubeconfig {kubeconfig}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }}
    cache 30
}}

.:{ports.dns} {{
    bind {gateway}
    errors
    template ANY ANY {{
        rcode NXDOMAIN
    }}
}}
"""


# The PersistentVolumes `up` creates for claims (there is no provisioner).
VOLUME_LABEL = "goldpipe.io/cluster-volume"


def persistent_volumes(layout: Layout, count: int = 4, size: str = "10Gi") -> list[dict[str, Any]]:
    """Volumes on host directories of the state directory, for claims without a storage class."""
    return [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": f"goldpipe-node-pv-{i}", "labels": {VOLUME_LABEL: "true"}},
            "spec": {
                "capacity": {"storage": size},
                "accessModes": ["ReadWriteOnce", "ReadWriteMany"],
                "persistentVolumeReclaimPolicy": "Retain",
                "storageClassName": "",
                "hostPath": {"path": str(layout.volumes / f"pv-{i}"), "type": "Directory"},
            },
        }
        for i in range(count)
    ]


def resolv_conf(layout: Layout) -> str:
    """What pods with dnsPolicy Default get: the cluster's DNS, no search domains."""
    return f"nameserver {layout.network.gateway}\n"


# RBAC of CoreDNS's client identity (CN goldpipe:coredns).
COREDNS_RBAC: list[dict[str, Any]] = [
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "goldpipe-cluster:coredns"},
        "rules": [
            {"apiGroups": [""], "resources": ["services", "pods", "namespaces"], "verbs": ["list", "watch"]},
            {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]},
        ],
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "goldpipe-cluster:coredns"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "goldpipe-cluster:coredns",
        },
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "goldpipe:coredns"}],
    },
]
