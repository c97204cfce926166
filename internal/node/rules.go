package node

import "github.com/bulkhead-dev/bulkhead/internal/finding"

// Finding IDs of the node checks (docs/checks/node.md).
const (
	IDNodeEscape       = "BH-NODE-001" // a tenant's pod is root on its node
	IDHostAccess       = "BH-NODE-002" // a tenant's pod reads or disturbs its node
	IDWeakened         = "BH-NODE-003" // a tenant's pod aims or widens an escape
	IDUnenforced       = "BH-NODE-004" // a tenant namespace admits privileged pods
	IDViolatesEnforced = "BH-NODE-005" // a running pod violates its namespace's enforce level
	IDViolatesBaseline = "BH-NODE-006" // a pod violates baseline in other ways
	IDToken            = "BH-NODE-007" // a powerful token sits on nodes another tenant reaches
	IDRelabel          = "BH-NODE-008" // a tenant may lift its namespace's enforce label
)

const nodeDoc = "docs/checks/node.md"

// The rules of the node checks. The escape rules (BH-NODE-001 to 003)
// grade each finding by power: it takes the worst severity of the pod's
// escapes (check_*.go), one lower when the pod shares its node with no
// other tenant; BH-NODE-007 takes that of the token's most dangerous
// permission. Their Severity is the usual one.
var (
	ruleNodeEscape = finding.Rule{ID: IDNodeEscape, Category: finding.Node, Severity: finding.Critical, Graded: true, Doc: nodeDoc,
		Title: "A tenant's pod is root on its node"}
	ruleHostAccess = finding.Rule{ID: IDHostAccess, Category: finding.Node, Severity: finding.High, Graded: true, Doc: nodeDoc,
		Title: "A tenant's pod reaches into its node"}
	ruleWeakened = finding.Rule{ID: IDWeakened, Category: finding.Node, Severity: finding.Medium, Graded: true, Doc: nodeDoc,
		Title: "Pods of a tenant namespace aim or widen an escape"}
	ruleUnenforced = finding.Rule{ID: IDUnenforced, Category: finding.Node, Severity: finding.High, Doc: nodeDoc,
		Title: "A tenant namespace enforces no Pod Security level"}
	ruleViolatesEnforced = finding.Rule{ID: IDViolatesEnforced, Category: finding.Node, Severity: finding.Medium, Doc: nodeDoc,
		Title: "Running pods violate their namespace's enforce level"}
	ruleViolatesBaseline = finding.Rule{ID: IDViolatesBaseline, Category: finding.Node, Severity: finding.Medium, Doc: nodeDoc,
		Title: "A pod violates baseline in a namespace that enforces nothing"}
	ruleToken = finding.Rule{ID: IDToken, Category: finding.Node, Severity: finding.High, Graded: true, Doc: nodeDoc,
		Title: "A powerful token sits on nodes another tenant can escape to"}
	ruleRelabel = finding.Rule{ID: IDRelabel, Category: finding.Node, Severity: finding.High, Doc: nodeDoc,
		Title: "A tenant may lift its namespace's enforce label"}
)

// reachRule is the rule of a pod's escape finding, by its worst reach.
var reachRule = map[Reach]finding.Rule{Node: ruleNodeEscape, Host: ruleHostAccess}

func init() {
	finding.Register(ruleNodeEscape, ruleHostAccess, ruleWeakened, ruleUnenforced,
		ruleViolatesEnforced, ruleViolatesBaseline, ruleToken, ruleRelabel)
}
