package schemas

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// render is how the golden files are written: indented, HTML characters
// left as they are, one trailing newline.
func render(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding: %v", err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	for _, tc := range testAlerts() {
		t.Run(tc.name, func(t *testing.T) {
			outputs := []struct {
				format string
				value  any
			}{
				{"native", tc.alert},
				{"ocsf", ToOCSF(tc.alert)},
				{"ecs", ToECS(tc.alert)},
			}
			for _, out := range outputs {
				path := filepath.Join("testdata", tc.name+"."+out.format+".golden.json")
				got := render(t, out.value)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./schemas -run TestGolden -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file:\n%s", path, firstDiff(string(want), string(got)))
				}
			}
		})
	}
}

// firstDiff shows the first line where want and got differ.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(no line differs)"
}

// TestNativeRoundTrip checks that the native JSON decodes back into the
// same alert.
func TestNativeRoundTrip(t *testing.T) {
	for _, tc := range testAlerts() {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.alert)
			if err != nil {
				t.Fatal(err)
			}
			var back Alert
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&back, tc.alert) {
				t.Errorf("round trip changed the alert:\n got %+v\nwant %+v", back, *tc.alert)
			}
		})
	}
}

// compile compiles one of the embedded schemas with format assertions on
// (uuid, date-time), as draft 2020-12 leaves them off by default.
func compile(t *testing.T, schema []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	id, _ := doc.(map[string]any)["$id"].(string)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatalf("compiling %s: %v", id, err)
	}
	return sch
}

// instance turns a Go value into the generic form the validator takes.
func instance(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func TestAlertSchemaAcceptsAlerts(t *testing.T) {
	sch := compile(t, AlertSchema())
	for _, tc := range testAlerts() {
		t.Run(tc.name, func(t *testing.T) {
			if err := sch.Validate(instance(t, tc.alert)); err != nil {
				t.Errorf("valid alert rejected: %v", err)
			}
		})
	}
}

func TestAlertSchemaRejects(t *testing.T) {
	sch := compile(t, AlertSchema())
	type alertJSON = map[string]any
	questions := func(m alertJSON) []any { return m["questions"].([]any) }
	cases := []struct {
		name   string
		mutate func(m alertJSON)
	}{
		{"missing id", func(m alertJSON) { delete(m, "id") }},
		{"id not a UUID", func(m alertJSON) { m["id"] = "c01-payments-debug" }},
		{"id a random (v4) UUID", func(m alertJSON) { m["id"] = "0b8f3c2e-6a1d-4f5e-9c7b-2d4e6f8a0b1c" }},
		{"fifth question", func(m alertJSON) {
			m["questions"] = append(questions(m), map[string]any{"question": "Anything else?", "answer": "no", "detail": ""})
		}},
		{"three questions", func(m alertJSON) { m["questions"] = questions(m)[:3] }},
		{"wrong question text", func(m alertJSON) {
			questions(m)[2].(map[string]any)["question"] = "Are there logs of system calls 'unshare' or 'keyctl'?"
		}},
		{"questions out of order", func(m alertJSON) {
			q := questions(m)
			q[0], q[1] = q[1], q[0]
		}},
		{"bad answer", func(m alertJSON) { questions(m)[0].(map[string]any)["answer"] = "maybe" }},
		{"bad severity", func(m alertJSON) { m["severity"] = "severe" }},
		{"upper-case severity", func(m alertJSON) { m["severity"] = "HIGH" }},
		{"bad rule id", func(m alertJSON) { m["rule"].(map[string]any)["id"] = "ESC-X01" }},
		{"other technique", func(m alertJSON) { m["mitre"].(map[string]any)["technique"] = "T1610" }},
		{"first_seen not RFC 3339", func(m alertJSON) { m["first_seen"] = "14/03/2026 09:26" }},
		{"no evidence", func(m alertJSON) { m["evidence"] = []any{} }},
		{"unknown producer", func(m alertJSON) {
			m["evidence"].([]any)[0].(map[string]any)["producer"] = "sysdig"
		}},
		{"ref with file and topic", func(m alertJSON) {
			m["evidence"].([]any)[0].(map[string]any)["ref"] = map[string]any{"file": "a.log", "line": 1, "topic": "t", "partition": 0, "offset": 0}
		}},
		{"ref line 0", func(m alertJSON) {
			m["evidence"].([]any)[0].(map[string]any)["ref"] = map[string]any{"file": "a.log", "line": 0}
		}},
		{"no containment", func(m alertJSON) { m["containment"] = []any{} }},
		{"null groups", func(m alertJSON) { m["actor"].(map[string]any)["groups"] = nil }},
		{"unknown top-level field", func(m alertJSON) { m["tenant"] = "acme" }},
		{"unknown container field", func(m alertJSON) { m["container"].(map[string]any)["runtime"] = "containerd" }},
	}
	for _, base := range testAlerts() {
		for _, tc := range cases {
			t.Run(base.name+"/"+tc.name, func(t *testing.T) {
				m := instance(t, base.alert).(map[string]any)
				tc.mutate(m)
				if err := sch.Validate(m); err == nil {
					t.Errorf("invalid alert (%s) accepted", tc.name)
				}
			})
		}
	}
}

func TestSchemasAreCopies(t *testing.T) {
	a := AlertSchema()
	a[0] = 'x'
	if AlertSchema()[0] != '{' {
		t.Error("AlertSchema returned the embedded bytes, not a copy")
	}
	e := EventSchema()
	e[0] = 'x'
	if EventSchema()[0] != '{' {
		t.Error("EventSchema returned the embedded bytes, not a copy")
	}
}
