package dns

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCorefile(t *testing.T) {
	tests := []struct {
		name, text string
		want       []kubernetesPlugin
	}{
		{"kubeadm default", `.:53 {
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
}`, []kubernetesPlugin{{Server: ".:53", Line: 3, Zones: []string{"cluster.local", "in-addr.arpa", "ip6.arpa"}, Pods: "insecure", PodsLine: 4}}},
		{"no block: pods disabled", ".:53 {\n  kubernetes cluster.local\n}\n",
			[]kubernetesPlugin{{Server: ".:53", Line: 2, Zones: []string{"cluster.local"}, Pods: "disabled"}}},
		{"comments and two servers", `# cluster DNS
cluster.local:53 {
  kubernetes { # no zones: the server's
    pods verified   # checked
  }
}
example.org:53 {
  forward . 8.8.8.8
}`, []kubernetesPlugin{{Server: "cluster.local:53", Line: 3, Zones: []string{}, Pods: "verified", PodsLine: 4}}},
		{"pods inside a nested block is not the plugin's", `.:53 {
  forward . 1.1.1.1 {
    pods insecure
  }
}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseCorefile(tt.text)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
