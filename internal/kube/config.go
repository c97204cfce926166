package kube

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Config builds a client configuration from a kubeconfig path (empty: the
// KUBECONFIG variable, then ~/.kube/config, then the in-cluster service
// account) and an optional context name.
func Config(kubeconfig, context string) (*rest.Config, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: context}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := cc.ClientConfig()
	if clientcmd.IsEmptyConfig(err) {
		// client-go's own words point at KUBERNETES_MASTER, which no
		// current client reads.
		return nil, "", fmt.Errorf("no kubeconfig: none at --kubeconfig, $KUBECONFIG or ~/.kube/config, and not running in a cluster")
	}
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig: %w", err)
	}
	name := context
	if name == "" {
		if raw, err := cc.RawConfig(); err == nil && raw.CurrentContext != "" {
			name = raw.CurrentContext
		} else {
			name = cfg.Host
		}
	}
	cfg.QPS, cfg.Burst = 50, 100
	cfg.UserAgent = "bulkhead"
	return cfg, name, nil
}

// protobuf returns a copy of cfg for the typed clientset that asks the
// server for protobuf, which it encodes and the client decodes several
// times faster than JSON, falling back to JSON for a resource that has no
// protobuf form. client-go's typed clients default to it only while cfg
// names no content type; this holds whatever cfg says. The dynamic and
// metadata clients keep cfg: custom resources are served as JSON only, and
// the metadata client chooses its own content types.
func protobuf(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.ContentType = runtime.ContentTypeProtobuf
	c.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	return c
}
