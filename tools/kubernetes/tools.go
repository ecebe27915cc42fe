//go:build tools

// Package tools pins the Kubernetes binaries goldpipe's test clusters run: the control plane
// (kube-apiserver, kube-controller-manager, kube-scheduler, and the kubectl the tests drive) and
// the real node's kubelet and kube-proxy. It is never compiled into anything:
// scripts/install-tools.sh builds them from go.mod/go.sum.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
