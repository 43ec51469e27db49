package parse

import (
	"os"
	"testing"

	"github.com/tidwall/gjson"
)

func benchDoc(b *testing.B) []byte {
	doc, err := os.ReadFile("testdata/bench-tetragon-exec.json")
	if err != nil {
		b.Fatal(err)
	}
	return doc
}

// BenchmarkTape and BenchmarkValidBytes compare building the tape with a
// bare gjson validation of the same document.
func BenchmarkTape(b *testing.B) {
	doc := string(benchDoc(b))
	var t Tape
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := t.Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidBytes(b *testing.B) {
	doc := benchDoc(b)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if !gjson.ValidBytes(doc) {
			b.Fatal("invalid")
		}
	}
}
