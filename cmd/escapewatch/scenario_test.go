package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/escapewatch/escapewatch/schemas"
)

var update = flag.Bool("update", false, "rewrite the scenario golden files")

// scenarioDir is relative to the repository root; the tests run from there
// so that evidence refs read as a user would see them.
const scenarioDir = "testdata/scenarios"

// expectation is a scenario's expect.yaml: what a detection engineer says
// the scenario must produce, written by hand, independent of the golden file.
type expectation struct {
	Description string `yaml:"description"`
	// Policy is a policy file in the scenario folder, if the scenario tunes
	// detection.
	Policy string `yaml:"policy"`
	// Alerts lists every alert the scenario produces, as a multiset of
	// rule and severity; the optional fields must match too.
	Alerts []expectedAlert `yaml:"alerts"`
	// Reorder sets scan's reorder window for this scenario.
	Reorder int `yaml:"reorder"`
}

type expectedAlert struct {
	Rule      string `yaml:"rule"`
	Severity  string `yaml:"severity"`
	Pod       string `yaml:"pod"`       // namespace/name
	Container string `yaml:"container"` // container name
	Escalate  *bool  `yaml:"escalate"`
	// Evidence is the minimum number of evidence items.
	Evidence int `yaml:"evidence"`
	// Actor is the alert's actor user.
	Actor string `yaml:"actor"`
}

func loadScenarios(t *testing.T) []string {
	t.Helper()
	t.Chdir("../..")
	entries, err := os.ReadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(scenarioDir, e.Name()))
		}
	}
	if len(dirs) == 0 {
		t.Fatal("no scenarios")
	}
	return dirs
}

func readExpectation(t *testing.T, dir string) expectation {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "expect.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var exp expectation
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&exp); err != nil {
		t.Fatalf("expect.yaml: %v", err)
	}
	if strings.TrimSpace(exp.Description) == "" {
		t.Fatal("expect.yaml has no description")
	}
	return exp
}

func scanArgs(dir string, exp expectation, format string) []string {
	args := []string{"scan", "--quiet", "--format", format}
	if exp.Policy != "" {
		args = append(args, "--policy", filepath.Join(dir, exp.Policy))
	}
	if exp.Reorder > 0 {
		args = append(args, "--reorder", fmt.Sprint(exp.Reorder))
	}
	return append(args, dir)
}

func scan(t *testing.T, args []string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &errb})
	if code != 0 {
		t.Fatalf("escapewatch %s: exit %d\n%s", strings.Join(args, " "), code, errb.String())
	}
	if errb.Len() > 0 {
		t.Logf("stderr:\n%s", errb.String())
	}
	return out.Bytes()
}

// TestScenarios runs scan over every scenario and checks that (1) the alerts
// match the hand-written expectations exactly, (2) the output equals the
// golden file byte for byte, (3) a second run gives the same bytes, and (4)
// every alert is valid against the published JSON Schema.
func TestScenarios(t *testing.T) {
	dirs := loadScenarios(t)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			exp := readExpectation(t, dir)
			out := scan(t, scanArgs(dir, exp, "native"))
			alerts := parseAlerts(t, out)
			checkExpectations(t, exp, alerts)
			for _, a := range alerts {
				if err := validateAlert(a.raw); err != nil {
					t.Errorf("alert %s (%s) is not valid against the schema: %v", a.ID, a.Rule.ID, err)
				}
			}
			if again := scan(t, scanArgs(dir, exp, "native")); !bytes.Equal(out, again) {
				t.Error("a second scan gave different output")
			}
			golden := filepath.Join(dir, "alerts.golden")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/escapewatch -run TestScenarios -update to create it)", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("output differs from %s (check, then -update):\n%s", golden, lineDiff(string(want), string(out)))
			}
		})
	}
}

// TestScenarioFormats checks that every scenario also renders as OCSF and
// ECS, one JSON object per alert with the same ids.
func TestScenarioFormats(t *testing.T) {
	dirs := loadScenarios(t)
	for _, dir := range dirs {
		exp := readExpectation(t, dir)
		native := parseAlerts(t, scan(t, scanArgs(dir, exp, "native")))
		for _, format := range []string{"ocsf", "ecs"} {
			out := scan(t, scanArgs(dir, exp, format))
			lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
			if len(out) == 0 {
				lines = nil
			}
			if len(lines) != len(native) {
				t.Fatalf("%s %s: %d alerts, native has %d", dir, format, len(lines), len(native))
			}
			for i, l := range lines {
				var v struct {
					FindingInfo struct {
						UID string `json:"uid"`
					} `json:"finding_info"`
					Event struct {
						ID string `json:"id"`
					} `json:"event"`
				}
				if err := json.Unmarshal(l, &v); err != nil {
					t.Fatalf("%s %s line %d: %v", dir, format, i+1, err)
				}
				id := v.FindingInfo.UID
				if format == "ecs" {
					id = v.Event.ID
				}
				if id != native[i].ID {
					t.Errorf("%s %s line %d: id %q, native %q", dir, format, i+1, id, native[i].ID)
				}
			}
		}
	}
}

type parsedAlert struct {
	schemas.Alert
	raw []byte
}

func parseAlerts(t *testing.T, out []byte) []parsedAlert {
	t.Helper()
	var alerts []parsedAlert
	for i, line := range bytes.Split(out, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var a parsedAlert
		if err := json.Unmarshal(line, &a.Alert); err != nil {
			t.Fatalf("output line %d is not an alert: %v", i+1, err)
		}
		a.raw = line
		alerts = append(alerts, a)
	}
	return alerts
}

func checkExpectations(t *testing.T, exp expectation, alerts []parsedAlert) {
	t.Helper()
	var want, got []string
	for _, e := range exp.Alerts {
		want = append(want, e.Rule+"/"+e.Severity)
	}
	for _, a := range alerts {
		got = append(got, a.Rule.ID+"/"+a.Severity.String())
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Errorf("alerts (rule/severity)\n got  %v\n want %v", got, want)
	}
	used := make([]bool, len(alerts))
	for _, e := range exp.Alerts {
		found := false
		for i, a := range alerts {
			if used[i] || a.Rule.ID != e.Rule || a.Severity.String() != e.Severity || !matches(e, a) {
				continue
			}
			used[i], found = true, true
			break
		}
		if !found {
			t.Errorf("no %s/%s alert matches %+v", e.Rule, e.Severity, e)
		}
	}
}

func matches(e expectedAlert, a parsedAlert) bool {
	if e.Pod != "" && (a.Kubernetes == nil || a.Kubernetes.Namespace+"/"+a.Kubernetes.Pod != e.Pod) {
		return false
	}
	if e.Container != "" && (a.Container == nil || a.Container.Name != e.Container) {
		return false
	}
	if e.Escalate != nil && a.Escalate != *e.Escalate {
		return false
	}
	if e.Actor != "" && a.Actor.User != e.Actor {
		return false
	}
	return len(a.Evidence) >= e.Evidence
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var x, y string
		if i < len(w) {
			x = w[i]
		}
		if i < len(g) {
			y = g[i]
		}
		if x != y {
			fmt.Fprintf(&b, "line %d\n- %.400s\n+ %.400s\n", i+1, x, y)
			if b.Len() > 4000 {
				break
			}
		}
	}
	return b.String()
}

// TestSchemaCheckRejects makes sure the schema check used above can fail.
func TestSchemaCheckRejects(t *testing.T) {
	dirs := loadScenarios(t)
	exp := readExpectation(t, dirs[0])
	alerts := parseAlerts(t, scan(t, scanArgs(dirs[0], exp, "native")))
	if len(alerts) == 0 {
		t.Fatal("first scenario has no alerts")
	}
	bad := bytes.Replace(alerts[0].raw, []byte(`"severity":"`), []byte(`"severity":"x`), 1)
	if validateAlert(bad) == nil {
		t.Fatal("an alert with a bad severity passed the schema")
	}
}
