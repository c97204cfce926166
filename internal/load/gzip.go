package load

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
)

// Input compressed with gzip (a snapshot written with
// `bulkhead snapshot -o json.gz`, or any manifest file) is read as the
// manifests it holds. It is told by its first two bytes, the gzip magic
// numbers 0x1f 0x8b (RFC 1952, section 2.3.1), whatever the file's name:
// no YAML or JSON document starts with them. Messages about the
// documents inside name the file as given and lines of the decompressed
// text.

// isGzip reports whether data starts with the gzip magic numbers.
func isGzip(data []byte) bool {
	return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b
}

// maxRatio bounds the size guessed for the decompressed data from the
// compressed one: DEFLATE expands no more than about 1032 to 1.
const maxRatio = 1032

// gunzip returns data decompressed when it is a gzip stream (of one or
// more members, as `cat a.gz b.gz` makes), else data unchanged. A
// stream that is cut short, has a bad header or checksum, or is corrupt
// is an error: a partial file would silently lose objects.
func gunzip(data []byte) ([]byte, error) {
	if !isGzip(data) {
		return data, nil
	}
	return decompress(data, nil)
}

// decompress decompresses data, a gzip stream, into a buffer of the size
// its trailer says. tell, when set, is given the data decompressed so far
// after each read: what it is given stays as it is, the buffer growing
// into a new one when the trailer said less (a stream of several
// members).
func decompress(data []byte, tell func([]byte)) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt gzip stream: %w", err)
	}
	out, err := readAll(zr, sizeHint(data), tell)
	if err != nil {
		return nil, fmt.Errorf("corrupt gzip stream: %w", err)
	}
	return out, nil
}

// readAll reads r to its end into a buffer of capacity size, grown only
// when r holds more (io.ReadAll, with a first size), telling tell (when
// set) what it has read after each read but the last.
func readAll(r io.Reader, size int, tell func([]byte)) ([]byte, error) {
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if tell != nil {
			tell(b)
		}
	}
}

// sizeHint guesses the decompressed size of a gzip stream from its
// trailer's ISIZE (the size of the last member's input modulo 2^32), so
// that the output grows once; an absurd trailer is bounded by maxRatio.
func sizeHint(data []byte) int {
	if len(data) < 18 { // the smallest gzip member: header 10, body 0, trailer 8
		return 512
	}
	n := int64(binary.LittleEndian.Uint32(data[len(data)-4:]))
	if limit := int64(len(data)) * maxRatio; n > limit {
		n = limit
	}
	// One byte more than the data, so that the last read finds the end
	// without growing the buffer.
	return int(n) + 1
}
