//go:build stoke_broken_overhead

package spark

// overheadFactorSkew deliberately breaks the builder (make conformance-broken): every memory overhead
// factor is 0.05 too high. Never build Stoke with this tag.
const overheadFactorSkew = 0.05
