package main

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// TestGeneratedDecodersCurrent fails when internal/load's generated
// decoders are not what the generator writes now: run go generate in
// internal/load.
func TestGeneratedDecodersCurrent(t *testing.T) {
	want, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../zz_generated_decode.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/load/zz_generated_decode.go is stale: run go generate ./internal/load")
	}
}

// TestFieldsAsTheDecoderFindsThem covers the rules the generator shares
// with the plans of internal/load: names from tags, promoted fields of
// embedded structs, and what sends a struct to the plan path.
func TestFieldsAsTheDecoderFindsThem(t *testing.T) {
	type inner struct{ A string }
	type Embedded struct {
		B string `json:"b"`
	}
	cases := []struct {
		name string
		typ  any
		want []string // JSON names and paths, or nil when refused
	}{
		{"tags and names", struct {
			X string `json:"x,omitempty"`
			Y int
			z int
			W string `json:"-"`
		}{}, []string{"x .X", "Y .Y"}},
		{"embedded", struct {
			Embedded `json:",inline"`
			C        string `json:"c"`
		}{}, []string{"b .Embedded.B", "c .C"}},
		{"string option", struct {
			N int `json:"n,string"`
		}{}, nil},
		{"two fields one name", struct {
			Embedded
			B string `json:"b"`
		}{}, nil},
		{"embedded pointer", struct{ *Embedded }{}, nil},
		{"unexported embedded struct", struct{ inner }{}, nil},
		{"odd tag", struct {
			A string `json:"a b"`
		}{}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, ok := fields(reflect.TypeOf(c.typ))
			if !ok {
				if c.want != nil {
					t.Fatalf("refused, want %v", c.want)
				}
				return
			}
			if c.want == nil {
				t.Fatalf("took %v, want refused", fs)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.name+" "+f.path)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}
}
