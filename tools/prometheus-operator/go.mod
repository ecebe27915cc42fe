// The Prometheus Operator whose CRDs (ServiceMonitor, PodMonitor, PrometheusRule) the chart's
// monitoring resources are validated against: scripts/install-tools.sh monitoring copies them
// from this module's example/prometheus-operator-crd/, its zip checked against go.sum. Nothing
// is built from it, so nothing imports it: do not run `go mod tidy` here (it would drop the pin).
module goldpipe/tools/prometheus-operator

go 1.24.0

require github.com/prometheus-operator/prometheus-operator v0.85.0
