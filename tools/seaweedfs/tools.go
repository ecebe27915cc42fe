//go:build tools

// Package tools pins SeaweedFS (its S3 gateway, master, volume and filer in one `weed` binary)
// for the production-profile test tier (tests/production).
package tools

import _ "github.com/seaweedfs/seaweedfs/weed"
