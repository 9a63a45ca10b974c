{{/* Name of every object: the release name, with the chart name appended unless it holds it. */}}
{{- define "piko.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selector labels of one component. Call with (dict "root" $ "component" "proxy"). */}}
{{- define "piko.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* All labels of one component. Call with (dict "root" $ "component" "proxy"). */}}
{{- define "piko.labels" -}}
{{ include "piko.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "piko.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "piko.natsUrl" -}}
{{- if .Values.nats.enabled -}}
nats://{{ include "piko.fullname" . }}-nats:4222
{{- else -}}
{{- required "externalNatsUrl is required when nats.enabled is false" .Values.externalNatsUrl -}}
{{- end -}}
{{- end -}}

{{- define "piko.redisUrl" -}}
{{- if .Values.redis.enabled -}}
redis://{{ include "piko.fullname" . }}-redis:6379
{{- else -}}
{{- required "externalRedisUrl is required when redis.enabled is false" .Values.externalRedisUrl -}}
{{- end -}}
{{- end -}}

{{/*
What differs between the three Piko apps: the CLI command, the container ports, the port that
serves /health and /ready, the advertise flags (the pod IP through the downward API, so proxies
dial a gateway's relay port directly), and the bind addresses in the config file.
*/}}
{{- define "piko.appSpecs" -}}
proxy:
  command: proxy
  healthPort: ops
  metricsPort: 8004
  ports:
    - {name: proxy, containerPort: 8000}
    - {name: ops, containerPort: 8004}
  servicePort: proxy
  relaySecret: true
  advertiseArgs:
    - --proxy.advertise-addr=$(POD_IP):8000
  config:
    proxy: {bind_addr: ":8000"}
    ops: {bind_addr: ":8004"}
gateway:
  command: gateway
  healthPort: ops
  metricsPort: 8004
  ports:
    - {name: upstream, containerPort: 8001}
    - {name: relay, containerPort: 8003}
    - {name: ops, containerPort: 8004}
  servicePort: upstream
  relaySecret: true
  advertiseArgs:
    - --upstream.advertise-addr=$(POD_IP):8001
    # The relay port binds the pod IP only (never every interface), and is what proxies dial.
    - --relay.bind-addr=$(POD_IP):8003
    - --relay.advertise-addr=$(POD_IP):8003
  config:
    upstream: {bind_addr: ":8001"}
    ops: {bind_addr: ":8004"}
admin:
  command: admin
  healthPort: admin
  metricsPort: 8002
  ports:
    - {name: admin, containerPort: 8002}
  servicePort: admin
  advertiseArgs:
    - --admin.advertise-addr=$(POD_IP):8002
  config:
    admin: {bind_addr: ":8002"}
{{- end -}}

{{/*
The config file of one app: bind addresses, cluster URLs, log level, grace period (and shutdown
delay for proxy and gateway), then the
chart-wide `config`, then the app's own `config` on top.
Call with (dict "root" $ "name" "proxy" "spec" $spec).
*/}}
{{- define "piko.appConfig" -}}
{{- $root := .root -}}
{{- $cfg := deepCopy .spec.config -}}
{{- $_ := set $cfg "cluster" (dict "nats_url" (include "piko.natsUrl" $root) "redis_url" (include "piko.redisUrl" $root)) -}}
{{- $_ := set $cfg "log" (dict "level" $root.Values.log.level) -}}
{{- $_ := set $cfg "grace_period" $root.Values.gracePeriod -}}
{{- if has .name (list "proxy" "gateway") -}}
{{- $_ := set $cfg "shutdown_delay" $root.Values.shutdownDelay -}}
{{- end -}}
{{- $cfg = mergeOverwrite $cfg (deepCopy $root.Values.config) (deepCopy (index $root.Values .name).config) -}}
{{- toYaml $cfg -}}
{{- end -}}
