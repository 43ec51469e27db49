package parse

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestTapeNavigation(t *testing.T) {
	var tp Tape
	doc := ` {"a": {"b": [1, "x\u00e9", {"c": true}], "d\"k": null}, "e": -1.5e3, "f": "pl\nain", "g": "123"} `
	if err := tp.Parse(doc); err != nil {
		t.Fatal(err)
	}
	root := tp.Root()
	if tp.Kind(root) != KindObject || tp.Raw(root) != strings.TrimSpace(doc) {
		t.Fatalf("root = %v %q", tp.Kind(root), tp.Raw(root))
	}
	b := tp.Path(root, "a", "b")
	if tp.Kind(b) != KindArray || tp.Raw(b) != `[1, "x\u00e9", {"c": true}]` {
		t.Fatalf("a.b = %q", tp.Raw(b))
	}
	if s := tp.Str(tp.Index(b, 1)); s != "xé" {
		t.Errorf("a.b[1] = %q", s)
	}
	if !tp.Bool(tp.Get(tp.Index(b, 2), "c")) {
		t.Error("a.b[2].c should be true")
	}
	if n := tp.Get(tp.Get(root, "a"), `d"k`); tp.Kind(n) != KindNull || !n.Exists() {
		t.Errorf(`a.d"k = %v`, tp.Kind(n))
	}
	if v, ok := tp.Int(tp.Get(root, "e")); !ok || v != -1500 {
		t.Errorf("e = %d %v", v, ok)
	}
	if s := tp.Str(tp.Get(root, "f")); s != "pl\nain" {
		t.Errorf("f = %q", s)
	}
	if v, ok := tp.Int(tp.Get(root, "g")); !ok || v != 123 {
		t.Errorf("g = %d", v)
	}
	if tp.Get(root, "missing").Exists() || tp.Path(root, "a", "zz", "b").Exists() || tp.Str(Missing) != "" {
		t.Error("missing values must read as missing")
	}
	var keys []string
	for c := tp.First(root); c.Exists(); c = tp.Next(c) {
		keys = append(keys, tp.Key(c))
	}
	if strings.Join(keys, ",") != "a,e,f,g" {
		t.Errorf("keys = %v", keys)
	}
	if tp.First(tp.Get(tp.Index(b, 2), "c")).Exists() {
		t.Error("a boolean has no members")
	}
}

func TestTapeEmptyContainers(t *testing.T) {
	var tp Tape
	if err := tp.Parse(`{"a":{},"b":[],"c":1}`); err != nil {
		t.Fatal(err)
	}
	r := tp.Root()
	if tp.First(tp.Get(r, "a")).Exists() || tp.First(tp.Get(r, "b")).Exists() {
		t.Error("empty containers have no children")
	}
	if v, _ := tp.Int(tp.Get(r, "c")); v != 1 {
		t.Error("sibling after empty containers lost")
	}
}

func TestTapeRejects(t *testing.T) {
	var tp Tape
	for _, bad := range []string{``, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `{"a":01}`, `{"a":1.}`, `{"a":-}`,
		`{"a":"\x"}`, "{\"a\":\"\x01\"}", `{"a":tru}`, `{"a":1} x`, `{"a":"\u12"}`, `{a:1}`, strings.Repeat("[", 600) + strings.Repeat("]", 600)} {
		if err := tp.Parse(bad); err == nil || ReasonOf(err) != ReasonInvalidJSON {
			t.Errorf("Parse(%.30q) = %v, want invalid_json", bad, err)
		}
	}
}

func TestTapeDoesNotAllocate(t *testing.T) {
	var tp Tape
	doc := `{"process_exec":{"process":{"binary":"/usr/bin/curl","arguments":"-s http://x","pod":{"namespace":"a","name":"b"}},"parent":{"binary":"/bin/sh"}},"node_name":"n","time":"2024-01-01T00:00:00Z"}`
	_ = tp.Parse(doc)
	allocs := testing.AllocsPerRun(100, func() {
		if err := tp.Parse(doc); err != nil {
			t.Fatal(err)
		}
		p := tp.Path(tp.Root(), "process_exec", "process", "pod", "name")
		if tp.Str(p) != "b" {
			t.Fatal("lookup failed")
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per parse", allocs)
	}
}

// FuzzTape checks the tape against gjson: the same documents are valid, and
// for valid ones every member has the key, raw text and string value gjson
// gives.
func FuzzTape(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,2,{"b":"c"}]`, `{"k\"e":"v\u0041\ud83d\ude00"}`, `"x"`, `-0.5e+7`, ` true `,
		`{"a":[],"b":{},"c":null}`, `{"a":"\/\b\f\n\r\t"}`, `{"a":1}{"b":2}`, `01`, `[1,]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var tp Tape
		err := tp.Parse(s)
		deep := strings.Count(s, "[")+strings.Count(s, "{") > maxDepth
		if valid := gjson.Valid(s); (err == nil) != valid && !deep {
			t.Fatalf("tape error %v, gjson.Valid %v for %q", err, valid, s)
		}
		if err != nil {
			return
		}
		compare(t, &tp, tp.Root(), gjson.Parse(s))
	})
}

func compare(t *testing.T, tp *Tape, n Node, r gjson.Result) {
	t.Helper()
	if tp.Raw(n) != strings.TrimRight(r.Raw, " \t\r\n") {
		t.Fatalf("raw %q, gjson %q", tp.Raw(n), r.Raw)
	}
	if r.Type == gjson.String && tp.Str(n) != r.Str {
		t.Fatalf("string %q, gjson %q", tp.Str(n), r.Str)
	}
	if !r.IsObject() && !r.IsArray() {
		return
	}
	c := tp.First(n)
	r.ForEach(func(k, v gjson.Result) bool {
		if !c.Exists() {
			t.Fatalf("tape has fewer members than gjson in %q", r.Raw)
		}
		if r.IsObject() && tp.Key(c) != k.Str {
			t.Fatalf("key %q, gjson %q", tp.Key(c), k.Str)
		}
		compare(t, tp, c, v)
		c = tp.Next(c)
		return true
	})
	if c.Exists() {
		t.Fatalf("tape has more members than gjson in %q", r.Raw)
	}
}
