package correlate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/escapewatch/escapewatch/schemas"
)

func TestPolicyFiles(t *testing.T) {
	// Each bad file must fail with a message naming what to fix.
	wantErr := map[string]string{
		"unknown-key.bad.yml":         "windwos",
		"bad-duration.bad.yml":        `"ten minutes" is not a duration`,
		"negative.bad.yml":            "windows.skew is negative",
		"skew-over-window.bad.yml":    "windows.skew (2m0s) is larger than windows.window (1m0s)",
		"unknown-rule.bad.yml":        `unknown rule "ESC-X99"`,
		"bad-severity.bad.yml":        `rules.ESC-A01.severity: unknown severity "urgent"`,
		"allow-everything.bad.yml":    "would exempt everything",
		"allow-star.bad.yml":          `pattern "*" matches anything`,
		"allow-process-start.bad.yml": "processes apply to action rules only",
		"relative-path.bad.yml":       `sensitive path "etc" is not absolute`,
		"unknown-cap.bad.yml":         `"SYS_EVERYTHING" is not a Linux capability`,
		"two-docs.bad.yml":            "more than one YAML document",
		"evidence-cap.bad.yml":        "limits.max_evidence must be at least 2",
	}
	files, err := filepath.Glob("testdata/policies/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no policy fixtures: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			_, err := LoadPolicy(f)
			if strings.HasSuffix(name, ".good.yml") {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			want, ok := wantErr[name]
			if !ok {
				t.Fatalf("no expected error listed for %s", name)
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error = %v, want it to contain %q", err, want)
			}
		})
	}
}

func TestPolicyValues(t *testing.T) {
	p, err := LoadPolicy("testdata/policies/full.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Windows.Window.D() != 15*time.Minute || p.Windows.LinkWait.D() != 0 || p.Windows.Skew.D() != 30*time.Second {
		t.Errorf("windows = %+v", p.Windows)
	}
	if p.Enabled(RuleA02) || !p.Enabled(RuleA01) {
		t.Error("ESC-A02 should be off and ESC-A01 on")
	}
	if got := p.Severity(RuleS03); got != schemas.SeverityMedium {
		t.Errorf("ESC-S03 severity = %s", got)
	}
	if p.dangerousCaps != schemas.CapBit("SYS_ADMIN")|schemas.CapBit("SYS_MODULE")|schemas.CapBit("SYS_PTRACE") {
		t.Errorf("dangerous caps = %x", p.dangerousCaps)
	}
	if len(p.sensitive) != len(DefaultSensitivePaths())+1 {
		t.Errorf("sensitive paths = %v", p.sensitive)
	}
	// default_allowlist: false drops the families.
	if got := p.allowed(allowSubject{image: "quay.io/calico/node:v3.27"}); got != 0 {
		t.Errorf("calico allowlisted with the default allowlist off: %v", got.IDs())
	}
	ci := p.allowed(allowSubject{image: "registry.example.com/ci/runner-x:1", namespace: "ci"})
	if !ci.Has(RuleS01) || !ci.Has(RuleA08) || ci.Has(RuleS02) {
		t.Errorf("ci runner allow = %v", ci.IDs())
	}
	if p.allowed(allowSubject{image: "registry.example.com/ci/runner-x:1", namespace: "prod"}) != 0 {
		t.Error("the namespace selector must also match")
	}
	if !p.allowed(allowSubject{users: []string{"bob"}, groups: []string{"sre"}}).Has(RuleS07) {
		t.Error("group:sre should match a member of sre")
	}
	proc := allowSubject{image: "quay.io/backup/agent:2", process: "mount"}
	if !p.allowed(proc).Has(RuleA03) {
		t.Error("the backup agent's mount should be allowlisted")
	}
	proc.process = "nsenter"
	if p.allowed(proc).Has(RuleA03) {
		t.Error("another process of the backup agent must not be allowlisted")
	}
}

func TestDefaultPolicyEmptyFile(t *testing.T) {
	p, err := ParsePolicy(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := DefaultPolicy()
	if p.Windows != d.Windows || p.Limits != d.Limits || !p.DefaultAllowlist {
		t.Errorf("empty policy differs from the default: %+v", p.Windows)
	}
}

func TestBuiltinAllowlist(t *testing.T) {
	p := DefaultPolicy()
	cases := []struct {
		image string
		rule  RuleID
		want  bool
	}{
		{"quay.io/calico/node:v3.27.0", RuleS01, true},
		{"docker.io/calico/node", RuleA01, true},
		{"calico/cni:v3.27.0", RuleS04, true},
		{"calico/node-exporter-fake:1", RuleS01, false},
		{"evilcalico/node:1", RuleS01, false},
		{"quay.io/cilium/cilium@sha256:abcd", RuleA01, true},
		{"registry.k8s.io/kube-proxy:v1.30.0", RuleA07, true},
		{"registry.k8s.io/kube-proxy:v1.30.0", RuleA04, false},
		{"docker.io/falcosecurity/falco-driver-loader:0.38", RuleA07, true},
		{"nginx:1.25", RuleS01, false},
		{"602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18", RuleS02, true},
		{"registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.10.0", RuleA03, true},
	}
	for _, c := range cases {
		got := p.allowed(allowSubject{image: c.image}).Has(c.rule)
		if got != c.want {
			t.Errorf("%s %s: allowed = %v, want %v", c.image, c.rule, got, c.want)
		}
	}
}

func TestGlob(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"registry.example.com/ci/*", "registry.example.com/ci/runner", true},
		{"*/calico/node", "quay.io/calico/node", true},
		{"*/calico/node", "calico/node", false},
		{"kube-*", "kube-system", true},
		{"kube-?", "kube-s", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
	}
	for _, c := range cases {
		if got := glob(c.pat, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v", c.pat, c.s, got)
		}
	}
}

func TestPolicyFileMissing(t *testing.T) {
	_, err := LoadPolicy(filepath.Join(t.TempDir(), "nope.yml"))
	if err == nil || !os.IsNotExist(errorsUnwrapAll(err)) {
		t.Fatalf("err = %v", err)
	}
}

func errorsUnwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}
