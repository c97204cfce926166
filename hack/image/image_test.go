package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

const testVersion = "v0.0.0-imagetest"

// buildBinary builds the static bulkhead binary for linux on the host's
// architecture, stamped with testVersion as `make image` stamps it.
func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go") // go test puts its own first in PATH
	if err != nil {
		t.Skipf("no go tool: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "bulkhead")
	cmd := exec.Command(goTool, "build", "-trimpath",
		"-ldflags", "-s -w -X github.com/bulkhead-dev/bulkhead/internal/version.Version="+testVersion,
		"-o", bin, "github.com/bulkhead-dev/bulkhead/cmd/bulkhead")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeImage builds the image of bin and writes its archive; it returns the
// archive's path.
func writeImage(t *testing.T, bin string, m Metadata) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bulkhead_oci.tar")
	var stdout, stderr bytes.Buffer
	args := []string{"-o", out, "-version", m.Version, "-revision", m.Revision,
		"-created", "1700000000", "linux/" + runtime.GOARCH + "=" + bin}
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	return out
}

// untar unpacks the archive into a directory, as skopeo's oci-archive does.
func untar(t *testing.T, archive string) string {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return dir
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Uid != 0 || hdr.Gid != 0 || !hdr.ModTime.Equal(time.Unix(1700000000, 0)) {
			t.Errorf("archive entry %s: uid %d gid %d mtime %v", hdr.Name, hdr.Uid, hdr.Gid, hdr.ModTime)
		}
		path := filepath.Join(dir, filepath.FromSlash(hdr.Name))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("archive entry %s: type %c", hdr.Name, hdr.Typeflag)
		}
	}
}

// layerFiles lists the image's filesystem: name, mode, owner and mtime.
func layerFiles(t *testing.T, img v1.Image) (map[string]*tar.Header, map[string][]byte) {
	t.Helper()
	rc := mutate.Extract(img)
	defer func() { _ = rc.Close() }()
	hdrs, data := map[string]*tar.Header{}, map[string][]byte{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return hdrs, data
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		hdrs[hdr.Name], data[hdr.Name] = hdr, b
	}
}

func TestImage(t *testing.T) {
	bin := buildBinary(t)
	m := Metadata{Version: testVersion, Revision: "0123456789abcdef0123456789abcdef01234567"}
	archive := writeImage(t, bin, m)

	dir := untar(t, archive)
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatalf("read layout: %v", err)
	}
	topManifest, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(topManifest.Manifests) != 1 {
		t.Fatalf("index.json has %d entries, want the image index alone", len(topManifest.Manifests))
	}
	entry := topManifest.Manifests[0]
	if entry.MediaType != types.OCIImageIndex || entry.Annotations[refNameAnnotation] != testVersion {
		t.Fatalf("index.json entry: media type %s, ref name %q", entry.MediaType, entry.Annotations[refNameAnnotation])
	}
	idx, err := top.ImageIndex(entry.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatalf("invalid index: %v", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Platform == nil ||
		im.Manifests[0].Platform.OS != "linux" || im.Manifests[0].Platform.Architecture != runtime.GOARCH {
		t.Fatalf("index manifests %+v, want one for linux/%s", im.Manifests, runtime.GOARCH)
	}
	if d := im.Manifests[0]; d.MediaType != types.OCIManifestSchema1 || d.ArtifactType != "" {
		t.Errorf("index entry: media type %s, artifactType %q: want an OCI image manifest, no artifact", d.MediaType, d.ArtifactType)
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("manifest", func(t *testing.T) {
		if mt, err := img.MediaType(); err != nil || mt != types.OCIManifestSchema1 {
			t.Errorf("manifest media type %s, %v", mt, err)
		}
		mf, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		if mf.Config.MediaType != types.OCIConfigJSON || len(mf.Layers) != 1 || mf.Layers[0].MediaType != types.OCILayer {
			t.Errorf("config %s, layers %+v: want an OCI config and one OCI layer", mf.Config.MediaType, mf.Layers)
		}
	})

	t.Run("config", func(t *testing.T) {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		want := v1.Config{
			Entrypoint: []string{"/bulkhead"},
			User:       "65532:65532",
			WorkingDir: "/",
			Labels: map[string]string{
				"org.opencontainers.image.title":    "bulkhead",
				"org.opencontainers.image.source":   "https://github.com/bulkhead-dev/bulkhead",
				"org.opencontainers.image.version":  testVersion,
				"org.opencontainers.image.revision": m.Revision,
				"org.opencontainers.image.licenses": "NOASSERTION",
				"org.opencontainers.image.created":  "2023-11-14T22:13:20Z",
			},
		}
		if diff := cmp.Diff(want, cf.Config); diff != "" {
			t.Errorf("config (-want +got):\n%s", diff)
		}
		if !cf.Created.Equal(time.Unix(1700000000, 0)) || cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
			t.Errorf("created %v, platform %s/%s", cf.Created.Time, cf.OS, cf.Architecture)
		}
	})

	t.Run("filesystem", func(t *testing.T) {
		hdrs, data := layerFiles(t, img)
		names := slices.Sorted(func(yield func(string) bool) {
			for n := range hdrs {
				if !yield(n) {
					return
				}
			}
		})
		if diff := cmp.Diff([]string{"bulkhead"}, names); diff != "" {
			t.Errorf("files (-want +got):\n%s", diff)
		}
		for _, sh := range []string{"bin/sh", "bin/busybox", "usr/bin/env"} {
			if _, ok := hdrs[sh]; ok {
				t.Errorf("/%s is in the image", sh)
			}
		}
		hdr := hdrs["bulkhead"]
		if hdr == nil {
			t.Fatal("no /bulkhead")
		}
		if hdr.Typeflag != tar.TypeReg || hdr.Mode != 0o755 || hdr.Uid != 0 || hdr.Gid != 0 || !hdr.ModTime.Equal(time.Unix(1700000000, 0)) {
			t.Errorf("/bulkhead: type %c mode %o uid %d gid %d mtime %v", hdr.Typeflag, hdr.Mode, hdr.Uid, hdr.Gid, hdr.ModTime)
		}
		want, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data["bulkhead"], want) {
			t.Fatal("/bulkhead is not the binary built")
		}
		if runtime.GOOS != "linux" {
			t.Skip("the linux binary runs on linux only")
		}
		exe := filepath.Join(t.TempDir(), "bulkhead")
		if err := os.WriteFile(exe, data["bulkhead"], 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(exe, "--version").CombinedOutput()
		if err != nil {
			t.Fatalf("/bulkhead --version: %v\n%s", err, out)
		}
		if !strings.HasPrefix(string(out), "bulkhead "+testVersion+" linux/"+runtime.GOARCH+" ") {
			t.Errorf("/bulkhead --version: %q, want bulkhead %s linux/%s", out, testVersion, runtime.GOARCH)
		}
	})

	t.Run("reproducible", func(t *testing.T) {
		again := writeImage(t, bin, m)
		a, b := fileSum(t, archive), fileSum(t, again)
		if a != b {
			t.Errorf("two builds of the same binary differ: archives %x and %x", a, b)
		}
		other := writeImage(t, bin, Metadata{Version: testVersion, Revision: "fedcba9876543210fedcba9876543210fedcba98"})
		if fileSum(t, other) == a {
			t.Error("another revision gives the same archive: the labels are not in it")
		}
	})
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}
