//go:build tools

// Package tools pins etcd for goldpipe's end-to-end tier (Debian's etcd-server is 3.4).
package tools

import _ "go.etcd.io/etcd/server/v3"
