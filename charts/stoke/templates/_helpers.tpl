{{/* The base name of every object: the release name, with "-stoke" unless it already says stoke. */}}
{{- define "stoke.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "stoke.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "stoke.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "stoke.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "stoke.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "stoke.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Namespaces that get the Spark driver's account: sparkJobNamespaces, else watchNamespaces. */}}
{{- define "stoke.jobNamespaces" -}}
{{- $ns := .Values.sparkJobNamespaces | default .Values.watchNamespaces -}}
{{- toJson (default (list) $ns) -}}
{{- end -}}

{{- define "stoke.leaderElection" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicas) 1) }}true{{ else }}false{{ end -}}
{{- end -}}

{{/* A Go duration ("1m30s", the schema checks the form) in milliseconds. */}}
{{- define "stoke.millis" -}}
{{- $total := 0.0 -}}
{{- range regexFindAll "[0-9.]+(ns|us|µs|ms|s|m|h)" . -1 -}}
{{- $n := regexFind "^[0-9.]+" . | float64 -}}
{{- $unit := trimPrefix (regexFind "^[0-9.]+" .) . -}}
{{- $scale := get (dict "ns" 0.000001 "us" 0.001 "µs" 0.001 "ms" 1.0 "s" 1000.0 "m" 60000.0 "h" 3600000.0) $unit -}}
{{- $total = addf $total (mulf $n $scale) -}}
{{- end -}}
{{- $total -}}
{{- end -}}

{{/* Refuses combinations the schema cannot express, naming the values. */}}
{{- define "stoke.validate" -}}
{{- if and .Values.watchNamespaces .Values.namespaceSelector -}}
{{- fail "watchNamespaces and namespaceSelector are exclusive: namespaced mode watches exactly watchNamespaces" -}}
{{- end -}}
{{- $le := .Values.leaderElection -}}
{{- $lease := include "stoke.millis" $le.leaseDuration | float64 -}}
{{- $renew := include "stoke.millis" $le.renewDeadline | float64 -}}
{{- $retry := include "stoke.millis" $le.retryPeriod | float64 -}}
{{- if ge $renew $lease -}}
{{- fail (printf "leaderElection.renewDeadline (%s) must be shorter than leaderElection.leaseDuration (%s)" $le.renewDeadline $le.leaseDuration) -}}
{{- end -}}
{{- if le $renew (mulf $retry 1.2) -}}
{{- fail (printf "leaderElection.renewDeadline (%s) must be longer than 1.2 × leaderElection.retryPeriod (%s)" $le.renewDeadline $le.retryPeriod) -}}
{{- end -}}
{{- end -}}
