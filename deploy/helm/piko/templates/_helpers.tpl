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

{{/* The Piko Deployments of the mode: ["proxy","gateway","admin"] or ["server"], as JSON. */}}
{{- define "piko.apps" -}}
{{- if eq .Values.mode "combined" -}}
["server"]
{{- else -}}
["proxy","gateway","admin"]
{{- end -}}
{{- end -}}

{{/*
The component whose pods serve one of the three Services (proxy, gateway = upstream port,
admin): the tier itself, or the combined server. Call with (dict "root" $ "tier" "proxy").
*/}}
{{- define "piko.serving" -}}
{{- if eq .root.Values.mode "combined" -}}server{{- else -}}{{ .tier }}{{- end -}}
{{- end -}}

{{/* The NATS URL in the config file; secrets arrive through --config.expand-env. */}}
{{- define "piko.natsUrl" -}}
{{- if .Values.nats.enabled -}}
nats://piko:${PIKO_NATS_PASSWORD}@{{ include "piko.fullname" . }}-nats:4222
{{- else if .Values.nats.external.urlSecretKey -}}
${PIKO_NATS_URL}
{{- else -}}
{{- required "nats.external.url (or nats.external.urlSecretKey) is required when nats.enabled is false" .Values.nats.external.url -}}
{{- end -}}
{{- end -}}

{{- define "piko.redisUrl" -}}
{{- if .Values.redis.enabled -}}
redis://:${PIKO_REDIS_PASSWORD}@{{ include "piko.fullname" . }}-redis:6379
{{- else if .Values.redis.external.urlSecretKey -}}
${PIKO_REDIS_URL}
{{- else -}}
{{- required "redis.external.url (or redis.external.urlSecretKey) is required when redis.enabled is false" .Values.redis.external.url -}}
{{- end -}}
{{- end -}}

{{/*
The name in the relay certificate and the proxies' relay.tls.client.server_name: the relay
Service's short name, the same in every namespace (proxies dial pod IPs, not this name).
*/}}
{{- define "piko.relayHost" -}}
{{ include "piko.fullname" . }}-gateway-relay
{{- end -}}

{{/*
What differs between the Piko apps: the CLI command, the container ports, the port that serves
/health and /ready, the advertise flags (the pod IP through the downward API, so proxies dial a
gateway's relay port directly), the bind addresses in the config file, and which TLS blocks
(tls.<name>) each one serves.
*/}}
{{- define "piko.appSpecs" -}}
proxy:
  command: proxy
  healthPort: ops
  metricsPort: 8004
  ports:
    - {name: proxy, containerPort: 8000}
    - {name: ops, containerPort: 8004}
  relay: client
  serves: [proxy]
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
  relay: server
  serves: [upstream]
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
  relay: ""
  serves: [admin]
  advertiseArgs:
    - --admin.advertise-addr=$(POD_IP):8002
  config:
    admin: {bind_addr: ":8002"}
server:
  command: server
  healthPort: admin
  metricsPort: 8002
  ports:
    - {name: proxy, containerPort: 8000}
    - {name: upstream, containerPort: 8001}
    - {name: admin, containerPort: 8002}
    - {name: relay, containerPort: 8003}
  relay: both
  serves: [proxy, upstream, admin]
  advertiseArgs:
    - --proxy.advertise-addr=$(POD_IP):8000
    - --upstream.advertise-addr=$(POD_IP):8001
    - --admin.advertise-addr=$(POD_IP):8002
    - --relay.bind-addr=$(POD_IP):8003
    - --relay.advertise-addr=$(POD_IP):8003
  config:
    proxy: {bind_addr: ":8000"}
    upstream: {bind_addr: ":8001"}
    admin: {bind_addr: ":8002"}
{{- end -}}

{{/* The TLS Secrets an app mounts, as a JSON list of tls.<name> keys. Call with (dict "root" $ "spec" $spec). */}}
{{- define "piko.tlsMounts" -}}
{{- $mounts := list -}}
{{- range .spec.serves -}}
{{- if (index $.root.Values.tls .).enabled -}}{{- $mounts = append $mounts . -}}{{- end -}}
{{- end -}}
{{- if and .spec.relay $.root.Values.tls.relay.enabled -}}{{- $mounts = append $mounts "relay" -}}{{- end -}}
{{- toJson $mounts -}}
{{- end -}}

{{/*
The config file of one app: bind addresses, cluster URLs, the relay secret, TLS files, log
level, grace period and shutdown delay, then the
chart-wide `config`, then the app's own `config` on top.
Call with (dict "root" $ "name" "proxy" "spec" $spec).
*/}}
{{- define "piko.appConfig" -}}
{{- $root := .root -}}
{{- $cfg := deepCopy .spec.config -}}
{{- $_ := set $cfg "cluster" (dict "nats_url" (include "piko.natsUrl" $root) "redis_url" (include "piko.redisUrl" $root)) -}}
{{- $_ := set $cfg "log" (dict "level" $root.Values.log.level) -}}
{{- $_ := set $cfg "grace_period" $root.Values.gracePeriod -}}
{{- $_ := set $cfg "shutdown_delay" $root.Values.shutdownDelay -}}
{{- $relay := dict -}}
{{- if .spec.relay -}}
{{- $_ := set $relay "secret" "${PIKO_RELAY_SECRET}" -}}
{{- end -}}
{{- range (include "piko.tlsMounts" (dict "root" $root "spec" .spec) | fromJsonArray) -}}
{{- $files := dict "cert" (printf "/etc/piko/tls/%s/tls.crt" .) "key" (printf "/etc/piko/tls/%s/tls.key" .) -}}
{{- if eq . "relay" -}}
{{- /* Gateways serve the relay certificate; proxies dial with TLS when relay.tls.cert is set, verifying the gateway against the relay CA by the relay Service's name. */ -}}
{{- if has $.spec.relay (list "client" "both") -}}
{{- $_ := set $files "client" (dict "root_cas" "/etc/piko/tls/relay/ca.crt" "server_name" (include "piko.relayHost" $root)) -}}
{{- end -}}
{{- $_ := set $relay "tls" $files -}}
{{- else -}}
{{- $_ := set $cfg . (merge (dict "tls" $files) (index $cfg . | default dict)) -}}
{{- end -}}
{{- end -}}
{{- if $relay -}}
{{- $_ := set $cfg "relay" $relay -}}
{{- end -}}
{{- $cfg = mergeOverwrite $cfg (deepCopy $root.Values.config) (deepCopy (index $root.Values .name).config) -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/*
Replicas of a Deployment. Autoscaled: the live count on upgrades (lookup), so an upgrade never
resets what the HPA chose, and minReplicas on install (and in `helm template`), so a new tier
starts at its minimum rather than at 1. Call with (dict "root" $ "name" "proxy" "app" $app).
*/}}
{{- define "piko.replicas" -}}
{{- if .app.autoscaling.enabled -}}
{{- $live := lookup "apps/v1" "Deployment" .root.Release.Namespace (printf "%s-%s" (include "piko.fullname" .root) .name) -}}
{{- if and $live $live.spec $live.spec.replicas -}}
{{- $live.spec.replicas -}}
{{- else -}}
{{- .app.autoscaling.minReplicas -}}
{{- end -}}
{{- else -}}
{{- .app.replicas -}}
{{- end -}}
{{- end -}}

{{/* Topology spread of one component's pods. Call with (dict "root" $ "component" "proxy" "app" $app). */}}
{{- define "piko.topologySpread" -}}
{{- if .app.topologySpreadConstraints -}}
{{- toYaml .app.topologySpreadConstraints -}}
{{- else if .root.Values.topologySpread.enabled -}}
{{- range .root.Values.topologySpread.topologyKeys }}
- maxSkew: {{ $.root.Values.topologySpread.maxSkew }}
  topologyKey: {{ . }}
  whenUnsatisfiable: {{ $.root.Values.topologySpread.whenUnsatisfiable }}
  labelSelector:
    matchLabels:
      {{- include "piko.selectorLabels" (dict "root" $.root "component" $.component) | nindent 6 }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The pods of this release that may reach NATS and Redis, as a NetworkPolicy peer. */}}
{{- define "piko.pikoPodsPeer" -}}
- podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ .Chart.Name }}
      app.kubernetes.io/instance: {{ .Release.Name }}
    matchExpressions:
      - key: app.kubernetes.io/component
        operator: In
        values: [proxy, gateway, admin, server]
{{- end -}}
