package docker

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/parse"
)

func TestDecodeTextDecodesEveryRecord(t *testing.T) {
	for _, path := range []string{
		filepath.Join(publicDir, "docker-cli-system-events-text.log"),
		"testdata/events-text.log",
	} {
		for n, line := range lines(t, path) {
			var ev schemas.Event
			err := DecodeText(line, &ev)
			// The Docker docs print some times with a literal "Z07:00".
			if strings.Contains(line, "Z07:00 ") {
				if reasonOf(err) != parse.ReasonBadTime {
					t.Errorf("%s:%d: got %v, want a bad_time error", path, n, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s:%d: %v", path, n, err)
				continue
			}
			assertInvariants(t, &ev)
		}
	}
}

func TestDecodeText(t *testing.T) {
	cli := filepath.Join(publicDir, "docker-cli-system-events-text.log")
	abbreviated := schemas.Container{Name: "test", Image: "alpine:latest"}
	shell := schemas.Container{ID: shellID, Name: "shell", Image: shellImg, Runtime: "docker"}
	tests := []struct {
		name string
		file string
		line int
		want summary
	}{
		{"full id create", cli, 1, summary{Time: "2017-01-04T16:35:58.859401177Z", Kind: schemas.KindContainerStart,
			Container: schemas.Container{ID: "0fdb48addc82871eb34eb23a847cfd033dedd1a0a37bef2e6d9eb3870fc7ff37", Name: "test", Image: "alpine:latest", Runtime: "docker"}}},
		{"network connect", cli, 2, summary{Time: "2017-01-04T16:36:04.703631903Z", Kind: schemas.KindLifecycle}},
		// "0fdb...ff37" is the docs' abbreviation, not an id.
		{"abbreviated start", cli, 3, summary{Time: "2017-01-04T16:36:04.795031609Z", Kind: schemas.KindContainerStart, Container: abbreviated}},
		{"abbreviated kill", cli, 4, summary{Time: "2017-01-04T16:36:09.830268747Z", Kind: schemas.KindLifecycle, Container: abbreviated}},
		{"abbreviated destroy", cli, 60, summary{Time: "2017-01-04T16:44:29.815798344Z", Kind: schemas.KindContainerEnd, Container: abbreviated}},
		{"volume create", cli, 8, summary{Time: "2017-01-04T16:35:41.241772953Z", Kind: schemas.KindLifecycle}},
		{"volume mount", cli, 63, summary{Time: "2015-12-23T21:05:28.383462717Z", Kind: schemas.KindLifecycle}},
		{"plugin enable", cli, 79, summary{Time: "2016-07-25T17:30:14.88812737Z", Kind: schemas.KindLifecycle}},

		// Synthetic lines (testdata/events-text.log) in the docker/cli
		// prettyPrintEvent layout: sorted "key=value" attributes joined by
		// ", " after the actor id.
		{"k8s start", "testdata/events-text.log", 1, summary{Time: "2024-03-12T13:20:03.123456789Z", Kind: schemas.KindContainerStart,
			Container: shell, Pod: privPod, Statuses: []schemas.ContainerStatus{{Name: "shell", ID: shellID}}}},
		{"exec_create", "testdata/events-text.log", 2, summary{Time: "2024-03-12T13:21:00.123456789Z", Kind: schemas.KindSession,
			Container: shell, Pod: privPod, Session: schemas.Session{Type: "exec", Container: "shell", Command: "nsenter -t 1 -m -u -i -n -p -- bash"}}},
		{"exec_start with parentheses", "testdata/events-text.log", 3, summary{Time: "2024-03-12T13:21:00.223456789Z", Kind: schemas.KindSession,
			Container: shell, Pod: privPod, Session: schemas.Session{Type: "exec", Container: "shell", Command: "sh -c echo (pwned) > /host/tmp/x"}}},
		{"label value with comma", "testdata/events-text.log", 4, summary{Time: "2024-03-12T12:22:00Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{ID: "c0ffee4ba5e1", Name: "debug-box", Image: "alpine:3.19", Runtime: "docker"}}},
		{"no attributes", "testdata/events-text.log", 5, summary{Time: "2024-03-12T13:25:10Z", Kind: schemas.KindContainerEnd,
			Container: schemas.Container{ID: shellID, Runtime: "docker"}}},
		{"sandbox", "testdata/events-text.log", 6, summary{Time: "2024-03-12T13:19:59.002345678Z", Kind: schemas.KindLifecycle,
			Container: schemas.Container{ID: sandboxID, Name: "POD", Image: "k8s.gcr.io/pause:3.2", Runtime: "docker"}, Pod: privPod}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, ok := lines(t, tt.file)[tt.line]
			if !ok {
				t.Fatalf("%s has no line %d", tt.file, tt.line)
			}
			var ev schemas.Event
			if err := DecodeText(line, &ev); err != nil {
				t.Fatal(err)
			}
			assertSummary(t, &ev, tt.want)
		})
	}
}

func TestDecodeTextRejects(t *testing.T) {
	tests := []struct {
		name string
		line string
		want parse.Reason
	}{
		{"malformed offset", "2014-09-03T15:49:29.999999999Z07:00 container die 4386fb97867d (image=ubuntu:24.04)", parse.ReasonBadTime},
		{"time only", "2017-01-05T00:35:58.859401177+08:00", parse.ReasonUnrecognized},
		{"no action", "2017-01-05T00:35:58.859401177+08:00 container", parse.ReasonMissingField},
		{"no id", "2017-01-05T00:35:58.859401177+08:00 container start", parse.ReasonMissingField},
		{"only attributes", "2017-01-05T00:35:58.859401177+08:00 container (image=alpine)", parse.ReasonMissingField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev schemas.Event
			if got := reasonOf(DecodeText(tt.line, &ev)); got != tt.want {
				t.Errorf("reason %q, want %q", got, tt.want)
			}
		})
	}
}
