package containerd

import (
	"bufio"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

const publicDir = "../../../testdata/public/containerd"

// summary is the part of an event these tests compare.
type summary struct {
	Time      string
	Kind      schemas.Kind
	Container schemas.Container
	Pod       schemas.Pod
	Session   schemas.Session
	Statuses  []schemas.ContainerStatus
	Spec      *schemas.PodSpec
	PID       int64
	Node      string
}

func summarize(ev *schemas.Event) summary {
	return summary{
		Time:      ev.Time.Format(time.RFC3339Nano),
		Kind:      ev.Kind,
		Container: ev.Container,
		Pod:       ev.Pod,
		Session:   ev.Session,
		Statuses:  ev.Statuses,
		Spec:      ev.Spec,
		PID:       ev.Process.PID,
		Node:      ev.Node,
	}
}

func assertSummary(t *testing.T, ev *schemas.Event, want summary) {
	t.Helper()
	if got := summarize(ev); !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n got %+v\nwant %+v", got, want)
	}
}

// assertInvariants checks what every decoded event must satisfy.
func assertInvariants(t *testing.T, ev *schemas.Event) {
	t.Helper()
	if ev.Time.IsZero() || ev.Time.Location() != time.UTC {
		t.Errorf("time %v is zero or not UTC", ev.Time)
	}
	if ev.Source != schemas.SourceRuntime || (ev.Producer != schemas.ProducerContainerd && ev.Producer != schemas.ProducerCRIO) || ev.Kind == schemas.KindUnknown {
		t.Errorf("source %v producer %v kind %v", ev.Source, ev.Producer, ev.Kind)
	}
	if id := ev.Container.ID; id != "" {
		if norm, _ := schemas.NormalizeContainerID(id); norm != id {
			t.Errorf("container id %q is not normalized", id)
		}
	}
}

// lines returns the non-blank lines of a file, numbered from 1.
func lines(t testing.TB, path string) map[int]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[int]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			out[n] = s
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// objects returns the objects of a JSON file holding one object or an array.
func objects(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := gjson.ParseBytes(b)
	if !doc.IsArray() {
		return []string{doc.Raw}
	}
	var out []string
	doc.ForEach(func(_, v gjson.Result) bool {
		out = append(out, v.Raw)
		return true
	})
	return out
}

func reasonOf(err error) parse.Reason { return parse.ReasonOf(err) }

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := parse.RFC3339(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
