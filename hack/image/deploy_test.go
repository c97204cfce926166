package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// deployedPod is the pod template of deploy/webhook.yaml's Deployment, which
// charts/bulkhead's test holds the chart's Deployment to.
func deployedPod(t *testing.T) corev1.PodSpec {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "webhook.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(data), "\n---") {
		var d appsv1.Deployment
		if err := yaml.Unmarshal([]byte(doc), &d); err != nil {
			t.Fatalf("deploy/webhook.yaml: %v", err)
		}
		if d.Kind == "Deployment" && d.Name == "bulkhead-webhook" {
			return d.Spec.Template.Spec
		}
	}
	t.Fatal("deploy/webhook.yaml has no Deployment bulkhead-webhook")
	return corev1.PodSpec{}
}

// The manifests run the image as it is built: its entrypoint with `serve` as
// the first argument, as the image's user (non-root, 65532 or left to the
// image) on a read-only root filesystem.
func TestDeployFitsImage(t *testing.T) {
	pod := deployedPod(t)
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want the webhook's alone", len(pod.Containers))
	}
	c := pod.Containers[0]
	if len(c.Command) != 0 {
		t.Errorf("command %q replaces the image's entrypoint %s", c.Command, binaryPath)
	}
	if len(c.Args) == 0 || c.Args[0] != "serve" {
		t.Errorf("args %q: want serve first (the image has no command)", c.Args)
	}
	psc, csc := pod.SecurityContext, c.SecurityContext
	if psc == nil || csc == nil {
		t.Fatal("no pod or container securityContext")
	}
	nonRoot := func(p *bool) bool { return p != nil && *p }
	if !nonRoot(psc.RunAsNonRoot) && !nonRoot(csc.RunAsNonRoot) {
		t.Error("runAsNonRoot is not true")
	}
	for name, uid := range map[string]*int64{"pod runAsUser": psc.RunAsUser, "container runAsUser": csc.RunAsUser, "pod runAsGroup": psc.RunAsGroup, "container runAsGroup": csc.RunAsGroup} {
		if uid != nil && *uid != 65532 {
			t.Errorf("%s %d: want unset or the image's 65532", name, *uid)
		}
	}
	if !nonRoot(csc.ReadOnlyRootFilesystem) {
		t.Error("readOnlyRootFilesystem is not true")
	}
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/tmp" && !m.ReadOnly }) {
		t.Error("no writable /tmp: serve writes its self-made certificates there")
	}
}
