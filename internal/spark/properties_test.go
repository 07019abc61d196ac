package spark

import (
	"reflect"
	"strings"
	"testing"
)

func TestEncodePropertiesLines(t *testing.T) {
	tests := []struct {
		desc       string
		key, value string
		want       string
	}{
		// Captured from spark-submit (docs/reference/spark-submit-output.md, case c).
		{"reference escaping", "spark.stoke.escaping", "k:v=w #h !b \\\\back é tab\tend",
			`spark.stoke.escaping=k\:v\=w \#h \!b \\\\back é tab\tend`},
		{"master URL", "spark.master", "k8s://https://127.0.0.1:16443", `spark.master=k8s\://https\://127.0.0.1\:16443`},
		{"image", "spark.kubernetes.container.image", "spark:test", `spark.kubernetes.container.image=spark\:test`},
		{"inner space and equals", "spark.kubernetes.driverEnv.WITH_SPACE", "a b=c", `spark.kubernetes.driverEnv.WITH_SPACE=a b\=c`},
		{"APP_ID and slash kept", "spark.kubernetes.driver.annotation.example.com/trace", "run-{{APP_ID}}",
			`spark.kubernetes.driver.annotation.example.com/trace=run-{{APP_ID}}`},
		{"empty value", "spark.submit.pyFiles", "", `spark.submit.pyFiles=`},
		// Spaces: escaped in keys everywhere, in values only at the start.
		{"leading space in value", "k", " lead", `k=\ lead`},
		{"two leading spaces", "k", "  two", `k=\  two`},
		{"trailing space in value", "k", "trail ", `k=trail `},
		{"space in key", "my key", "v", `my\ key=v`},
		{"separators in key", "a=b:c#d!e", "v", `a\=b\:c\#d\!e=v`},
		{"control characters", "k", "a\nb\rc\fd\te", `k=a\nb\rc\fd\te`},
		{"backslash", "k", `C:\dir\`, `k=C\:\\dir\\`},
		{"non-ASCII raw", "k", "日本語 😀", "k=日本語 😀"},
		{"non-ASCII key raw", "ключ", "v", "ключ=v"},
		{"other control characters raw", "k", "a\x01b", "k=a\x01b"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got := EncodeProperties(map[string]string{tc.key: tc.value})
			if got != tc.want+"\n" {
				t.Errorf("EncodeProperties({%q: %q}) =\n  %q\nwant\n  %q", tc.key, tc.value, got, tc.want+"\n")
			}
		})
	}
}

func TestEncodePropertiesSortedKeys(t *testing.T) {
	got := EncodeProperties(map[string]string{
		"spark.master":           "local",
		"spark.app.name":         "x",
		"spark.driver.port":      "7078",
		"spark.driver.memory":    "1g",
		"spark.app.id":           "spark-1",
		"Z":                      "upper case sorts first",
		"spark.driver.blockMan":  "b",
		"spark.driver.blockMan.": "c",
	})
	want := "Z=upper case sorts first\n" +
		"spark.app.id=spark-1\n" +
		"spark.app.name=x\n" +
		"spark.driver.blockMan=b\n" +
		"spark.driver.blockMan.=c\n" +
		"spark.driver.memory=1g\n" +
		"spark.driver.port=7078\n" +
		"spark.master=local\n"
	if got != want {
		t.Errorf("EncodeProperties =\n%s\nwant\n%s", got, want)
	}
	if EncodeProperties(nil) != "" {
		t.Errorf("EncodeProperties(nil) = %q, want empty", EncodeProperties(nil))
	}
}

func TestPropertiesRoundTrip(t *testing.T) {
	props := map[string]string{
		"spark.stoke.escaping": "k:v=w #h !b \\\\back é tab\tend",
		"leading":              "   three spaces",
		"trailing":             "x   ",
		"space key":            "v",
		" leading key":         "v",
		"empty":                "",
		"newlines":             "line1\nline2\r\nline3",
		"form feed":            "a\fb",
		"ends with backslash":  `C:\`,
		"only backslashes":     `\\\`,
		"hash start":           "#not a comment",
		"bang start":           "!not a comment",
		"=":                    "=",
		":":                    ":",
		"emoji":                "😀 and 中文",
		"url":                  "k8s://https://kubernetes.default.svc:443",
		"equals in value":      "a=b=c",
	}
	text := EncodeProperties(props)
	got, err := DecodeProperties(text)
	if err != nil {
		t.Fatalf("DecodeProperties: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(got, props) {
		for k, v := range props {
			if got[k] != v {
				t.Errorf("key %q: got %q, want %q", k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := props[k]; !ok {
				t.Errorf("unexpected key %q = %q", k, got[k])
			}
		}
	}
}

func TestDecodeProperties(t *testing.T) {
	tests := []struct {
		desc string
		text string
		want map[string]string
	}{
		{"comments and blank lines",
			"#Java properties built from Kubernetes config map with name: x\n! bang comment\n\n   \n  # indented comment\na=1\n",
			map[string]string{"a": "1"}},
		{"colon and space separators",
			"a:1\nb 2\nc = 3\nd\t:\t4\ne   5\n",
			map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}},
		{"key without value", "lonely\nalso=\n", map[string]string{"lonely": "", "also": ""}},
		{"leading white space of line ignored", "   \t key=value\n", map[string]string{"key": "value"}},
		{"trailing white space of value kept", "k=v  \n", map[string]string{"k": "v  "}},
		{"escaped leading space in value", `k=\ v` + "\n", map[string]string{"k": " v"}},
		{"escaped separators in key", `a\=b\:c\ d=v` + "\n", map[string]string{"a=b:c d": "v"}},
		{"continuation lines",
			"list=a,\\\n    b,\\\n\tc\nnext=1\n",
			map[string]string{"list": "a,b,c", "next": "1"}},
		{"continuation in key", "lo\\\n  ng=v\n", map[string]string{"long": "v"}},
		{"even backslashes do not continue",
			"path=C:\\\\\nnext=1\n",
			map[string]string{"path": `C:\`, "next": "1"}},
		{"comment ending in backslash does not continue",
			"# comment \\\nk=v\n",
			map[string]string{"k": "v"}},
		{"CRLF line ends", "a=1\r\nb=2\r\n", map[string]string{"a": "1", "b": "2"}},
		// Found against java.util.Properties (TestPropertiesAgainstJava).
		{"lone CR line ends", "a=1\rb=2\r", map[string]string{"a": "1", "b": "2"}},
		{"backslash ending the file dropped", "k=v\\", map[string]string{"k": "v"}},
		{"no final newline", "a=1", map[string]string{"a": "1"}},
		{"unicode escapes", `k=caf\u00e9 \u0041\u0042` + "\n", map[string]string{"k": "café AB"}},
		{"upper-case hex", `k=\u00C9` + "\n", map[string]string{"k": "É"}},
		{"surrogate pair", `k=\uD83D\uDE00!` + "\n", map[string]string{"k": "😀!"}},
		{"surrogate pair at end of line", `k=\ud83d\ude00` + "\n", map[string]string{"k": "😀"}},
		{"unicode escape in key", `\u006bey=v` + "\n", map[string]string{"key": "v"}},
		{"named escapes", `k=a\tb\nc\rd\fe` + "\n", map[string]string{"k": "a\tb\nc\rd\fe"}},
		{"unknown escape drops the backslash", `k=\q\#\!` + "\n", map[string]string{"k": "q#!"}},
		{"last one wins", "k=1\nk=2\n", map[string]string{"k": "2"}},
		{"raw non-ASCII", "k=é 😀\n", map[string]string{"k": "é 😀"}},
		{"empty input", "", map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := DecodeProperties(tc.text)
			if err != nil {
				t.Fatalf("DecodeProperties(%q): %v", tc.text, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("DecodeProperties(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestDecodePropertiesErrors(t *testing.T) {
	for _, text := range []string{
		`k=\u12` + "\n",
		`k=\u` + "\n",
		`k=\uZZZZ` + "\n",
		`\u00=v` + "\n",
	} {
		if got, err := DecodeProperties(text); err == nil {
			t.Errorf("DecodeProperties(%q) = %q, want an error", text, got)
		}
	}
}

// The ConfigMap Build writes must decode to the same properties it reports.
func TestConfigMapPropertiesDecode(t *testing.T) {
	app := scalaApp()
	app.Spec.SparkConf = map[string]string{"spark.stoke.escaping": "k:v=w #h !b \\\\back é tab\tend", "spark.x": " lead"}
	objs, err := Build(app, 1)
	if err != nil {
		t.Fatal(err)
	}
	text := objs.ConfigMap.Data[PropertiesFileKey]
	header := "#Java properties built from Kubernetes config map with name: " + objs.Names.ConfigMap + "\n"
	if !strings.HasPrefix(text, header) {
		t.Errorf("spark.properties does not start with %q:\n%s", header, text)
	}
	if !strings.Contains(text, "\nspark.stoke.escaping=k\\:v\\=w \\#h \\!b \\\\\\\\back é tab\\tend\n") {
		t.Errorf("spark.properties lacks the escaped reference line:\n%s", text)
	}
	got, err := DecodeProperties(text)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, objs.Properties) {
		t.Errorf("decoded spark.properties differs from Objects.Properties:\n got %v\nwant %v", got, objs.Properties)
	}
}
