package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's fixed shape: deploy/webhook.yaml and the chart's Deployment run
// it with no command and `serve ...` as args, as a non-root user with a
// read-only root filesystem.
const (
	binaryPath = "/bulkhead"
	user       = "65532:65532"
	workingDir = "/"
)

// Metadata is what the OCI labels and the created time of every image say.
type Metadata struct {
	Version  string    // org.opencontainers.image.version, and the layout's ref name
	Revision string    // org.opencontainers.image.revision: the commit
	Source   string    // org.opencontainers.image.source: the repository URL
	Licenses string    // org.opencontainers.image.licenses: an SPDX expression
	Created  time.Time // the config's created time and the file's mtime
}

// labels returns the OCI annotation keys of m as image labels.
func (m Metadata) labels() map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":    "bulkhead",
		"org.opencontainers.image.source":   m.Source,
		"org.opencontainers.image.version":  m.Version,
		"org.opencontainers.image.revision": m.Revision,
		"org.opencontainers.image.licenses": m.Licenses,
		"org.opencontainers.image.created":  m.Created.UTC().Format(time.RFC3339),
	}
}

// Binary is one platform's static bulkhead binary.
type Binary struct {
	Platform v1.Platform
	Path     string
}

// ParseBinary reads "os/arch[/variant]=path".
func ParseBinary(s string) (Binary, error) {
	plat, path, ok := strings.Cut(s, "=")
	if !ok || path == "" {
		return Binary{}, fmt.Errorf("binary %q: want os/arch=path", s)
	}
	p, err := v1.ParsePlatform(plat)
	if err != nil || p.OS == "" || p.Architecture == "" {
		return Binary{}, fmt.Errorf("binary %q: want os/arch=path", s)
	}
	return Binary{Platform: *p, Path: path}, nil
}

// Index builds one image per binary, each from an empty base with the binary
// as its only file, and the OCI image index of them all. The same binaries
// and metadata give the same digests.
func Index(bins []Binary, m Metadata) (v1.ImageIndex, error) {
	if len(bins) == 0 {
		return nil, fmt.Errorf("no binaries")
	}
	var adds []mutate.IndexAddendum
	seen := map[string]bool{}
	for _, b := range bins {
		if seen[b.Platform.String()] {
			return nil, fmt.Errorf("platform %s given twice", b.Platform.String())
		}
		seen[b.Platform.String()] = true
		data, err := os.ReadFile(b.Path)
		if err != nil {
			return nil, fmt.Errorf("read binary: %w", err)
		}
		img, err := Image(data, b.Platform, m)
		if err != nil {
			return nil, fmt.Errorf("image for %s: %w", b.Platform.String(), err)
		}
		p := b.Platform
		adds = append(adds, mutate.IndexAddendum{Add: notArtifact{img}, Descriptor: v1.Descriptor{Platform: &p}})
	}
	return mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex), nil
}

// Image builds the single-layer image of one platform's binary.
func Image(binary []byte, p v1.Platform, m Metadata) (v1.Image, error) {
	layerTar, err := binaryLayer(binary, m.Created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
	if err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	created := v1.Time{Time: m.Created.UTC()}
	img, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: created, CreatedBy: "COPY bulkhead " + binaryPath, Comment: "static bulkhead binary"},
	})
	if err != nil {
		return nil, fmt.Errorf("append layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.Created = created
	cf.OS, cf.Architecture, cf.Variant, cf.OSVersion = p.OS, p.Architecture, p.Variant, p.OSVersion
	cf.Config = v1.Config{
		Entrypoint: []string{binaryPath},
		User:       user,
		WorkingDir: workingDir,
		Labels:     m.labels(),
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON), nil
}

// binaryLayer is the uncompressed layer: the binary at /bulkhead, mode 0755,
// owned by root, with mtime created; nothing else (no directories, no shell).
func binaryLayer(binary []byte, created time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     strings.TrimPrefix(binaryPath, "/"),
		Mode:     0o755,
		Size:     int64(len(binary)),
		ModTime:  created.UTC(),
		Format:   tar.FormatUSTAR,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	if _, err := tw.Write(binary); err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	return buf.Bytes(), nil
}

// notArtifact is an image whose descriptor in the index has no artifactType:
// go-containerregistry gives every OCI manifest its config's media type
// there, which the image spec reserves for artifacts, not images.
type notArtifact struct{ v1.Image }

// ArtifactType is empty: this is an image.
func (notArtifact) ArtifactType() (string, error) { return "", nil }
