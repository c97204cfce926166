// Command image writes bulkhead's container image, one per platform in an
// OCI image index, as an OCI layout tarball, without a container engine:
// each image is an empty base plus one layer holding the static binary at
// /bulkhead (entrypoint, no command, user 65532:65532). `make image` builds
// the binaries and runs it:
//
//	go run ./hack/image -o dist/bulkhead_v0.1.0_oci.tar -version v0.1.0 \
//		-revision "$(git rev-parse HEAD)" -created "$(git log -1 --format=%ct)" \
//		linux/amd64=dist/image/linux-amd64/bulkhead linux/arm64=dist/image/linux-arm64/bulkhead
//
// The same binaries and flags give the same bytes, digests included.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "image: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: image -o FILE -version V [flags] os/arch=BINARY...")
		fs.PrintDefaults()
	}
	out := fs.String("o", "", "the OCI layout tarball to write")
	var m Metadata
	fs.StringVar(&m.Version, "version", "", "the version the binaries are stamped with (label, and the layout's ref name)")
	fs.StringVar(&m.Revision, "revision", "", "the commit they were built from")
	fs.StringVar(&m.Source, "source", "https://github.com/bulkhead-dev/bulkhead", "the repository URL")
	fs.StringVar(&m.Licenses, "licenses", "NOASSERTION", "the SPDX license expression")
	created := fs.String("created", os.Getenv("SOURCE_DATE_EPOCH"), "the images' created time and the files' mtime, in seconds since the epoch (default $SOURCE_DATE_EPOCH)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || m.Version == "" || fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("-o, -version and at least one os/arch=BINARY are required")
	}
	if *created == "" {
		return fmt.Errorf("-created (or SOURCE_DATE_EPOCH) is required: the image's time must be fixed to be reproducible")
	}
	secs, err := strconv.ParseInt(*created, 10, 64)
	if err != nil || secs < 0 {
		return fmt.Errorf("-created %q: want seconds since the epoch", *created)
	}
	m.Created = time.Unix(secs, 0).UTC()
	var bins []Binary
	for _, a := range fs.Args() {
		b, err := ParseBinary(a)
		if err != nil {
			return err
		}
		bins = append(bins, b)
	}
	idx, err := Index(bins, m)
	if err != nil {
		return err
	}
	if err := WriteArchive(*out, idx, m.Version, m.Created); err != nil {
		return err
	}
	digest, err := idx.Digest()
	if err != nil {
		return fmt.Errorf("index digest: %w", err)
	}
	fmt.Fprintf(stdout, "%s %s\n", *out, digest)
	return nil
}
