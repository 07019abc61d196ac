// Command image writes Stoke's operator image, without a container engine or a registry: a static `stoke`
// binary on an empty base with CA certificates and a non-root user (65532), as a docker-archive tarball that
// `ctr images import`, `crane push` and `docker load` read.
//
//	go run ./hack/image -binary bin/linux-amd64/stoke -tag stoke.local/stoke:v0.1.0 -out bin/stoke-image.tar
//
// The image is reproducible: every file in a layer has a fixed owner and time, layers are written in a fixed
// order, and the image's creation time is fixed (SOURCE_DATE_EPOCH, or the Unix epoch), so the same binary
// and certificate bundle always give the same digest. It prints the image's digest and sizes.
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The non-root identity the operator runs as (the same uid distroless' "nonroot" uses).
const (
	uid      = 65532
	userName = "nonroot"
)

// options are the command's flags.
type options struct {
	binary, caCerts, tag, out, arch, version string
	created                                  time.Time
	maxBytes                                 int64
}

func main() {
	var o options
	flag.StringVar(&o.binary, "binary", "", "the static stoke binary (CGO_ENABLED=0) for the image's platform")
	flag.StringVar(&o.caCerts, "ca-certs", "/etc/ssl/certs/ca-certificates.crt", "CA certificate bundle copied into the image")
	flag.StringVar(&o.tag, "tag", "stoke.local/stoke:dev", "the image reference written into the archive")
	flag.StringVar(&o.out, "out", "", "where to write the docker-archive tarball")
	flag.StringVar(&o.arch, "arch", "amd64", "the image's architecture (must match the binary)")
	flag.StringVar(&o.version, "version", "dev", "the org.opencontainers.image.version label")
	flag.Int64Var(&o.maxBytes, "max-bytes", 40<<20, "fail when the image's compressed size (what a registry stores and a node pulls) exceeds this (0: no limit)")
	flag.Parse()
	if o.binary == "" || o.out == "" {
		fmt.Fprintln(os.Stderr, "image: -binary and -out are required")
		os.Exit(2)
	}
	o.created = time.Unix(0, 0).UTC()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "image: SOURCE_DATE_EPOCH %q: %v\n", s, err)
			os.Exit(2)
		}
		o.created = time.Unix(sec, 0).UTC()
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	ref, err := name.NewTag(o.tag)
	if err != nil {
		return fmt.Errorf("tag %q: %w", o.tag, err)
	}
	img, err := build(o)
	if err != nil {
		return err
	}
	compressed, uncompressed, err := sizes(img)
	if err != nil {
		return err
	}
	if o.maxBytes > 0 && compressed > o.maxBytes {
		return fmt.Errorf("the image is %d bytes compressed, more than the %d allowed", compressed, o.maxBytes)
	}
	tmp := o.out + ".tmp"
	if err := tarball.WriteToFile(tmp, ref, img); err != nil {
		return fmt.Errorf("writing %s: %w", o.out, err)
	}
	if err := os.Rename(tmp, o.out); err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("%s %s compressed=%.1fMB uncompressed=%.1fMB %s\n", ref, digest, mb(compressed), mb(uncompressed), o.out)
	return nil
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// build assembles the image: a base layer (users, groups, CA certificates, an empty /tmp) and the binary's
// layer, so a new binary changes only the second one.
func build(o options) (v1.Image, error) {
	certs, err := os.ReadFile(o.caCerts)
	if err != nil {
		return nil, fmt.Errorf("CA certificates: %w", err)
	}
	bin, err := os.ReadFile(o.binary)
	if err != nil {
		return nil, fmt.Errorf("binary: %w", err)
	}
	base, err := layer([]entry{
		{path: "etc/", mode: 0o755, dir: true},
		{path: "etc/passwd", mode: 0o644, data: fmt.Appendf(nil, "root:x:0:0:root:/root:/sbin/nologin\n%s:x:%d:%d:%s:/home/%s:/sbin/nologin\n", userName, uid, uid, userName, userName)},
		{path: "etc/group", mode: 0o644, data: fmt.Appendf(nil, "root:x:0:\n%s:x:%d:\n", userName, uid)},
		{path: "etc/ssl/", mode: 0o755, dir: true},
		{path: "etc/ssl/certs/", mode: 0o755, dir: true},
		{path: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, data: certs},
		{path: "home/", mode: 0o755, dir: true},
		{path: "home/" + userName + "/", mode: 0o700, dir: true, owner: uid},
		{path: "tmp/", mode: 0o1777, dir: true},
	})
	if err != nil {
		return nil, err
	}
	stoke, err := layer([]entry{{path: "stoke", mode: 0o755, data: bin}})
	if err != nil {
		return nil, err
	}
	img := empty.Image
	for _, l := range []struct {
		layer   v1.Layer
		comment string
	}{{base, "users, groups, CA certificates"}, {stoke, "the stoke binary"}} {
		img, err = mutate.Append(img, mutate.Addendum{Layer: l.layer, History: v1.History{
			Created: v1.Time{Time: o.created}, CreatedBy: "hack/image", Comment: l.comment,
		}})
		if err != nil {
			return nil, fmt.Errorf("adding a layer: %w", err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = o.arch, "linux"
	cf.Created = v1.Time{Time: o.created}
	cf.Config.User = fmt.Sprintf("%d:%d", uid, uid)
	cf.Config.WorkingDir = "/home/" + userName
	cf.Config.Entrypoint = []string{"/stoke"}
	cf.Config.Cmd = []string{"operator"}
	cf.Config.Env = []string{"HOME=/home/" + userName, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"}
	cf.Config.Labels = map[string]string{
		"org.opencontainers.image.title":   "stoke",
		"org.opencontainers.image.version": o.version,
		"org.opencontainers.image.source":  "https://github.com/stokehq/stoke",
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("setting the image config: %w", err)
	}
	return img, nil
}

// entry is one file or directory of a layer.
type entry struct {
	path  string
	mode  int64
	dir   bool
	owner int
	data  []byte
}

// epoch is every layer entry's modification time: file times would otherwise change the digest.
var epoch = time.Unix(0, 0).UTC()

// layer writes the entries, in the given order, into an uncompressed tar and wraps it as a layer.
func layer(entries []entry) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.path, Mode: e.mode, Uid: e.owner, Gid: e.owner, ModTime: epoch, Format: tar.FormatPAX}
		if e.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("layer entry %s: %w", e.path, err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, fmt.Errorf("layer entry %s: %w", e.path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
}

// sizes returns the image's compressed size (manifest, config and gzipped layers: what a registry stores
// and a node pulls) and its uncompressed size (the layers' contents: what it takes on a node's disk).
func sizes(img v1.Image) (compressed, uncompressed int64, err error) {
	m, err := img.Manifest()
	if err != nil {
		return 0, 0, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return 0, 0, err
	}
	compressed = int64(len(raw)) + m.Config.Size
	for _, l := range m.Layers {
		compressed += l.Size
	}
	layers, err := img.Layers()
	if err != nil {
		return 0, 0, err
	}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			return 0, 0, err
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return 0, 0, err
		}
		uncompressed += n
	}
	if uncompressed == 0 {
		return 0, 0, errors.New("the image has no content")
	}
	return compressed, uncompressed, nil
}
