package testenv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Env is a running control plane.
type Env struct {
	// Config is an admin (system:masters) client configuration.
	Config *rest.Config

	env *envtest.Environment
	kcm *exec.Cmd
	dir string
	log bytes.Buffer
}

// Start starts etcd, kube-apiserver and kube-controller-manager and stops
// them when the test ends. With -short it skips. Without the binaries it
// skips too, unless CI is set or BULKHEAD_REQUIRE_ASSETS=1 (make test), in
// which case it fails.
func Start(t testing.TB) *rest.Config {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping real-apiserver test in -short mode")
	}
	e, err := start()
	if err != nil {
		if err == errNoAssets {
			if os.Getenv("CI") != "" || os.Getenv("BULKHEAD_REQUIRE_ASSETS") == "1" {
				t.Fatalf("the control-plane binaries are required here (CI=%q) but missing: %v (run make test-tools)", os.Getenv("CI"), err)
			}
			t.Skipf("skipping real-apiserver test: %v (run make test-tools)", err)
		}
		t.Fatalf("start control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Stop(); err != nil {
			t.Logf("stop control plane: %v", err)
		}
	})
	return e.Config
}

var errNoAssets = fmt.Errorf("KUBEBUILDER_ASSETS is not set or lacks etcd, kube-apiserver or kube-controller-manager")

// Assets returns the directory of the control-plane binaries.
func Assets() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		return "", errNoAssets
	}
	for _, b := range []string{"etcd", "kube-apiserver", "kube-controller-manager"} {
		if st, err := os.Stat(filepath.Join(dir, b)); err != nil || st.IsDir() {
			return "", errNoAssets
		}
	}
	return dir, nil
}

// startMu serialises start-up: two control planes booting at once on two
// cores each take much longer than one after the other.
var startMu sync.Mutex

func start() (*Env, error) {
	assets, err := Assets()
	if err != nil {
		return nil, err
	}
	startMu.Lock()
	defer startMu.Unlock()
	e := &Env{env: &envtest.Environment{BinaryAssetsDirectory: assets, ControlPlaneStartTimeout: 2 * time.Minute, ControlPlaneStopTimeout: time.Minute}}
	cfg, err := e.env.Start()
	if err != nil {
		return nil, err
	}
	e.Config = cfg
	if err := e.startControllerManager(assets); err != nil {
		_ = e.env.Stop()
		return nil, err
	}
	return e, nil
}

// startControllerManager runs only the clusterrole-aggregation controller,
// as an admin user of the test API server, and waits until it has filled in
// the bootstrap "admin" ClusterRole.
func (e *Env) startControllerManager(assets string) error {
	user, err := e.env.ControlPlane.AddUser(envtest.User{Name: "kube-controller-manager", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("controller-manager user: %w", err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return err
	}
	e.dir, err = os.MkdirTemp("", "bulkhead-kcm-")
	if err != nil {
		return err
	}
	kcPath := filepath.Join(e.dir, "kubeconfig")
	if err := os.WriteFile(kcPath, kubeconfig, 0o600); err != nil {
		return err
	}
	e.kcm = exec.Command(filepath.Join(assets, "kube-controller-manager"),
		"--kubeconfig="+kcPath,
		"--controllers=clusterrole-aggregation",
		"--leader-elect=false",
		"--secure-port=0",
		"--v=1",
	)
	e.kcm.Stdout, e.kcm.Stderr = &e.log, &e.log
	if err := e.kcm.Start(); err != nil {
		return fmt.Errorf("start kube-controller-manager: %w", err)
	}
	cs, err := kubernetes.NewForConfig(e.Config)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for {
		cr, err := cs.RbacV1().ClusterRoles().Get(ctx, "admin", metav1.GetOptions{})
		if err == nil && aggregated(cr) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kube-controller-manager did not aggregate ClusterRole admin within 90s; its log:\n%s", e.log.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func aggregated(cr *rbacv1.ClusterRole) bool { return cr.AggregationRule != nil && len(cr.Rules) > 0 }

// Stop stops the controller manager and the control plane.
func (e *Env) Stop() error {
	if e.kcm != nil && e.kcm.Process != nil {
		_ = e.kcm.Process.Kill()
		_ = e.kcm.Wait()
	}
	if e.dir != "" {
		_ = os.RemoveAll(e.dir)
	}
	return e.env.Stop()
}

// Kubeconfig writes a kubeconfig for cfg, with one context named "envtest",
// to a file of the test's temporary directory and returns its path: what a
// user of the CLI would pass to --kubeconfig.
func Kubeconfig(t testing.TB, cfg *rest.Config) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}
