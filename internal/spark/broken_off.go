//go:build !stoke_broken_overhead

package spark

// overheadFactorSkew is added to every memory overhead factor. It is zero: the build tag
// stoke_broken_overhead (broken_on.go) sets it to show that the conformance suite catches a wrong memory
// overhead (make conformance-broken).
const overheadFactorSkew = 0.0
