package snapshot

// CustomResource is a resource type a CustomResourceDefinition of the
// input serves: enough for can-i and who-can to resolve what a user types
// (plural, singular, short name or kind, with or without group) and to
// know its scope, as kubectl's discovery would.
type CustomResource struct {
	Group      string   `json:"group"`
	Resource   string   `json:"resource"` // plural
	Singular   string   `json:"singular,omitempty"`
	Kind       string   `json:"kind"`
	ShortNames []string `json:"shortNames,omitempty"`
	// Versions are the served versions, the storage version first.
	Versions   []string `json:"versions"`
	Namespaced bool     `json:"namespaced"`
}
