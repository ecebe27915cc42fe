//go:build tools

// Package tools pins kwok (fake nodes and pod lifecycle, no kubelet) for the end-to-end tier.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
