//go:build tools

// Package tools pins helm-docs, which writes docs/values.md from the `# --` comments of
// values.yaml (make docs; tests/chart/test_values_docs.py checks it is current).
package tools

import _ "github.com/norwoodj/helm-docs/cmd/helm-docs"
