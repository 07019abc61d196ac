package main

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImageIsReproducible builds the image twice from the same inputs, at different times and with the
// files' modification times changed in between: the digests must be equal, and differ for another binary.
func TestImageIsReproducible(t *testing.T) {
	dir := t.TempDir()
	o := options{binary: write(t, dir, "stoke", "binary v1"), caCerts: write(t, dir, "ca.crt", "certs"),
		arch: "amd64", version: "v1", created: time.Unix(0, 0).UTC()}
	digest := func(o options) string {
		t.Helper()
		img, err := build(o)
		if err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d.String()
	}
	first := digest(o)
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(o.binary, later, later); err != nil {
		t.Fatal(err)
	}
	if second := digest(o); second != first {
		t.Errorf("same inputs, different digests: %s then %s", first, second)
	}
	o.binary = write(t, dir, "stoke2", "binary v2")
	if other := digest(o); other == first {
		t.Errorf("another binary gave the same digest %s", other)
	}
}

// TestImageContents reads the archive back as `ctr import` would: the tag, the non-root user, the
// entrypoint, and the files with their owners and modes.
func TestImageContents(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "image.tar")
	o := options{binary: write(t, dir, "stoke", "the binary"), caCerts: write(t, dir, "ca.crt", "certs"),
		tag: "stoke.local/stoke:v9", out: out, arch: "amd64", version: "v9", created: time.Unix(0, 0).UTC(), maxBytes: 1 << 20}
	if err := run(o); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag("stoke.local/stoke:v9")
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(out, &tag)
	if err != nil {
		t.Fatalf("reading the archive back: %v", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "65532:65532" || cf.Config.Entrypoint[0] != "/stoke" || cf.OS != "linux" || cf.Architecture != "amd64" {
		t.Errorf("config: user %q entrypoint %v platform %s/%s", cf.Config.User, cf.Config.Entrypoint, cf.OS, cf.Architecture)
	}
	if !cf.Created.Time.Equal(time.Unix(0, 0)) {
		t.Errorf("created %s, want the epoch", cf.Created.Time)
	}
	files := map[string]*tar.Header{}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			files[h.Name] = h
		}
		rc.Close()
	}
	for path, want := range map[string]int64{"stoke": 0o755, "etc/passwd": 0o644, "etc/group": 0o644,
		"etc/ssl/certs/ca-certificates.crt": 0o644, "tmp/": 0o1777} {
		h, ok := files[path]
		if !ok {
			t.Errorf("%s missing from the image", path)
			continue
		}
		if h.Mode != want || !h.ModTime.Equal(time.Unix(0, 0)) {
			t.Errorf("%s: mode %o time %s, want %o at the epoch", path, h.Mode, h.ModTime, want)
		}
	}
	if h := files["home/nonroot/"]; h == nil || h.Uid != uid {
		t.Errorf("home/nonroot/ not owned by %d: %+v", uid, h)
	}

	o.maxBytes = 100
	if err := run(o); err == nil {
		t.Error("an image over -max-bytes was written")
	}
}
