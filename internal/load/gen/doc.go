// Command gen writes the loader's generated typed decoders,
// internal/load/zz_generated_decode.go: for every kind of snapshot.Kinds
// and every type its objects contain, a method of the loader's typed
// decoder that fills a value of that type field by field, switching on
// the bytes of each key, with no reflect on the way. It decides what each
// type is as the decoder's reflective plans do (load's typed.go): a type
// with its own UnmarshalJSON is handed its JSON, a struct is read field
// by field by JSON name, and whatever a plan does not know (floats,
// []byte, interfaces, TextUnmarshalers) goes to the plan path, which then
// decides as it always did. Run it with go generate in internal/load;
// TestGeneratedDecodersCurrent fails when the file is stale.
package main
