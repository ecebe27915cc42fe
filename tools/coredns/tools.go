//go:build tools

// Package tools pins CoreDNS, the cluster DNS of goldpipe's real single-node cluster
// (`make cluster`): executors find their driver by its Service's name. It is never compiled
// into anything: scripts/install-tools.sh builds it from go.mod/go.sum.
package tools

import _ "github.com/coredns/coredns"
