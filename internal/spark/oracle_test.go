package spark

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// The oracle tests run the committed fuzz corpora and tables of hard cases through Java itself, in one JVM
// each, and compare every result with Stoke's. They skip when java (or Spark's jars) are not installed.

// corpusStrings reads the string arguments of every entry in testdata/fuzz/<fuzzName>, the seed corpus
// `go test` replays, written in Go's corpus format ("go test fuzz v1" and one string("...") line per
// argument). Entries with arguments of other types are skipped.
func corpusStrings(t *testing.T, fuzzName string) [][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", fuzzName, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no corpus in testdata/fuzz/%s", fuzzName)
	}
	sort.Strings(files)
	var entries [][]string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if lines[0] != "go test fuzz v1" {
			t.Fatalf("%s: not a corpus file", file)
		}
		var args []string
		for _, line := range lines[1:] {
			literal, ok := strings.CutPrefix(line, "string(")
			if !ok {
				args = nil
				break
			}
			s, err := strconv.Unquote(strings.TrimSuffix(literal, ")"))
			if err != nil {
				t.Fatalf("%s: %q: %v", file, line, err)
			}
			args = append(args, s)
		}
		if args != nil {
			entries = append(entries, args)
		}
	}
	return entries
}

func javaOrSkip(t *testing.T) string {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java is not on PATH: the Java oracle tests need a JDK (11 or later) to run testdata/*.java")
	}
	return java
}

// runJava runs a single-file Java program and returns its output lines.
func runJava(t *testing.T, java string, args ...string) []string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(java, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("java %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// propertiesHardCases are maps whose encoding is easy to get wrong.
var propertiesHardCases = []map[string]string{
	{"spark.stoke.escaping": "k:v=w #h !b \\\\back é tab\tend"},
	{"unicode": "日本語 é ß Ω", "ключ": "значение"},
	{"supplementary": "😀 𝄞 𠀋", "😀": "key outside the BMP"},
	{"backslashes": `\`, `\\`: `\\\`, `C:\dir\`: `C:\dir\`},
	{"literal escape": `\u0041 \n \t \\u`, `\uZZZZ`: `\u12`},
	{"=": "=", ":": ":", "#": "#", "!": "!"},
	{"#comment key": "#", "!bang key": "!", "a=b:c": "x=y:z"},
	{" leading space key": " leading space value", "  ": "  ", "trailing ": "trailing "},
	{"newline": "a\nb", "\nkey": "\n", "cr": "a\rb", "crlf": "a\r\nb", "\r": "\r\n\r"},
	{"tab": "\t", "\tkey": "\tv\t", "form feed": "\f", "\f": "\fx"},
	{"nul": "a\x00b", "\x00": "\x00", "controls": "\x01\x07\x1b\x7f"},
	{"": "empty key", "empty value": ""},
	{"line separators": "\u2028\u2029\u0085", "\u2028": "x", "bom": "\ufeff", "\ufeffkey": "v"},
	{"continuation lookalike": "a\\", "next": "b"},
	{"ends with backslash space": `\ `, "value with spaces": "  a  b  "},
	{"spark.master": "k8s://https://10.96.0.1:443", "spark.kubernetes.driverEnv.PATH": "/usr/bin:/bin"},
}

// propertiesRawCases are files, not written by EncodeProperties, that DecodeProperties must read as Java does.
var propertiesRawCases = []string{
	"a=1\rb=2\r",
	"a=1\r\n\r\nb=2",
	"k=v\\",
	"k=v\\\n",
	"k=\\\n  \\\n  v",
	"k=v\\\n# not a comment\n",
	"# comment \\\nk=v\n",
	"  \t\f key \t = \t value \t\n",
	"k:=v\nj = = w\nl  :  : x\n",
	"k\f\fv\n",
	"\\ key\\ =\\ v\n",
	"\\u0041=\\u0042\\uD83D\\uDE00\n",
	"lone=\\uD83D\\u0041\n",
	"k=\\q\\#\\!\\=\n",
	"a\\\r\n  b=c\r\n",
	"empty\n=only value\n:colon\n",
	"k=é 😀\n",
	"!x=1\n#y=2\n z=3\n",
}

// TestPropertiesAgainstJava: everything EncodeProperties writes (the committed corpus of
// FuzzPropertiesRoundTrip and hard cases) is read back by java.util.Properties.load, as spark-submit
// reads spark.properties, as the map it was written from; and DecodeProperties reads hand-written files as
// Java does.
func TestPropertiesAgainstJava(t *testing.T) {
	java := javaOrSkip(t)
	encoded := append([]map[string]string{}, propertiesHardCases...)
	for _, args := range corpusStrings(t, "FuzzPropertiesRoundTrip") {
		if len(args) != 4 || slices.ContainsFunc(args, func(s string) bool { return !utf8.ValidString(s) }) {
			continue
		}
		encoded = append(encoded, map[string]string{args[0]: args[1], args[2]: args[3]})
	}
	texts := make([]string, 0, len(encoded)+len(propertiesRawCases))
	for _, props := range encoded {
		texts = append(texts, "#Java properties built from Kubernetes config map with name: x\n"+EncodeProperties(props))
	}
	texts = append(texts, propertiesRawCases...)
	dir := t.TempDir()
	for i, text := range texts {
		if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(i)+".properties"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	lines := runJava(t, java, filepath.Join("testdata", "PropertiesOracle.java"), dir, strconv.Itoa(len(texts)))
	if len(lines) != len(texts) {
		t.Fatalf("java printed %d lines for %d files", len(lines), len(texts))
	}
	for i, line := range lines {
		javaGot, javaErr := map[string]string(nil), ""
		if rest, ok := strings.CutPrefix(line, "ok "); ok {
			if err := json.Unmarshal([]byte(rest), &javaGot); err != nil {
				t.Fatalf("java output %q: %v", line, err)
			}
		} else {
			javaErr = strings.TrimPrefix(line, "error ")
		}
		if i < len(encoded) {
			if javaErr != "" || !maps.Equal(javaGot, encoded[i]) {
				t.Errorf("Java reads EncodeProperties(%q) = %q\nas %q %s", encoded[i], texts[i], javaGot, javaErr)
			}
			continue
		}
		goGot, goErr := DecodeProperties(texts[i])
		if (goErr != nil) != (javaErr != "") || !maps.Equal(goGot, javaGot) {
			t.Errorf("DecodeProperties(%q) = %q, %v; Java reads %q %s", texts[i], goGot, goErr, javaGot, javaErr)
		}
	}
}

// iecSuffix matches the sizes only Spark with SPARK-55051 (4.3.0 here) reads.
var iecSuffix = regexp.MustCompile(`^[0-9]+[kmgtp]ib?$`)

// sparkJarDirs lists the jars directories of the pyspark distributions hack/ caches under
// ${STOKE_CACHE:-~/.cache/stoke}/spark/<version>/pyspark/jars, by version.
func sparkJarDirs(t *testing.T) map[string]string {
	t.Helper()
	cache := os.Getenv("STOKE_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil
		}
		cache = filepath.Join(home, ".cache", "stoke")
	}
	dirs := map[string]string{}
	jars, _ := filepath.Glob(filepath.Join(cache, "spark", "*", "pyspark", "jars", "spark-common-utils*.jar"))
	for _, jar := range jars {
		dir := filepath.Dir(jar)
		dirs[filepath.Base(filepath.Dir(filepath.Dir(dir)))] = dir
	}
	return dirs
}

// memoryHardCases are sizes Spark and Stoke could read differently.
var memoryHardCases = []string{
	"", " ", "0", "1", "512m", "512M", "512mb", "512MB", "1g", "1G", "1gb", "1Gb", "4g", "1t", "1tb", "1p", "1pb",
	"1024k", "1024kb", "1023k", "1536k", "1048576b", "1048575b", "1b", "1B",
	"  2g  ", "\t2g\n", "\x002g\x00", "\x0b1g\x1f", "1g\u00a0", "\u00a01g", "1g\u2003", "\u00851g", "1g\u3000", "\ufeff1g",
	"1.5g", "0.5", ".5g", "1.g", "-1g", "+1g", "-0", "1e3", "0x10", "1_000m", "1 g", "1g b", "g", "m", "b", "kb", "1x",
	"1gg", "1gbb", "1bk", "1mk", "1kib", "1gib", "1Gi", "1m ", " 1m", "00000000000000000000001g", "٣g", "１g",
	"1\u212a", "1\u212ab", "1\u0130", "1ǵ", "1\u00df",
	"9223372036854775807", "9223372036854775808", "9223372036854775807b", "9223372036854775807k",
	"9223372036854775807m", "9223372036854775807g", "9007199254740991g", "9007199254740992g", "8796093022207t",
	"8796093022208t", "8589934591p", "8589934592p", "99999999999999999999b",
}

// TestParseMiBAgainstSpark: ParseMiB reads every size of the committed corpus of FuzzParseMiB and the hard
// cases as Spark's own JavaUtils.byteStringAsMb does (the parser of spark.driver.memory and the other
// ByteUnit.MiB settings), in each cached Spark version: the same MiB, or an error when Spark throws.
//
// Two differences are known and checked as such:
//   - Newer Spark (4.3.0 here; SPARK-55051) also accepts the suffixes ki, kib, mi, mib, gi, gib, ti, tib,
//     pi and pib, which Spark 3.5 refuses. ParseMiB reads the grammar every supported version shares, so it
//     refuses them: a clear error at admission rather than a driver that fails on an older Spark.
//   - Spark's configuration layer (byteFromString) reads a leading '-' as a negative size, which Stoke
//     refuses; byteStringAsMb itself refuses it, as tested here.
func TestParseMiBAgainstSpark(t *testing.T) {
	java := javaOrSkip(t)
	dirs := sparkJarDirs(t)
	if len(dirs) == 0 {
		t.Skip("no Spark jars under ${STOKE_CACHE:-~/.cache/stoke}/spark/*/pyspark/jars: run hack/ to cache pyspark (the e2e setup does)")
	}
	sizes := append([]string{}, memoryHardCases...)
	for _, args := range corpusStrings(t, "FuzzParseMiB") {
		sizes = append(sizes, args...)
	}
	var input strings.Builder
	for _, s := range sizes {
		input.WriteString(hex.EncodeToString([]byte(s)) + "\n")
	}
	file := filepath.Join(t.TempDir(), "sizes")
	if err := os.WriteFile(file, []byte(input.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for version, dir := range dirs {
		t.Run(version, func(t *testing.T) {
			lines := runJava(t, java, "-cp", filepath.Join(dir, "*"), filepath.Join("testdata", "MemoryOracle.java"), file)
			if len(lines) != len(sizes) {
				t.Fatalf("java printed %d lines for %d sizes", len(lines), len(sizes))
			}
			for i, line := range lines {
				got, err := ParseMiB(sizes[i])
				stoke := "ok " + strconv.FormatInt(got, 10)
				if err != nil {
					stoke = "error"
				}
				if strings.HasPrefix(line, "ok ") && iecSuffix.MatchString(strings.ToLower(strings.TrimFunc(sizes[i], isJavaTrimmed))) {
					if err == nil {
						t.Errorf("ParseMiB(%q) = %d, want the error every Spark version before SPARK-55051 gives", sizes[i], got)
					}
					continue
				}
				if spark := line; stoke != spark && !(err != nil && strings.HasPrefix(spark, "error ")) {
					t.Errorf("ParseMiB(%q) = %s (%v); Spark %s: %s", sizes[i], stoke, err, version, spark)
				}
				if want, ok := sparkByteStringAsMb(sizes[i]); (ok != strings.HasPrefix(line, "ok ")) || (ok && line != "ok "+strconv.FormatInt(want, 10)) {
					t.Errorf("the fuzz model of Spark gives %d, %v for %q; Spark %s: %s", want, ok, sizes[i], version, line)
				}
			}
		})
	}
}
