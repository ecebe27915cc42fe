//go:build tools

// Package tools pins the versions of the Kubernetes command-line tools goldpipe uses.
// It is never compiled into anything: scripts/install-tools.sh builds the binaries
// from the versions recorded in go.mod/go.sum.
package tools

import (
	_ "github.com/yannh/kubeconform/cmd/kubeconform"
	_ "helm.sh/helm/v3/cmd/helm"
)
