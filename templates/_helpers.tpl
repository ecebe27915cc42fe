{{/*
A map of strings as YAML lines, every key and value quoted: no value can add a key, start a
document or change the YAML type. Renders nothing for an empty map.
*/}}
{{- define "goldpipe.quotedMap" -}}
{{- range $key, $value := . }}
{{ $key | quote }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/*
A value as JSON, which is YAML: objects keep their structure whatever strings they hold. Go's
JSON leaves NEL (U+0085) raw, which YAML parsers read as a line break: it is escaped too.
*/}}
{{- define "goldpipe.json" -}}
{{- toJson . | replace "\u0085" "\\u0085" -}}
{{- end -}}

{{/*
Name of the chart, or nameOverride.
*/}}
{{- define "goldpipe.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Fully qualified name: fullnameOverride, else the release name when it already contains the
chart name, else "<release>-<name>". Trimmed to 63 characters (DNS label).
*/}}
{{- define "goldpipe.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "goldpipe.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels of every resource of the release; the controller puts the same labels (from
release.yaml in the ConfigMap) on the ScheduledSparkApplications it creates.
*/}}
{{- define "goldpipe.labels" -}}
helm.sh/chart: {{ include "goldpipe.chart" . | quote }}
{{ include "goldpipe.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
app.kubernetes.io/part-of: goldpipe
{{- include "goldpipe.quotedMap" .Values.commonLabels }}
{{- end -}}

{{/*
Selector labels (name and instance). Add a component label to select one workload.
*/}}
{{- define "goldpipe.selectorLabels" -}}
app.kubernetes.io/name: {{ include "goldpipe.name" . | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{/*
Labels and selector labels of the controller.
*/}}
{{- define "goldpipe.controller.labels" -}}
{{ include "goldpipe.labels" . }}
app.kubernetes.io/component: controller
{{- end -}}

{{- define "goldpipe.controller.selectorLabels" -}}
{{ include "goldpipe.selectorLabels" . }}
app.kubernetes.io/component: controller
{{- end -}}

{{/*
Labels of the Spark driver's ServiceAccount and RBAC.
*/}}
{{- define "goldpipe.spark.labels" -}}
{{ include "goldpipe.labels" . }}
app.kubernetes.io/component: spark
{{- end -}}

{{/*
Name of the controller's ConfigMap (values, release facts and the manifest templates).
*/}}
{{- define "goldpipe.configMapName" -}}
{{- printf "%s-config" (include "goldpipe.fullname" . | trunc 56 | trimSuffix "-") -}}
{{- end -}}

{{/*
Name of the controller's Deployment, Service, Role and RoleBinding. Like every name with a
suffix, the fullname part is shortened so that the name stays a 63-character DNS label.
*/}}
{{- define "goldpipe.controller.name" -}}
{{- printf "%s-controller" (include "goldpipe.fullname" . | trunc 52 | trimSuffix "-") -}}
{{- end -}}

{{/*
ServiceAccount of the controller: the configured name, else "<fullname>-controller" when the
chart creates it, else "default".
*/}}
{{- define "goldpipe.controller.serviceAccountName" -}}
{{- if .Values.controller.serviceAccount.create -}}
{{- .Values.controller.serviceAccount.name | default (include "goldpipe.controller.name" .) -}}
{{- else -}}
{{- .Values.controller.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
Name of the Spark driver's Role and RoleBinding.
*/}}
{{- define "goldpipe.spark.name" -}}
{{- printf "%s-spark" (include "goldpipe.fullname" . | trunc 57 | trimSuffix "-") -}}
{{- end -}}

{{/*
ServiceAccount of the Spark driver: the configured name, else "<fullname>-spark" when the
chart creates it, else "default".
*/}}
{{- define "goldpipe.spark.serviceAccountName" -}}
{{- if .Values.spark.serviceAccount.create -}}
{{- .Values.spark.serviceAccount.name | default (include "goldpipe.spark.name" .) -}}
{{- else -}}
{{- .Values.spark.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
PersistentVolumeClaim of the embedded lakehouse: existingClaim, else "<fullname>-lakehouse";
empty when the embedded lakehouse is disabled.
*/}}
{{- define "goldpipe.lakehouse.claimName" -}}
{{- if .Values.lakehouse.embedded.enabled -}}
{{- .Values.lakehouse.embedded.existingClaim | default (printf "%s-lakehouse" (include "goldpipe.fullname" . | trunc 53 | trimSuffix "-")) -}}
{{- end -}}
{{- end -}}

{{/*
An image reference "repository:tag" from a map with repository and tag.
*/}}
{{- define "goldpipe.image" -}}
{{- printf "%s:%s" .repository (toString .tag) -}}
{{- end -}}

{{/*
The longest name of a ScheduledSparkApplication: a Service name's 63 characters less the
'-ui-svc' of a run's UI Service and the 20 characters the Spark Operator appends to each run. The one number behind the Python
side's goldpipe.deploy.vocabulary.MAX_SCHEDULE_NAME, which a test compares with it.
*/}}
{{- define "goldpipe.maxScheduleName" -}}36{{- end -}}

{{/*
Rules of the values that need the release's own facts (no schema can see them), checked before
anything renders: every ScheduledSparkApplication name "<fullname>-<schedule>", the table
maintenance one "<fullname>-maintenance" included, fits the characters the Spark Operator
leaves (it appends a 20-character suffix to each run and '-ui-svc' to the run's Service), and
each job runs in one schedule only. goldpipe's Python side checks the same
(goldpipe.deploy.render.manifests.check_name, goldpipe.deploy.settings).
*/}}
{{- define "goldpipe.validate" -}}
{{- $fullname := include "goldpipe.fullname" . -}}
{{- $max := include "goldpipe.maxScheduleName" . | int -}}
{{- $owner := dict -}}
{{- range $name, $schedule := .Values.schedules -}}
{{- if $schedule -}}
{{- $full := printf "%s-%s" $fullname $name -}}
{{- if gt (len $full) $max -}}
{{- fail (printf "schedules.%s: the ScheduledSparkApplication name %q has %d characters, at most %d are allowed (the Spark Operator appends 20 characters to each run's name and '-ui-svc' to its Service): shorten the schedule name, the release name or fullnameOverride" $name $full (len $full) $max) -}}
{{- end -}}
{{- range $job := $schedule.jobs -}}
{{- if hasKey $owner $job -}}
{{- fail (printf "schedules: job %s is in schedules %q and %q, but each job may run in one schedule only (your schedules are merged with the chart's default 'nightly': set its jobs, or schedules.nightly: null)" $job (get $owner $job) $name) -}}
{{- end -}}
{{- $_ := set $owner $job $name -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $maintenance := printf "%s-maintenance" $fullname -}}
{{- if and .Values.maintenance.enabled (gt (len $maintenance) $max) -}}
{{- fail (printf "maintenance: the ScheduledSparkApplication name %q has %d characters, at most %d are allowed (the Spark Operator appends 20 characters to each run's name and '-ui-svc' to its Service): shorten the release name or fullnameOverride, or set maintenance.enabled: false" $maintenance (len $maintenance) $max) -}}
{{- end -}}
{{- end -}}

{{/*
Fails unless the cluster serves a kind of the Prometheus Operator's monitoring.coreos.com/v1
API, like the Spark Operator chart's PodMonitor. Called with (dict "root" $ "kind" KIND "value"
VALUE). Offline (`helm template`), pass `--api-versions monitoring.coreos.com/v1/KIND`.
*/}}
{{- define "goldpipe.monitoring.requireApi" -}}
{{- if not (.root.Capabilities.APIVersions.Has (printf "monitoring.coreos.com/v1/%s" .kind)) -}}
{{- fail (printf "%s is true, but the cluster does not serve monitoring.coreos.com/v1 %s: install the Prometheus Operator (or its CRDs) first, or set %s=false. With helm template, pass --api-versions monitoring.coreos.com/v1/%s" .value .kind .value .kind) -}}
{{- end -}}
{{- end -}}

{{/*
The PromQL label matchers of the controller's series as the ServiceMonitor scrapes them: the
release namespace and the job, which the Prometheus Operator names after the Service.
*/}}
{{- define "goldpipe.monitoring.selector" -}}
namespace={{ .Release.Namespace | quote }},job={{ include "goldpipe.controller.name" . | quote }}
{{- end -}}

{{/*
The gold jobs some schedule runs, sorted, as a list: each gets freshness alerts.
*/}}
{{- define "goldpipe.scheduledJobs" -}}
{{- $jobs := list -}}
{{- range $name, $schedule := .Values.schedules -}}
{{- if $schedule -}}
{{- $jobs = concat $jobs $schedule.jobs -}}
{{- end -}}
{{- end -}}
{{- $jobs | uniq | sortAlpha | toJson -}}
{{- end -}}
