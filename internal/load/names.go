package load

import (
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
)

// apimachinery checks names with regular expressions, which cost more
// than anything else of validating a big cluster's objects. The checks
// here accept, by a look at each byte, exactly the names those
// expressions accept (TestNameChecksAgree holds them alike); a name they
// refuse still goes to apimachinery, for its messages.

// fastName returns fn, answering nil at once for a name (not a prefix)
// that ok accepts.
func fastName(fn apivalidation.ValidateNameFunc, ok func(string) bool) apivalidation.ValidateNameFunc {
	return func(name string, prefix bool) []string {
		if !prefix && ok(name) {
			return nil
		}
		return fn(name, prefix)
	}
}

// dns1123Label is validation.IsDNS1123Label without error: at most 63
// lowercase letters, digits and '-', starting and ending with a letter or
// digit.
func dns1123Label(s string) bool {
	return len(s) <= 63 && dns1123Run(s)
}

// dns1123Subdomain is validation.IsDNS1123Subdomain without error: at
// most 253 bytes of dns1123Run labels joined by '.'.
func dns1123Subdomain(s string) bool {
	if len(s) > 253 {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if !dns1123Run(s[start:i]) {
				return false
			}
			start = i + 1
		}
	}
	return true
}

// dns1035Label is validation.IsDNS1035Label without error: a dns1123Label
// starting with a letter.
func dns1035Label(s string) bool {
	return dns1123Label(s) && s[0] >= 'a' && s[0] <= 'z'
}

// dns1123Run reports whether s is one or more lowercase letters, digits
// and '-', starting and ending with a letter or digit.
func dns1123Run(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// portName is validation.IsValidPortName without error: at most 15
// lowercase letters, digits and '-', at least one letter, no "--", not
// starting or ending with '-'.
func portName(s string) bool {
	if len(s) > 15 || !dns1123Run(s) {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z':
			letter = true
		case c == '-' && s[i+1] == '-':
			return false
		}
	}
	return letter
}
