package harden

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
)

// File is one file of harden's output directory: its path, relative and
// slash-separated, and its content.
type File struct {
	Path string
	Data []byte
}

// ClusterFile holds the cluster-scoped objects of the output.
const ClusterFile = "cluster.yaml"

// Manifests returns the plan's safe objects as one YAML stream, each
// document after a "---" line, in the plan's order.
func Manifests(plan Plan) (string, error) {
	objs := make([]runtime.Object, len(plan.Objects))
	for i, o := range plan.Objects {
		objs[i] = o.Obj
	}
	return manifests(objs)
}

// fileOf is the file of the output an object goes to: its namespace's,
// or ClusterFile.
func fileOf(o Object) string {
	if o.Namespace == "" {
		return ClusterFile
	}
	return o.Namespace + ".yaml"
}

// ReviewCommand is the audit that reviews harden's output in dir against
// the cluster harden analysed: args are the flags that select that
// cluster and its tenancy ("--demo", "-f cluster.yaml --tenant-label
// team"), "" for the current kube context.
func ReviewCommand(args, dir string) string {
	if args == "" {
		return "bulkhead audit --with " + dir
	}
	return "bulkhead audit " + args + " --with " + dir
}

// Files lays out a plan as a directory to review and apply: a file of
// safe objects per namespace (cluster-scoped ones in ClusterFile), a
// kustomization.yaml listing them, review/ with each proposal (the
// objects it applies, what it deletes, and its diff), and a README.md of
// what was done and what was not, from the proof when there is one;
// sourceArgs select the cluster of source for the README's review
// command (ReviewCommand). The same plan gives the same bytes.
func Files(plan Plan, proof *Proof, source, sourceArgs string) ([]File, error) {
	byFile := map[string][]runtime.Object{}
	var names []string
	for _, o := range plan.Objects {
		f := fileOf(o)
		if byFile[f] == nil {
			names = append(names, f)
		}
		byFile[f] = append(byFile[f], o.Obj)
	}
	slices.Sort(names)
	var out []File
	for _, n := range names {
		y, err := manifests(byFile[n])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out = append(out, File{Path: n, Data: []byte(y)})
	}
	out = append(out, File{Path: "kustomization.yaml", Data: []byte(kustomization(names))})
	review, err := reviewFiles(plan.Proposals)
	if err != nil {
		return nil, err
	}
	out = append(out, review...)
	out = append(out, File{Path: "README.md", Data: []byte(readme(plan, proof, source, sourceArgs, names, review))})
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

func kustomization(files []string) string {
	var b strings.Builder
	b.WriteString(kustomizationHeader + "\n")
	b.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	for _, f := range files {
		fmt.Fprintf(&b, "- %s\n", f)
	}
	if len(files) == 0 {
		b.Reset()
		b.WriteString(emptyKustomizationHeader + "\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n")
	}
	return b.String()
}

var unslug = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes a file name of a title: lowercase words joined by "-", at
// most 60 characters.
func slug(title string) string {
	s := strings.Trim(unslug.ReplaceAllString(strings.ToLower(title), "-"), "-")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	return s
}

// reviewFiles writes each proposal as review/NN-LAYER-TITLE.yaml (what to
// apply, with the title, detail, closed findings and deletions as
// comments) and, when it changes existing objects, the .diff beside it.
func reviewFiles(props []Proposal) ([]File, error) {
	props = slices.Clone(props)
	FillDiffs(props)
	var out []File
	for i, p := range props {
		base := fmt.Sprintf("review/%02d-%s-%s", i+1, p.Layer, slug(p.Title))
		var b strings.Builder
		comment(&b, p.Title)
		b.WriteString("#\n")
		comment(&b, p.Detail)
		if len(p.Closes) > 0 {
			comment(&b, "closes: "+strings.Join(p.Closes, ", "))
		}
		for _, d := range p.Delete {
			comment(&b, "delete: "+proofName(d))
		}
		if p.Diff != "" {
			comment(&b, "the change, as a diff: "+strings.TrimPrefix(base, "review/")+".diff")
		}
		y, err := manifests(p.Apply)
		if err != nil {
			return nil, fmt.Errorf("proposal %q: %w", p.Title, err)
		}
		b.WriteString(y)
		out = append(out, File{Path: base + ".yaml", Data: []byte(b.String())})
		if p.Diff != "" {
			out = append(out, File{Path: base + ".diff", Data: []byte(p.Diff)})
		}
	}
	return out, nil
}

// comment writes text as YAML comment lines.
func comment(b *strings.Builder, text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		b.WriteString(strings.TrimRight("# "+line, " ") + "\n")
	}
}

// andMore is ", and N more pairs" after a list that leaves n out, ""
// when it leaves none.
func andMore(n int, one, many string) string {
	if n == 0 {
		return ""
	}
	return ", and " + countOf(n, "more "+one, "more "+many)
}

// readme says what the directory holds, how to review and apply it, what
// the proof found, and what was not done: residual paths with their
// reasons, proposals, work for owners and notes.
func readme(plan Plan, proof *Proof, source, sourceArgs string, files []string, review []File) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# bulkhead harden\n\n")
	w("Generated from %s. Nothing here has been applied: bulkhead never writes to a cluster.\n\n", source)
	w("## Review, then apply\n\n")
	w("Review the change against the cluster before applying it (the analysis of %s with\nthese manifests applied as a server-side apply would; DIR is this directory):\n\n", source)
	w("    %s\n\n", ReviewCommand(sourceArgs, "DIR"))
	w("Apply the safe objects (Namespaces' labels are merged, other objects created):\n\n")
	w("    kubectl apply --server-side -k DIR\n\n")
	w("A namespace whose Pod Security labels were set with `kubectl label` makes the apply\nreport a conflict on them: harden's labels are never weaker, so take them over with\n`--force-conflicts` once reviewed.\n\n")
	w("## Safe objects\n\n")
	if len(plan.Objects) == 0 {
		w("None: nothing could be closed without a human's review.\n\n")
	}
	for _, f := range files {
		var what []string
		for _, o := range plan.Objects {
			if fileOf(o) == f {
				what = append(what, fmt.Sprintf("%s (%s)", proofName(o.Obj), o.Layer))
			}
		}
		w("- `%s`: %s\n", f, strings.Join(what, ", "))
	}
	if len(files) > 0 {
		w("\nEach object harden creates carries the label `%s=%s`; a Namespace it only labels\nfor Pod Security stays its owner's and does not. All carry the annotations `%s`\n(the findings they close) and `%s` (why they are there).\n\n", ManagedByLabel, ManagedBy, ClosesAnnotation, ReasonAnnotation)
	}
	if proof != nil {
		w("## Proof\n\n")
		full := proof
		proof = proof.Bounded(analysis.ListedCells)
		before, after := len(breachedCells(full.Before)), len(breachedCells(full.After))
		w("Applied to the cluster in memory and analysed again: %d breached tenant pairs before, %d after.\n", before, after)
		for _, why := range proof.Incomplete {
			w("**Incomplete input**, so a pair shown isolated may not be: %s.\n", why)
		}
		if len(proof.Closed) > 0 {
			w("Now isolated: %s%s.\n", strings.Join(proof.Closed, ", "), andMore(proof.ClosedOmitted, "pair", "pairs"))
		}
		c := &proof.Checks
		w("\n- within each tenant, %s compared: %s\n", countOf(c.Pairs, "pod pair", "pod pairs"), verdict(len(c.Intra) == 0, "reachability unchanged", fmt.Sprintf("%d changed", len(c.Intra))))
		w("- DNS: %s that reached it before: %s\n", countOf(c.DNSPods, "pod", "pods"), verdict(len(c.DNS) == 0, "every one still does", fmt.Sprintf("%d no longer do", len(c.DNS))))
		for _, n := range c.Notes {
			w("- %s\n", n)
		}
		w("\n")
	}
	w("## Not done\n\n")
	if proof != nil && len(proof.Residuals) > 0 {
		w("### Residual paths\n\nStill breached after the safe objects, and why harden could not close them:\n\n")
		for _, r := range proof.Residuals {
			w("- **%s → %s** (%s, %s; with the reviewed proposals: %s)\n", r.Source, r.Target, layerNames(r.Layers), r.Worst, r.Reviewed)
			for _, why := range r.Reasons {
				w("  - %s\n", strings.TrimSpace(why))
			}
			for _, why := range r.ReviewedReasons {
				w("  - with the reviewed proposals, %s\n", strings.TrimSpace(why))
			}
		}
		if proof.ResidualsOmitted > 0 {
			w("- … and %s, less severe or later in name order: `bulkhead paths --from SOURCE --to TARGET` explains any pair\n",
				countOf(proof.ResidualsOmitted, "more residual pair", "more residual pairs"))
		}
		w("\n")
	}
	if len(plan.Proposals) > 0 {
		w("### Proposals, for review (`review/`)\n\nChanges harden cannot make safely on its own; the proof shows their effect apart.\n\n")
		for i, p := range plan.Proposals {
			w("- `%s`: %s", review[reviewIndex(review, i)].Path, p.Title)
			if len(p.Closes) > 0 {
				w(" (closes %s)", strings.Join(p.Closes, ", "))
			}
			w("\n")
		}
		w("\n")
	}
	if len(plan.Work) > 0 {
		w("### Work for owners\n\n")
		for _, wk := range plan.Work {
			w("- %s %s: %s\n", wk.Namespace, wk.Object, wk.Problem)
		}
		w("\n")
	}
	if len(plan.Notes) > 0 {
		w("### Notes\n\n")
		for _, n := range plan.Notes {
			w("- %s\n", n)
		}
		w("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// reviewIndex finds the .yaml review file of the i-th proposal.
func reviewIndex(review []File, i int) int {
	prefix := fmt.Sprintf("review/%02d-", i+1)
	for j, f := range review {
		if strings.HasPrefix(f.Path, prefix) && strings.HasSuffix(f.Path, ".yaml") {
			return j
		}
	}
	return 0
}

func verdict(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return "FAILED, " + no
}

// The first line of the kustomization.yaml harden writes with --out, with
// safe objects and without: it tells a directory of harden's from any
// other (OwnKustomization).
const (
	kustomizationHeader      = "# The safe objects bulkhead harden wrote: kubectl apply --server-side -k ."
	emptyKustomizationHeader = "# bulkhead harden found nothing safe to apply."
)

// OwnKustomization reports whether a kustomization.yaml is one harden
// wrote.
func OwnKustomization(data []byte) bool {
	first, _, _ := strings.Cut(string(data), "\n")
	return first == kustomizationHeader || first == emptyKustomizationHeader
}
