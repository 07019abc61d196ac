// Package dashboard holds the web dashboard's built assets (dist/, made from src/ by `make dashboard`
// with the esbuild, Preact and htm versions package-lock.json pins; `make verify` proves they are current),
// embedded in the stoke binary and served by stoke server at /.
package dashboard

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// Assets are index.html, app.js and app.css.
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the directory is embedded above: it exists
	}
	return sub
}
