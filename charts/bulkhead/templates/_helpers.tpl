{{/*
Labels of every object but the ValidatingWebhookConfiguration, which carries exactly the
labels serve.WebhookConfiguration gives it.
*/}}
{{- define "bulkhead.labels" -}}
app.kubernetes.io/name: bulkhead-webhook
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/* The pods' selector: the same label deploy/webhook.yaml selects by. */}}
{{- define "bulkhead.selector" -}}
app.kubernetes.io/name: bulkhead-webhook
{{- end }}

{{/* The image, which the project does not publish: both fields must be set. */}}
{{- define "bulkhead.image" -}}
{{- $msg := "the bulkhead project publishes no image yet: build it with make image (docs/webhook.md, Install), push it and set image.repository and image.tag" -}}
{{- printf "%s:%s" (required $msg .Values.image.repository) (required $msg (toString .Values.image.tag)) -}}
{{- end }}

{{/*
The namespaces tenants.bulkhead.dev leaves out, in serve.WebhookConfiguration's order:
the system namespaces (tenancy.DefaultSystemNamespaces), the release's namespace, then
systemNamespaces (the cluster's too: judged by nothing, they need not wait on the webhook)
and webhook.excludedNamespaces; each once. Rendered as a JSON list.
*/}}
{{- define "bulkhead.excludedNamespaces" -}}
{{- $ns := list "kube-system" "kube-public" "kube-node-lease" "bulkhead-system" .Release.Namespace -}}
{{- range .Values.systemNamespaces -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" (toString .)) -}}
{{- fail (printf "systemNamespaces: %q is not a namespace name" (toString .)) -}}
{{- end -}}
{{- $ns = append $ns (toString .) -}}
{{- end -}}
{{- range .Values.webhook.excludedNamespaces -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" (toString .)) -}}
{{- fail (printf "webhook.excludedNamespaces: %q is not a namespace name" (toString .)) -}}
{{- end -}}
{{- $ns = append $ns (toString .) -}}
{{- end -}}
{{- uniq $ns | toJson -}}
{{- end }}

{{/* timeoutSeconds, refused outside 1..3 (docs/webhook.md: the webhook answers within 3 s or not at all). */}}
{{- define "bulkhead.timeoutSeconds" -}}
{{- $t := .Values.webhook.timeoutSeconds -}}
{{- if or (not (has (kindOf $t) (list "float64" "int64" "int"))) (lt (float64 $t) 1.0) (gt (float64 $t) 3.0) (ne (float64 (int $t)) (float64 $t)) -}}
{{- fail (printf "webhook.timeoutSeconds: %v: must be a whole number of seconds from 1 to 3, so that the API server never waits longer than 3 s for bulkhead" $t) -}}
{{- end -}}
{{- int $t -}}
{{- end }}

{{/* failurePolicy of the tenant-scoped webhook: Fail or Ignore. */}}
{{- define "bulkhead.failurePolicy" -}}
{{- $p := toString .Values.webhook.failurePolicy -}}
{{- if not (has $p (list "Fail" "Ignore")) -}}
{{- fail (printf "webhook.failurePolicy: %q: must be Fail or Ignore" $p) -}}
{{- end -}}
{{- $p -}}
{{- end }}
