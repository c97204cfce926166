package scalegen

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/app"
	"github.com/bulkhead-dev/bulkhead/internal/cli"
	"github.com/bulkhead-dev/bulkhead/internal/load"
)

// The scale benchmarks of issue 11 time the whole command as a user waits
// for it, loading included, on the production-shaped cluster. The 50k and
// 100k sizes run only with BULKHEAD_SCALE=full (make bench-scale).

type size struct {
	name    string
	tenants int
	full    bool // only with BULKHEAD_SCALE=full
}

var sizes = []size{
	{"10k", 100, false},
	{"25k", 250, false},
	{"50k", 500, true},
	{"100k", 1000, true},
}

// scaleEnv enables the largest sizes.
const scaleEnv = "BULKHEAD_SCALE"

func skipUnlessFull(b *testing.B, s size) {
	if s.full && os.Getenv(scaleEnv) != "full" {
		b.Skipf("pods=%s runs only with %s=full (make bench-scale)", s.name, scaleEnv)
	}
}

// auditArgs is the audit a platform team runs on the cluster: its
// namespaces grouped into tenants by their tenant label, the whole report
// as JSON, no exit code for findings.
func auditArgs(file string) []string {
	return []string{"audit", "-f", file, "--tenant-label", tenantLabel, "-o", "json", "--fail-on", "none"}
}

// writeFile generates the cluster of tenants into dir, outside the timer.
func writeFile(b testing.TB, dir string, tenants int, f Format) (string, Stats) {
	b.Helper()
	path := filepath.Join(dir, fmt.Sprintf("cluster-%d.%s", tenants, f))
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	stats, err := Write(out, Config{Tenants: tenants, Seed: 1, Format: f})
	if err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	return path, stats
}

// counter counts what a command writes.
type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// runCommand times args b.N times and reports the input's size and pods,
// the process's peak RSS during the runs and the bytes of the report.
// okCodes are the exit codes that mean success.
func runCommand(b *testing.B, args []string, stats Stats, okCodes ...int) {
	b.Helper()
	var errOut bytes.Buffer
	var out counter
	resetPeakRSS()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out.n = 0
		errOut.Reset()
		code := app.Run(context.Background(), args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		if code != 0 && !contains(okCodes, code) {
			b.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(stats.Bytes)/1e6, "MB-input")
	b.ReportMetric(float64(stats.Pods), "pods")
	b.ReportMetric(float64(out.n), "report-bytes")
	if rss, ok := peakRSS(); ok {
		b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
	}
}

func contains(codes []int, c int) bool {
	for _, x := range codes {
		if x == c {
			return true
		}
	}
	return false
}

// resetPeakRSS returns freed memory to the OS and resets the kernel's
// high-water mark of the process's resident set (Linux: clear_refs 5), so
// that peakRSS reports the runs, not the generation before them. Best
// effort: elsewhere peakRSS is the process's.
func resetPeakRSS() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS reads VmHWM, the peak resident set of the whole process, in
// bytes.
func peakRSS() (int64, bool) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// BenchmarkAuditScale is `bulkhead audit -f cluster.yaml --tenant-label
// tenant -o json` at 10k, 25k, 50k and 100k pods (issue 11: under 20 s and
// 4 GiB at 100k, at most 2.2× the time when the cluster doubles).
func BenchmarkAuditScale(b *testing.B) {
	for _, s := range sizes {
		b.Run("pods="+s.name, func(b *testing.B) {
			skipUnlessFull(b, s)
			file, stats := writeFile(b, b.TempDir(), s.tenants, YAML)
			runCommand(b, auditArgs(file), stats)
		})
	}
}

// BenchmarkReachMatrixScale is `bulkhead reach --matrix` on 400 workload
// pods (4 tenants, 20 namespaces), load included (issue 11: under 0.1 s).
func BenchmarkReachMatrixScale(b *testing.B) {
	file, stats := writeFile(b, b.TempDir(), 4, YAML)
	runCommand(b, []string{"reach", "-f", file, "--matrix"}, stats)
}

// BenchmarkPathsFromTenant is `bulkhead paths --from TENANT`, one tenant's
// attack paths, at 10k and 25k pods (and 50k, 100k with
// BULKHEAD_SCALE=full; issue 11: under 2 s at 100k). Exit 4 (no path) is
// a result too.
func BenchmarkPathsFromTenant(b *testing.B) {
	for _, s := range sizes {
		b.Run("pods="+s.name, func(b *testing.B) {
			skipUnlessFull(b, s)
			file, stats := writeFile(b, b.TempDir(), s.tenants, YAML)
			runCommand(b, []string{"paths", "-f", file, "--tenant-label", tenantLabel, "--from", TenantName(0), "-o", "json"}, stats, 4)
		})
	}
}

// BenchmarkLoadYAML and BenchmarkLoadJSON measure decoding alone, in MB/s
// of input (issue 11: 30 MB/s of YAML, 100 MB/s of JSON on one core).
func BenchmarkLoadYAML(b *testing.B) { benchmarkLoad(b, YAML) }

func BenchmarkLoadJSON(b *testing.B) { benchmarkLoad(b, JSON) }

// BenchmarkLoadJSONGzip reads the JSON List gzip-compressed, as
// `snapshot -o json.gz` writes it (one compact object a line, the default
// level), through the stream reader of -f: MB/s of the decompressed JSON,
// to set against BenchmarkLoadJSON; compressed-MB is the file's size.
func BenchmarkLoadJSONGzip(b *testing.B) {
	for _, s := range sizes {
		b.Run("pods="+s.name, func(b *testing.B) {
			skipUnlessFull(b, s)
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			stats, err := Write(zw, Config{Tenants: s.tenants, Seed: 1, Format: JSON})
			if err == nil {
				err = zw.Close()
			}
			if err != nil {
				b.Fatal(err)
			}
			data := buf.Bytes()
			b.SetBytes(stats.Bytes)
			b.ReportMetric(float64(len(data))/1e6, "compressed-MB")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l := load.New("bench", load.Options{})
				if err := l.Reader("cluster.json.gz", bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
				if _, ls, err := l.Result(); err != nil || ls.Objects != stats.Objects {
					b.Fatalf("load: %v, %d of %d objects", err, ls.Objects, stats.Objects)
				}
			}
		})
	}
}

func benchmarkLoad(b *testing.B, f Format) {
	for _, s := range sizes {
		b.Run("pods="+s.name, func(b *testing.B) {
			skipUnlessFull(b, s)
			var buf bytes.Buffer
			stats, err := Write(&buf, Config{Tenants: s.tenants, Seed: 1, Format: f})
			if err != nil {
				b.Fatal(err)
			}
			data := buf.Bytes()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l := load.New("bench", load.Options{})
				l.Bytes("cluster."+f.String(), data)
				if _, ls, err := l.Result(); err != nil || ls.Objects != stats.Objects {
					b.Fatalf("load: %v, %d of %d objects", err, ls.Objects, stats.Objects)
				}
			}
		})
	}
}

// BenchmarkGenerate measures the generator itself, so that its share of a
// benchmark's setup is known.
func BenchmarkGenerate(b *testing.B) {
	for _, f := range []Format{YAML, JSON} {
		b.Run(f.String(), func(b *testing.B) {
			var stats Stats
			for i := 0; i < b.N; i++ {
				var err error
				if stats, err = Write(io.Discard, Config{Tenants: sizes[0].tenants, Seed: 1, Format: f}); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(stats.Bytes)
		})
	}
}
