package decode_test

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
	"github.com/escapewatch/escapewatch/stream/files"
)

var update = flag.Bool("update", false, "rewrite golden files")

const publicFixtures = "../../testdata/public"

// notInput are fixture files that are not event streams: an auditctl rules
// file and go-libaudit's YAML test tables (their raw records are decoded by
// the auditd package's own tests).
func notInput(path string) bool {
	return strings.HasSuffix(path, ".rules") || strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".md")
}

// knownBad lists the fixture records that are expected not to decode, with
// the reason. Everything else must decode.
var knownBad = map[string]parse.Reason{
	// `docker events` doc sample with a malformed offset "Z07:00"
	"docker/docker-cli-system-events-text.log:68": parse.ReasonBadTime,
	"docker/docker-cli-system-events-text.log:69": parse.ReasonBadTime,
	"docker/docker-cli-system-events-text.log:70": parse.ReasonBadTime,
	"docker/docker-cli-system-events-text.log:71": parse.ReasonBadTime,
	// "type=UNKNOWN[1329] msg=?" carries no audit stamp
	"auditd/go-libaudit-audit-rhel7.log:31": parse.ReasonMissingField,
	// the Auditbeat documentation sample has no @timestamp
	"auditd/auditbeat-meta-execve.json:1": parse.ReasonBadTime,
}

// TestPublicFixtures decodes every record of every public fixture through
// the dispatcher and compares a one-line digest of each event with a golden
// file, so a change in any decoder's output is visible in review.
func TestPublicFixtures(t *testing.T) {
	var paths []string
	err := filepath.WalkDir(publicFixtures, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !notInput(p) {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	var digest strings.Builder
	seenBad := map[string]bool{}
	for _, p := range paths {
		rel, _ := filepath.Rel(publicFixtures, p)
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		dec := decode.New(decode.Options{})
		events := 0
		handler := func(ev *schemas.Event) error {
			events++
			fmt.Fprintf(&digest, "%s:%d %s\n", rel, ev.Ref.Line, digestOf(ev))
			return nil
		}
		err = files.Records(f, decode.DefaultMaxRecordBytes, func(r files.Record) error {
			value := r.Value
			if strings.HasSuffix(rel, ".json.golden") {
				// go-libaudit's test tables wrap each coalesced event
				// as {test_name, event}.
				value = []byte(gjson.GetBytes(value, "event").Raw)
			}
			err := dec.Decode(decode.Record{Value: value, Ref: schemas.Ref{File: rel, Line: r.Line}}, handler)
			key := fmt.Sprintf("%s:%d", rel, r.Line)
			if err != nil {
				want, ok := knownBad[key]
				if !ok || parse.ReasonOf(err) != want {
					t.Errorf("%s: %v", key, err)
				}
				seenBad[key] = true
			}
			return nil
		})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := dec.Flush(handler); err != nil {
			t.Fatal(err)
		}
		if events == 0 && !seenBad[rel+":1"] {
			t.Errorf("%s: no event decoded", rel)
		}
	}
	for k := range knownBad {
		if !seenBad[k] {
			t.Errorf("%s was expected to fail but decoded", k)
		}
	}
	golden := filepath.Join("testdata", "public-fixtures.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(digest.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got := digest.String(); got != string(want) {
		t.Errorf("decoded fixtures differ from %s (run go test -update to accept):\n%s", golden, firstDiff(string(want), got))
	}
}

func digestOf(ev *schemas.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s %s %s", ev.Producer, ev.Kind, ev.Time.Format("2006-01-02T15:04:05.000000000Z"), ev.Source)
	add := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	add("node", ev.Node)
	add("pod", strings.Trim(ev.Pod.Namespace+"/"+ev.Pod.Name, "/"))
	add("uid", ev.Pod.UID)
	add("ctr", ev.Container.ID)
	add("name", ev.Container.Name)
	if ev.Container.Host {
		add("host", "true")
	}
	if ev.Container.Privileged {
		add("privileged", "true")
	}
	add("proc", ev.Process.Command())
	if ev.Process.Args != "" {
		add("args", fmt.Sprintf("%q", clip(ev.Process.Args)))
	}
	add("syscall", ev.Syscall)
	add("file", ev.File.Path)
	if ev.File.Write {
		add("write", "true")
	}
	add("mount", strings.Trim(ev.Mount.Source+" "+ev.Mount.Target, " "))
	add("unix", ev.Net.UnixPath)
	if ev.Net.Port != 0 {
		add("port", fmt.Sprint(ev.Net.Port))
	}
	add("session", strings.Trim(ev.Session.Type+" "+ev.Session.Container, " "))
	add("sig", ev.Signature)
	add("user", ev.Actor.User)
	if ev.Spec != nil {
		var cs []string
		for _, c := range ev.Spec.Containers {
			s := c.Name
			if c.Privileged {
				s += "+priv"
			}
			for _, m := range c.Mounts {
				s += "+" + m.Source + ":" + m.Target
			}
			cs = append(cs, s)
		}
		add("spec", strings.Join(cs, ","))
		if ev.Spec.HostPID || ev.Spec.HostNetwork || ev.Spec.HostIPC {
			add("hostns", fmt.Sprintf("pid=%v,net=%v,ipc=%v", ev.Spec.HostPID, ev.Spec.HostNetwork, ev.Spec.HostIPC))
		}
	}
	for _, s := range ev.Statuses {
		add("status", s.Name+"="+schemas.ShortID(s.ID))
	}
	if ev.Denied {
		add("denied", "true")
	}
	return b.String()
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d\n- %s\n+ %s", i+1, a, b)
		}
	}
	return ""
}

// A docker event and an auditd event, as payloads of shipper wrappers.
const (
	dockerStart = `{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"ede54ee1afda366ab42f824e8a5ffd195155d853ceaec74a927f249ea270c743\",\"Attributes\":{\"image\":\"alpine\",\"name\":\"x\"}},\"time\":1461943101,\"timeNano\":1461943101381709551}`
	auditSetns  = `type=SYSCALL msg=audit(1700000000.123:42): arch=c000003e syscall=308 success=yes exit=0 a0=3 a1=20000 a2=0 a3=0 items=0 ppid=1 pid=99 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=\"nsenter\" exe=\"/usr/bin/nsenter\" key=(null)\ntype=EOE msg=audit(1700000000.123:42): `
	// Two Kubernetes audit events of a webhook batch: a list and an exec.
	auditItems = `[{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods","verb":"list","user":{"username":"u"},"objectRef":{"resource":"pods","namespace":"default"},"requestReceivedTimestamp":"2024-01-01T00:00:00.000000Z","stageTimestamp":"2024-01-01T00:00:00.100000Z"},{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a2","stage":"ResponseStarted","requestURI":"/api/v1/namespaces/default/pods/web-0/exec?command=sh&container=web","verb":"get","user":{"username":"alice"},"objectRef":{"resource":"pods","namespace":"default","name":"web-0","subresource":"exec"},"responseStatus":{"code":101},"requestReceivedTimestamp":"2024-01-01T00:00:01.000000Z","stageTimestamp":"2024-01-01T00:00:01.100000Z"}]`
)

// dispatchCases are records of each shape the dispatcher recognises, or
// must not; FuzzDecode is seeded with them.
var dispatchCases = []struct {
	name   string
	record string
	want   string // producer/kind of each event (@node), or the error reason
}{
	{"fluent bit wraps a docker event as a string",
		`{"host":"node-7","message":"` + dockerStart + `"}`,
		"docker/container_start@node-7"},
	{"audit EventList",
		`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":` + auditItems + `}`,
		"apiserver/lifecycle apiserver/session"},
	{"a JSON array of records",
		`[{"Type":"container","Action":"destroy","Actor":{"ID":"ede54ee1afda366ab42f824e8a5ffd195155d853ceaec74a927f249ea270c743","Attributes":{}},"timeNano":1461943101381709551}]`,
		"docker/container_end"},
	{"auditd record wrapped by a shipper keeps its node",
		`{"hostname":"node-3","log":"` + auditSetns + `"}`,
		"auditd/syscall@node-3"},
	{"invalid JSON", `{"Type": "container",`, "invalid_json"},
	{"unknown JSON", `{"hello":"world"}`, "unrecognized"},
	{"unknown text", `just some words`, "unrecognized"},
	{"blank", "   ", ""},
	// Recognised Tetragon export events of no detection value decode as
	// lifecycle events (dropped by the relevance gate), not unrecognized.
	{"tetragon test event",
		`{"test":{"arg0":"1","arg1":"2","arg2":"3","arg3":"4"},"node_name":"worker-1","time":"2024-06-12T09:46:03Z"}`,
		"tetragon/lifecycle@worker-1"},
	{"tetragon rate_limit_info",
		`{"rate_limit_info":{"number_of_dropped_process_events":"25"},"node_name":"worker-1","time":"2024-06-12T09:46:04Z"}`,
		"tetragon/lifecycle@worker-1"},
	{"tetragon process_usdt",
		`{"process_usdt":{"process":{"pid":7,"binary":"/usr/bin/python3"},"provider":"python","name":"function__entry"},"node_name":"worker-1","time":"2024-06-12T09:46:05Z"}`,
		"tetragon/lifecycle@worker-1"},
	{"a test object without Tetragon's node_name is not Tetragon",
		`{"test":{"ok":true},"time":"2024-06-12T09:46:03Z"}`,
		"unrecognized"},
	{"tetragon event beside a rate_limit_info that is no object",
		`{"process_exec":{"process":{"pid":7,"binary":"/bin/sh"}},"rate_limit_info":25,"node_name":"worker-1","time":"2024-06-12T09:45:12Z"}`,
		"tetragon/process@worker-1"},
	{"tetragon rate_limit_info that is no object",
		`{"rate_limit_info":25,"node_name":"worker-1","time":"2024-06-12T09:46:04Z"}`,
		"unrecognized"},
	{"containerd envelope without namespace",
		`{"timestamp":"2024-03-12T13:21:00.310000002Z","topic":"/tasks/exec-started","event":{"containerId":"4c2e6a8b0d1f3e5a7c9b1d3f5e7a9c1b3d5f7e9a1c3b5d7f9e1a3c5b7d9f1e3a","execId":"probe","pid":49001}}`,
		"containerd/session"},
	{"containerd envelope without namespace, lifecycle topic",
		`{"timestamp":"2024-03-12T13:20:00.1Z","topic":"/snapshot/prepare","event":{"key":"k8s.io/41/x","parent":"sha256:e3e5"}}`,
		"containerd/lifecycle"},
	{"a topic that is no containerd topic path",
		`{"timestamp":"2024-03-12T13:20:00.1Z","topic":"/news/today","event":{"id":"x"}}`,
		"unrecognized"},
	{"a containerd topic without its event payload",
		`{"timestamp":"2024-03-12T13:20:00.1Z","topic":"/tasks/start"}`,
		"unrecognized"},
	{"audit EventList without apiVersion",
		`{"kind":"EventList","items":` + auditItems + `}`,
		"apiserver/lifecycle apiserver/session"},
	{"audit EventList without apiVersion, items without apiVersion",
		`{"kind":"EventList","items":` + strings.ReplaceAll(auditItems, `"apiVersion":"audit.k8s.io/v1",`, "") + `}`,
		"apiserver/lifecycle apiserver/session"},
	{"core v1 EventList (kubectl get events) is not audit",
		`{"kind":"EventList","apiVersion":"v1","metadata":{"resourceVersion":"12"},"items":[{"kind":"Event","apiVersion":"v1","metadata":{"name":"web-0.17c","namespace":"default"},"involvedObject":{"kind":"Pod","name":"web-0"},"reason":"Pulled","type":"Normal"}]}`,
		"unrecognized"},
	{"EventList without apiVersion whose items are not audit events",
		`{"kind":"EventList","items":[{"kind":"Event","involvedObject":{"kind":"Pod","name":"web-0"},"reason":"Pulled"}]}`,
		"unrecognized"},
	{"journald JSON (journalctl -o json) of an auditd record",
		`{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1700000000123456","_TRANSPORT":"audit","_HOSTNAME":"node-9","SYSLOG_IDENTIFIER":"audit","MESSAGE":"` + auditSetns + `"}`,
		"auditd/syscall@node-9"},
}

func TestDispatchShapes(t *testing.T) {
	for _, c := range dispatchCases {
		t.Run(c.name, func(t *testing.T) {
			dec := decode.New(decode.Options{})
			var got []string
			handler := func(ev *schemas.Event) error {
				s := ev.Producer.String() + "/" + ev.Kind.String()
				if ev.Node != "" {
					s += "@" + ev.Node
				}
				got = append(got, s)
				return nil
			}
			err := dec.Decode(decode.Record{Value: []byte(c.record)}, handler)
			if err == nil {
				err = dec.Flush(handler)
			}
			if err != nil {
				got = append(got, string(parse.ReasonOf(err)))
			}
			if strings.Join(got, " ") != c.want {
				t.Fatalf("got %q, want %q", strings.Join(got, " "), c.want)
			}
		})
	}
}

// hostCases wrap a docker event (which names no node) in the host members
// of the shippers: the event's node is the wrapper's host.
var hostCases = []struct {
	name    string
	wrapper string // the wrapper's members before the payload
	want    string
}{
	{"node", `"node":"n1"`, "n1"},
	{"node_name", `"node_name":"n1"`, "n1"},
	{"nodeName", `"nodeName":"n1"`, "n1"},
	{"host (Vector)", `"host":"n1"`, "n1"},
	{"hostname (Fluent Bit)", `"hostname":"n1"`, "n1"},
	{"flattened host.name", `"host.name":"n1"`, "n1"},
	{"journald _HOSTNAME", `"_HOSTNAME":"n1","_TRANSPORT":"journal"`, "n1"},
	{"journald HOSTNAME (Fluent Bit strip_underscores)", `"HOSTNAME":"n1"`, "n1"},
	{"kubernetes.host (Fluent Bit, Fluentd kubernetes filters)", `"kubernetes":{"pod_name":"p","host":"n1"}`, "n1"},
	{"host.name (Beats, ECS)", `"host":{"name":"n1","hostname":"other"}`, "n1"},
	{"the preferred member wins", `"_HOSTNAME":"n3","kubernetes":{"host":"n2"},"node":"n1"`, "n1"},
	{"a flat member before the nested ones", `"kubernetes":{"host":"n2"},"hostname":"n1"`, "n1"},
	{"kubernetes.host before host.name", `"host":{"name":"n2"},"kubernetes":{"host":"n1"}`, "n1"},
	{"an empty host is skipped", `"node":"","hostname":"n1"`, "n1"},
	{"a host that is no string is skipped", `"node":7,"host":{"name":"n1"}`, "n1"},
	{"no host member", `"stream":"stdout"`, ""},
}

func TestEnvelopeHost(t *testing.T) {
	for _, c := range hostCases {
		t.Run(c.name, func(t *testing.T) {
			for _, field := range []string{"message", "log", "MESSAGE"} {
				record := `{` + c.wrapper + `,"` + field + `":"` + dockerStart + `"}`
				var got []string
				err := decode.New(decode.Options{}).Decode(decode.Record{Value: []byte(record)}, func(ev *schemas.Event) error {
					got = append(got, ev.Node)
					return nil
				})
				if err != nil || len(got) != 1 || got[0] != c.want {
					t.Errorf("%s: nodes %q, err %v; want %q", field, got, err, c.want)
				}
			}
		})
	}
	// The wrapped event's own node wins over the wrapper's host.
	record := `{"_HOSTNAME":"outer","MESSAGE":"node=inner ` + auditSetns + `"}`
	dec := decode.New(decode.Options{})
	var got []string
	keep := func(ev *schemas.Event) error { got = append(got, ev.Node); return nil }
	if err := dec.Decode(decode.Record{Value: []byte(record)}, keep); err != nil {
		t.Fatal(err)
	}
	if err := dec.Flush(keep); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "inner" {
		t.Errorf("nodes %q, want [inner]", got)
	}
}

func TestTooLarge(t *testing.T) {
	dec := decode.New(decode.Options{MaxRecordBytes: 10})
	err := dec.Decode(decode.Record{Value: []byte(`{"a":"0123456789"}`)}, func(*schemas.Event) error { return nil })
	if parse.ReasonOf(err) != parse.ReasonTooLarge {
		t.Fatalf("err = %v", err)
	}
}

func TestHandlerErrorStopsDecoding(t *testing.T) {
	stop := errors.New("stop")
	dec := decode.New(decode.Options{})
	list := `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[` +
		strings.Repeat(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"x","stage":"ResponseComplete","verb":"get","objectRef":{"resource":"pods","namespace":"a","name":"b"},"requestReceivedTimestamp":"2024-01-01T00:00:00Z"},`, 3)
	list = strings.TrimSuffix(list, ",") + `]}`
	n := 0
	err := dec.Decode(decode.Record{Value: []byte(list)}, func(*schemas.Event) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err = %v after %d events", err, n)
	}
}

// FuzzDecode feeds arbitrary records to the dispatcher: it must never panic,
// and every event it delivers must be complete.
func FuzzDecode(f *testing.F) {
	_ = filepath.WalkDir(publicFixtures, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || notInput(p) {
			return err
		}
		fh, err := os.Open(p)
		if err != nil {
			return err
		}
		defer fh.Close()
		return files.Records(fh, 1<<20, func(r files.Record) error {
			f.Add(slices.Clone(r.Value))
			return nil
		})
	})
	for _, c := range dispatchCases {
		f.Add([]byte(c.record))
	}
	for _, c := range hostCases {
		f.Add([]byte(`{` + c.wrapper + `,"message":"` + dockerStart + `"}`))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		dec := decode.New(decode.Options{})
		check := func(ev *schemas.Event) error {
			if ev.Time.IsZero() || ev.Producer == schemas.ProducerUnknown || ev.Source == schemas.SourceUnknown {
				t.Fatalf("incomplete event %+v", ev)
			}
			if id, _ := schemas.NormalizeContainerID(ev.Container.ID); id != ev.Container.ID {
				t.Fatalf("container id %q not normalized", ev.Container.ID)
			}
			kept := *ev
			kept.Detach()
			return nil
		}
		err := dec.Decode(decode.Record{Value: b}, check)
		var pe *parse.Error
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("non-decode error %v", err)
		}
		_ = dec.Flush(check)
	})
}
