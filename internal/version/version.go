// Package version holds the build's version, set at link time with
// -ldflags "-X github.com/stokehq/stoke/internal/version.Version=v0.1.0".
package version

// Version of this build.
var Version = "dev"
