//go:build tools

// Package tools pins the Kubeflow Spark Operator controller (the version the chart depends
// on) and, through go.sum, the CRDs the tests and `goldpipe render` validate against.
package tools

import _ "github.com/kubeflow/spark-operator/v2/cmd/operator"
