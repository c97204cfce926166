package render

import (
	"strings"
	"unicode"

	"github.com/bulkhead-dev/bulkhead/internal/analysis"
	"github.com/bulkhead-dev/bulkhead/internal/finding"
	"github.com/bulkhead-dev/bulkhead/internal/tenancy"
)

// The SARIF 2.1.0 objects bulkhead writes, with the properties it fills
// (the schema's names; §3 of the specification).

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	Properties  *runPropertyBag   `json:"properties,omitempty"`
}

// runPropertyBag is what SARIF has no place for: the audit's source, its
// tenants, the analyses and how complete each was, the findings by
// severity and the breached tenant pairs.
type runPropertyBag struct {
	Source        string              `json:"source"`
	Tenants       []tenancy.Tenant    `json:"tenants"`
	Analyses      []analysis.Analysis `json:"analyses"`
	Incomplete    bool                `json:"incomplete"`
	Summary       map[string]int      `json:"summary,omitempty"`
	BreachedPairs *int                `json:"breachedPairs,omitempty"`
	Baseline      string              `json:"baseline,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string           `json:"id"`
	Name                 string           `json:"name"`
	ShortDescription     sarifMessage     `json:"shortDescription"`
	HelpURI              string           `json:"helpUri"`
	Help                 sarifMultiformat `json:"help"`
	DefaultConfiguration sarifRuleConfig  `json:"defaultConfiguration"`
	Properties           ruleProperties   `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type ruleProperties struct {
	Category         string   `json:"category"`
	Severity         string   `json:"severity"`
	Graded           bool     `json:"graded,omitempty"`
	SecuritySeverity string   `json:"security-severity"`
	Tags             []string `json:"tags"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifMultiformat struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string       `json:"level"`
	Message sarifMessage `json:"message"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           *int               `json:"ruleIndex,omitempty"`
	Level               string             `json:"level"`
	Message             sarifMessage       `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	RelatedLocations    []sarifLocation    `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	BaselineState       string             `json:"baselineState,omitempty"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          *resultProperties  `json:"properties,omitempty"`
}

// sarifSuppression says a result is suppressed, and by what (SARIF
// 3.35): bulkhead's suppressions file, outside the analysed manifests.
type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status,omitempty"`
	Justification string `json:"justification,omitempty"`
}

type resultProperties struct {
	Severity      string   `json:"severity"`
	Category      string   `json:"category"`
	SourceTenant  string   `json:"sourceTenant,omitempty"`
	TargetTenant  string   `json:"targetTenant,omitempty"`
	SourceTenants []string `json:"sourceTenants,omitempty"`
	TargetTenants []string `json:"targetTenants,omitempty"`
	Remediation   string   `json:"remediation,omitempty"`
}

type sarifLocation struct {
	ID               *int                   `json:"id,omitempty"`
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
	Message          *sarifMessage          `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLocation struct {
	Name               string             `json:"name"`
	FullyQualifiedName string             `json:"fullyQualifiedName"`
	Kind               string             `json:"kind"`
	Properties         *logicalProperties `json:"properties,omitempty"`
}

// logicalProperties is the Kubernetes kind and namespace of an object,
// which SARIF's logical location kinds do not name.
type logicalProperties struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
}

// sarifRuleOf describes a rule of the registry: its ID, a name made of its
// title, the title, its documentation page, and its default level.
func sarifRuleOf(r finding.Rule) sarifRule {
	uri := InformationURI + "/blob/main/" + r.Doc
	return sarifRule{
		ID:               r.ID,
		Name:             pascal(r.Title),
		ShortDescription: sarifMessage{Text: r.Title},
		HelpURI:          uri,
		Help: sarifMultiformat{
			Text:     r.ID + ": " + r.Title + ". Documented, with the severities it takes, in " + r.Doc + " (" + uri + ").",
			Markdown: "**" + r.ID + ": " + r.Title + ".** Documented, with the severities it takes, in [" + r.Doc + "](" + uri + ").",
		},
		DefaultConfiguration: sarifRuleConfig{Level: level(r.Severity)},
		Properties: ruleProperties{
			Category: string(r.Category), Severity: r.Severity.String(), Graded: r.Graded,
			SecuritySeverity: securitySeverity(r.Severity),
			Tags:             []string{"security", "kubernetes", "multi-tenancy", string(r.Category)},
		},
	}
}

// pascal makes a title an identifier: "A binding to a role that does not
// exist." is "ABindingToARoleThatDoesNotExist".
func pascal(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' }) {
		w = strings.ReplaceAll(w, "'", "")
		if w == "" {
			continue
		}
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	return b.String()
}
