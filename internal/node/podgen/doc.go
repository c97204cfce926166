// Package podgen generates pod specs for tests and benchmarks: a seeded,
// deterministic set of pods that pass and fail every Pod Security check
// (for the admission oracle), and synthetic clusters of any size (for the
// node isolation benchmarks).
package podgen
