package tenancy

import "k8s.io/apimachinery/pkg/util/validation"

func validateLabelKey(key string) []string { return validation.IsQualifiedName(key) }
