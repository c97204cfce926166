package render

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
)

// screenshot, when set, is where TestHTMLBrowser/demo writes a picture of
// the demo's page with the cell default → network open (make
// report-screenshot: docs/report.png).
var screenshot = flag.String("screenshot", "", "write a screenshot of the demo's page to this PNG file")

// chromiumPath is the browser the tests drive: $BULKHEAD_CHROMIUM (make
// test sets it from hack/install-test-tools.sh), else chromium on the
// PATH. Without one the tests skip, unless CI is set or
// BULKHEAD_REQUIRE_ASSETS=1, where a missing browser fails them.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping browser test in -short mode")
	}
	if p := os.Getenv("BULKHEAD_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("BULKHEAD_CHROMIUM: %v (run make test-tools)", err)
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" || os.Getenv("BULKHEAD_REQUIRE_ASSETS") == "1" {
		t.Fatalf("chromium is required here (CI=%q) but missing (run make test-tools)", os.Getenv("CI"))
	}
	t.Skip("skipping browser test: no chromium (run make test-tools)")
	return ""
}

// browser is one headless Chromium tab, recording what the page writes to
// the console and every request it makes.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	console  []string
	requests []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // the tests may run as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	b := &browser{ctx: ctx}
	// Start the browser, then listen to its tab until the test ends.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	listen, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for m, err := range chromedp.Console(listen) {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m.String())
			b.mu.Unlock()
		}
	}()
	go func() {
		defer wg.Done()
		for ev, err := range chromedp.Events(listen, network.RequestWillBeSent) {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.requests = append(b.requests, ev.Request.URL)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() { stop(); wg.Wait() })
	return b
}

// open loads the page and returns how long the browser took, from the
// start of the navigation to the end of the load event, as the page's own
// navigation timing says.
func (b *browser) open(t *testing.T, path string) time.Duration {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate("file://"+path)); err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	ms, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`(function () {
		var n = performance.getEntriesByType("navigation")[0];
		return n.loadEventEnd - n.startTime; })()`))
	if err != nil {
		t.Fatalf("navigation timing: %v", err)
	}
	return time.Duration(ms * float64(time.Millisecond))
}

func evaluate[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// clean fails the test on anything the page wrote to the console (errors,
// exceptions, refused fetches) and on any request but the page itself.
func (b *browser) clean(t *testing.T, page string) {
	t.Helper()
	time.Sleep(100 * time.Millisecond) // the last events of the tab
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		t.Errorf("console: %s", m)
	}
	for _, u := range b.requests {
		if u != "file://"+page && !strings.HasPrefix(u, "file://"+page+"#") {
			t.Errorf("the page requested %s", u)
		}
	}
}

func writePage(t *testing.T, r *analysis.Report) (string, int) {
	t.Helper()
	page := htmlOf(t, r)
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, len(page)
}

// TestHTMLBrowser opens the pages in headless Chromium: the demo's, where
// the cell default → network opens the busybox's escape and the filters
// show what they select, and a thousand tenants', which stays under 20 MB,
// opens with the time it took logged, and whose canvas opens a cell.
func TestHTMLBrowser(t *testing.T) {
	t.Run("demo", func(t *testing.T) {
		b := newBrowser(t)
		r := demoReport(t)
		path, _ := writePage(t, r)
		took := b.open(t, path)
		t.Logf("demo page loaded in %v", took)

		const panel = `document.querySelector('section.cell[data-source="default"][data-target="network"]')`
		if d := evaluate[string](t, b, `getComputedStyle(`+panel+`).display`); d != "none" {
			t.Errorf("the cell's panel shows before a click (display %s)", d)
		}
		if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`table.grid a[title^="default → network:"]`))); err != nil {
			t.Fatalf("click default → network: %v", err)
		}
		if d := evaluate[string](t, b, `getComputedStyle(`+panel+`).display`); d != "block" {
			t.Errorf("the cell's panel does not open on a click (display %s)", d)
		}
		text := evaluate[string](t, b, panel+`.innerText`)
		for _, want := range []string{"default → network", "Pod/default/busybox", "escapes-to-node", "Node/(any node)", "node-runs-pod", "Pod/network/nginx", "BH-NODE-001"} {
			if !strings.Contains(text, want) {
				t.Errorf("the open cell lacks %q:\n%s", want, text)
			}
		}
		if n := evaluate[int](t, b, panel+`.querySelectorAll('svg.path rect').length`); n != 3 {
			t.Errorf("the path graph has %d boxes, want 3", n)
		}
		if *screenshot != "" {
			shoot(t, b, *screenshot)
		}
		for _, tc := range []struct{ severity, layer, tenant string }{
			{"", "", ""}, {"critical", "", ""}, {"high", "", ""}, {"", "network", ""}, {"", "", "test"}, {"medium", "node", "network"},
		} {
			t.Run(fmt.Sprintf("filter %q %q %q", tc.severity, tc.layer, tc.tenant), func(t *testing.T) {
				got := evaluate[int](t, b, fmt.Sprintf(`(function () {
					var set = function (id, v) { var s = document.getElementById(id); s.value = v; s.dispatchEvent(new Event("change")); };
					set("f-severity", %q); set("f-layer", %q); set("f-tenant", %q);
					return [].filter.call(document.querySelectorAll("table.findings tbody tr"), function (r) { return r.offsetParent !== null; }).length; })()`,
					tc.severity, tc.layer, tc.tenant))
				if want := countFindings(r.Findings, tc.severity, tc.layer, tc.tenant); got != want {
					t.Errorf("%d findings shown, want %d", got, want)
				}
			})
		}
		b.clean(t, path)
	})

	t.Run("1000 tenants", func(t *testing.T) {
		b := newBrowser(t)
		path, size := writePage(t, bigReport(1000))
		if size >= 20<<20 {
			t.Errorf("the page is %d bytes, want under 20 MB", size)
		}
		took := b.open(t, path)
		t.Logf("1,000 tenants: %.1f MB, loaded in %v", float64(size)/(1<<20), took)

		// Click the canvas where the first listed cell is.
		xy := evaluate[[]float64](t, b, `(function () {
			var m = JSON.parse(document.getElementById("grid-data").textContent), c = m.cells[0];
			var canvas = document.getElementById("grid-canvas");
			canvas.scrollIntoView();
			var r = canvas.getBoundingClientRect(), px = canvas.clientWidth / m.tenants.length;
			return [Math.round(r.left + canvas.clientLeft + (c[1] + 0.5) * px), Math.round(r.top + canvas.clientTop + (c[0] + 0.5) * px), c[2]]; })()`)
		if err := chromedp.Do(b.ctx, chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
			t.Fatalf("click the canvas: %v", err)
		}
		id := fmt.Sprintf("c-%d", int(xy[2]))
		if h := evaluate[string](t, b, `location.hash`); h != "#"+id {
			t.Errorf("the click opened %q, want #%s", h, id)
		}
		if d := evaluate[string](t, b, `getComputedStyle(document.getElementById("`+id+`")).display`); d != "block" {
			t.Errorf("the clicked cell's panel does not show (display %s)", d)
		}
		b.clean(t, path)
	})
}

// countFindings counts the findings the table's filters should show:
// severity at least, layer, and a tenant named on either side ("*" names
// every tenant).
func countFindings(fs []finding.Finding, severity, layer, tenant string) int {
	n := 0
	for _, f := range fs {
		if severity != "" {
			if min, _ := finding.ParseSeverity(severity); f.Severity < min {
				continue
			}
		}
		if layer != "" && string(f.Category) != layer {
			continue
		}
		if tenant != "" && !sideNames(f.SourceTenant, f.SourceTenants, tenant) && !sideNames(f.TargetTenant, f.TargetTenants, tenant) {
			continue
		}
		n++
	}
	return n
}

// shoot writes a picture of the page from its top to the bottom of the
// open cell: the summary, the matrix and the cell's path.
func shoot(t *testing.T, b *browser, path string) {
	t.Helper()
	box := evaluate[[]float64](t, b, `(function () {
		window.scrollTo(0, 0);
		var open = document.querySelector("#cells .cell:target");
		return [document.documentElement.clientWidth, Math.ceil(open.getBoundingClientRect().bottom + window.scrollY + 16)]; })()`)
	shot, err := chromedp.Call(b.ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format:                page.CaptureScreenshotFormatPng,
		CaptureBeyondViewport: ptrTo(true),
		Clip:                  &page.Viewport{Width: box[0], Height: box[1], Scale: 1},
	})
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, shot.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%.0f×%.0f)", path, box[0], box[1])
}

func ptrTo[T any](v T) *T { return &v }
