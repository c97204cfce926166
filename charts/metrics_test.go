package charts

import (
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/cmd/serve"
)

// The server of deploy/webhook.yaml and of the chart serves its metrics
// (bulkhead serve turns them off unless --metrics-bind-address names a
// port), on the container port named metrics, with arguments bulkhead
// serve accepts.
func TestMetricsPort(t *testing.T) {
	deployed := deployObjects(t, "webhook.yaml")["Deployment/bulkhead-webhook"].(*appsv1.Deployment).Spec.Template.Spec.Containers[0]
	for _, tc := range []struct {
		name string
		c    corev1.Container
	}{
		{"deploy/webhook.yaml", deployed},
		{"chart", container(t, mustRender(t, withImage, "bulkhead-system"))},
		{"chart with the controller", container(t, mustRender(t, withImage+"controller: {enabled: true}\n", "bulkhead-system"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := serve.NewCommand(cli.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard})
			if len(tc.c.Args) == 0 || tc.c.Args[0] != "serve" {
				t.Fatalf("args %v do not run bulkhead serve", tc.c.Args)
			}
			if err := cmd.ParseFlags(tc.c.Args[1:]); err != nil {
				t.Fatalf("bulkhead serve refuses its args: %v", err)
			}
			addr := cmd.Flags().Lookup("metrics-bind-address").Value.String()
			_, port, err := net.SplitHostPort(addr)
			n, perr := strconv.Atoi(port)
			if err != nil || perr != nil || n == 0 {
				t.Fatalf("--metrics-bind-address=%q serves no metrics", addr)
			}
			var named *corev1.ContainerPort
			for i := range tc.c.Ports {
				if tc.c.Ports[i].Name == "metrics" {
					named = &tc.c.Ports[i]
				}
			}
			if named == nil || named.ContainerPort != int32(n) {
				t.Errorf("no container port named metrics on %d: %+v", n, tc.c.Ports)
			}
		})
	}
}
