package main

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// refNameAnnotation names an entry of an OCI layout's index.json: skopeo's
// oci-archive:FILE:NAME picks the entry by it.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// WriteArchive writes idx as an OCI image layout whose index.json has one
// entry, idx itself named refName, and packs the layout into the tarball out
// (skopeo's oci-archive, or a directory for crane push once unpacked). The
// tarball's entries are sorted, root-owned and dated mtime, so the same index
// gives the same bytes.
func WriteArchive(out string, idx v1.ImageIndex, refName string, mtime time.Time) (err error) {
	dir, err := os.MkdirTemp("", "bulkhead-oci-")
	if err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }() // a temporary directory
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("write layout: %w", err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{refNameAnnotation: refName})); err != nil {
		return fmt.Errorf("write layout: %w", err)
	}
	// Written beside out and renamed: a failure leaves no half archive.
	f, err := os.CreateTemp(filepath.Dir(out), filepath.Base(out)+".*")
	if err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close() // the write failed already
			_ = os.Remove(f.Name())
		}
	}()
	if err := tarDir(f, dir, mtime); err != nil {
		return fmt.Errorf("write archive %s: %w", out, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	if err := os.Rename(f.Name(), out); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	return nil
}

// tarDir writes the tree under dir to w in lexical order (filepath.WalkDir's),
// with fixed owners, modes and times.
func tarDir(w io.Writer, dir string, mtime time.Time) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: filepath.ToSlash(rel), ModTime: mtime.UTC(), Format: tar.FormatPAX}
		if d.IsDir() {
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, hdr.Name+"/", 0o755
			return tw.WriteHeader(hdr)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", rel)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, 0o644, info.Size()
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }() // read only: nothing to flush
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}
