package correlate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/escapewatch/escapewatch/schemas"
)

// Policy tunes detection. Load it with LoadPolicy or start from
// DefaultPolicy; call Validate before use (LoadPolicy does).
type Policy struct {
	// Windows holds the event-time windows and tolerances.
	Windows Windows `yaml:"windows"`
	// Rules overrides per rule, keyed by rule code ("ESC-A02").
	Rules map[string]RuleOverride `yaml:"rules"`
	// SensitivePaths are host paths whose mounting (the path itself or any
	// parent of it) raises ESC-S04. Default: CONTRACT §4's list.
	SensitivePaths []string `yaml:"sensitive_paths"`
	// ExtraSensitivePaths are added to SensitivePaths.
	ExtraSensitivePaths []string `yaml:"extra_sensitive_paths"`
	// RuntimeSockets are the container runtime sockets for ESC-S05 and
	// ESC-A08. Default: docker, containerd, CRI-O and cri-dockerd sockets.
	RuntimeSockets []string `yaml:"runtime_sockets"`
	// DangerousCapabilities raise ESC-S03 when added. Default: CONTRACT §4.
	DangerousCapabilities []string `yaml:"dangerous_capabilities"`
	// Allowlist entries exempt known workloads from chosen rules.
	Allowlist []AllowEntry `yaml:"allowlist"`
	// DefaultAllowlist includes the built-in allowlist of well-known
	// privileged infrastructure (CNI, CSI, security and monitoring agents).
	// Default: true.
	DefaultAllowlist bool `yaml:"default_allowlist"`
	// Limits bound the memory the correlator uses.
	Limits Limits `yaml:"limits"`

	// resolved by Validate
	overrides [ruleCount]RuleOverride
	disabled  RuleSet
	sensitive []string
	// sameMountPaths are the sensitive paths that an ordinary container
	// does not have of its own; an access below one is compared with the
	// container's host mounts (ESC-A13 for host /var/lib/kubelet mounted at
	// /var/lib/kubelet).
	sameMountPaths []string
	sockets        []string
	dangerousCaps  uint64
	allow          []allowRule
}

// Windows are event-time durations (CONTRACT §4 "Time").
type Windows struct {
	// Window bounds ESC-C01 and ESC-C03 after the risky start, and the
	// grouping of repeated action hits into one alert. Default: 10m.
	Window Duration `yaml:"window"`
	// ExecWindow bounds ESC-C02 after the session start. Default: 10m.
	ExecWindow Duration `yaml:"exec_window"`
	// Skew is how much earlier than its start an action may be stamped and
	// still join it (clocks of different sources disagree). Default: 60s.
	Skew Duration `yaml:"skew"`
	// Lateness is how far behind the newest event time an event may arrive
	// and still be processed. Older events are counted and dropped.
	// Default: 2m.
	Lateness Duration `yaml:"lateness"`
	// TerminationGrace keeps a deleted pod or destroyed container joinable
	// for late actions. Default: 30s.
	TerminationGrace Duration `yaml:"termination_grace"`
	// LinkWait holds an event that names only a container id, not its pod,
	// until the container's pod is learned or this much event time passes;
	// then it is judged as a plain container. 0 judges it at once.
	// Default: 30s.
	LinkWait Duration `yaml:"link_wait"`
}

// RuleOverride changes one rule.
type RuleOverride struct {
	// Enabled turns a rule off when false. Default: true.
	Enabled *bool `yaml:"enabled"`
	// Severity replaces the rule's base severity.
	Severity string `yaml:"severity"`

	severity *schemas.Severity
}

// AllowEntry exempts matching workloads from some rules. Every selector that
// is set must match (a pattern list matches when any pattern does).
type AllowEntry struct {
	// Name identifies the entry in alerts and errors.
	Name string `yaml:"name"`
	// Images are globs over the image repository (tag and digest removed);
	// "*" matches any run of characters, including "/".
	Images []string `yaml:"images"`
	// Namespaces are globs over the pod namespace.
	Namespaces []string `yaml:"namespaces"`
	// Users are globs over the user who created the pod or started the
	// session (service accounts as system:serviceaccount:<ns>:<name>);
	// "group:<glob>" matches one of the user's groups.
	Users []string `yaml:"users"`
	// Processes are globs over the name or path of the process that acted;
	// they restrict the entry to action rules.
	Processes []string `yaml:"processes"`
	// Family names a family of the built-in allowlist (calico, cilium,
	// kube-proxy, …; `escapewatch rules --allowlist` lists them) whose
	// rules the entry grants: ESC-S01…ESC-S05 and the host actions the
	// family's agents perform. The built-in allowlist recognises a family
	// only under the registries its project publishes to, so this is how
	// a private mirror of its images is exempted the same way:
	// images: ["registry.corp.example/mirror/calico/*"], family: calico.
	Family string `yaml:"family"`
	// Rules the entry exempts from, added to the family's rules. Default:
	// ESC-S01…ESC-S05, or the family's rules when a family is named.
	Rules []string `yaml:"rules"`
}

// Limits bound state and output.
type Limits struct {
	// MaxUnits caps tracked pods and plain containers per correlator
	// (one per partition when streaming); the least recently used is
	// evicted and counted. Default: 50000.
	MaxUnits int `yaml:"max_units"`
	// MaxEvidence caps evidence items per alert; more are counted in
	// evidence_dropped. Default: 20.
	MaxEvidence int `yaml:"max_evidence"`
	// MaxActions caps the host-level actions remembered per pod for joins
	// and questions. Default: 256.
	MaxActions int `yaml:"max_actions"`
	// MaxHeld caps events held for a container link (LinkWait). Default:
	// 10000.
	MaxHeld int `yaml:"max_held"`
}

// Duration is a time.Duration written as "10m", "60s" in YAML.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return fmt.Errorf("line %d: want a duration such as 10m or 30s", n.Line)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (use e.g. 10m, 30s, 1h)", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// DefaultSensitivePaths are CONTRACT §4's sensitive host paths.
func DefaultSensitivePaths() []string {
	return []string{"/", "/etc", "/etc/kubernetes", "/etc/kubernetes/manifests", "/root", "/home",
		"/proc", "/sys", "/sys/fs/cgroup", "/dev", "/boot", "/lib/modules", "/var/lib/kubelet",
		"/var/lib/kubelet/pki", "/var/lib/docker", "/var/lib/containerd"}
}

// DefaultRuntimeSockets are the sockets of the common container runtimes.
func DefaultRuntimeSockets() []string {
	return []string{"/var/run/docker.sock", "/run/docker.sock", "/var/run/containerd/containerd.sock",
		"/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/run/crio/crio.sock",
		"/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock",
		// k3s and RKE2 run their own containerd.
		"/run/k3s/containerd/containerd.sock", "/var/run/k3s/containerd/containerd.sock"}
}

// DefaultDangerousCapabilities are CONTRACT §4's dangerous capabilities.
func DefaultDangerousCapabilities() []string {
	return []string{"SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO", "DAC_READ_SEARCH",
		"DAC_OVERRIDE", "NET_ADMIN", "BPF", "SYS_BOOT", "SYSLOG"}
}

// DefaultPolicy returns the built-in policy, validated.
func DefaultPolicy() *Policy {
	p := defaults()
	if err := p.Validate(); err != nil {
		panic("built-in policy is invalid: " + err.Error())
	}
	return p
}

// defaults returns a policy holding every default. Files are decoded over it,
// so a key that is set (even to zero) wins and an absent key keeps its
// default.
func defaults() *Policy {
	return &Policy{
		Windows: Windows{
			Window:           Duration(10 * time.Minute),
			ExecWindow:       Duration(10 * time.Minute),
			Skew:             Duration(time.Minute),
			Lateness:         Duration(2 * time.Minute),
			TerminationGrace: Duration(30 * time.Second),
			LinkWait:         Duration(30 * time.Second),
		},
		SensitivePaths:        DefaultSensitivePaths(),
		RuntimeSockets:        DefaultRuntimeSockets(),
		DangerousCapabilities: DefaultDangerousCapabilities(),
		DefaultAllowlist:      true,
		Limits:                Limits{MaxUnits: 50000, MaxEvidence: 20, MaxActions: 256, MaxHeld: 10000},
	}
}

// LoadPolicy reads a policy file strictly (unknown keys are errors),
// applies defaults and validates it.
func LoadPolicy(file string) (*Policy, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading policy: %w", err)
	}
	p, err := ParsePolicy(b)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", file, err)
	}
	return p, nil
}

// ParsePolicy parses a policy document strictly, applies defaults and
// validates it. An empty document gives the default policy.
func ParsePolicy(b []byte) (*Policy, error) {
	p := defaults()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil && !errors.Is(err, io.EOF) {
		return nil, friendlyYAMLError(err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document; a policy is a single document")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

func friendlyYAMLError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		errs := make([]error, len(te.Errors))
		for i, m := range te.Errors {
			errs[i] = errors.New(strings.Replace(m, "not found in type correlate.", "is not a known key of ", 1))
		}
		return errors.Join(errs...)
	}
	return err
}

// Validate checks the policy and prepares it for use. Every problem is
// reported, one per line, saying what to change.
func (p *Policy) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	w := p.Windows
	for _, d := range []struct {
		name string
		v    Duration
		zero bool
	}{{"window", w.Window, false}, {"exec_window", w.ExecWindow, false}, {"skew", w.Skew, true},
		{"lateness", w.Lateness, true}, {"termination_grace", w.TerminationGrace, true}, {"link_wait", w.LinkWait, true}} {
		switch {
		case d.v < 0:
			bad("windows.%s is negative (%s); use a positive duration", d.name, d.v.D())
		case d.v == 0 && !d.zero:
			bad("windows.%s must be greater than zero", d.name)
		case d.v.D() > 7*24*time.Hour:
			bad("windows.%s is %s; keep it under a week so state stays bounded", d.name, d.v.D())
		}
	}
	if w.Skew > w.Window {
		bad("windows.skew (%s) is larger than windows.window (%s)", w.Skew.D(), w.Window.D())
	}

	p.overrides = [ruleCount]RuleOverride{}
	p.disabled = 0
	codes := make([]string, 0, len(p.Rules))
	for code := range p.Rules {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		o := p.Rules[code]
		id, err := ParseRuleID(code)
		if err != nil {
			bad("rules: %v", err)
			continue
		}
		if o.Severity != "" {
			s, err := schemas.ParseSeverity(o.Severity)
			if err != nil {
				bad("rules.%s.severity: %v", code, err)
			} else {
				o.severity = &s
			}
		}
		if o.Enabled != nil && !*o.Enabled {
			p.disabled = p.disabled.With(id)
		}
		p.overrides[id] = o
	}

	p.sensitive = p.sensitive[:0]
	for _, list := range [][]string{p.SensitivePaths, p.ExtraSensitivePaths} {
		for _, s := range list {
			if !strings.HasPrefix(s, "/") {
				bad("sensitive path %q is not absolute", s)
				continue
			}
			p.sensitive = append(p.sensitive, cleanPath(s))
		}
	}
	p.sameMountPaths = p.sameMountPaths[:0]
	for _, s := range p.sensitive {
		if ownedByContainers(s) || slices.ContainsFunc(p.sensitive, func(t string) bool {
			return t != s && !ownedByContainers(t) && under(s, t) // /var/lib/kubelet covers its pki
		}) || slices.Contains(p.sameMountPaths, s) {
			continue
		}
		p.sameMountPaths = append(p.sameMountPaths, s)
	}
	p.sockets = p.sockets[:0]
	for _, s := range p.RuntimeSockets {
		if !strings.HasPrefix(s, "/") {
			bad("runtime socket %q is not absolute", s)
			continue
		}
		p.sockets = append(p.sockets, cleanPath(s))
	}
	p.dangerousCaps = 0
	for _, c := range p.DangerousCapabilities {
		bit := schemas.CapBit(c)
		if bit == 0 || bit == schemas.AllCaps {
			bad("dangerous capability %q is not a Linux capability (e.g. SYS_ADMIN)", c)
			continue
		}
		p.dangerousCaps |= bit
	}

	p.allow = p.allow[:0]
	if p.DefaultAllowlist {
		p.allow = append(p.allow, builtinAllowlist()...)
	}
	for i, e := range p.Allowlist {
		r, err := compileAllowEntry(e)
		if err != nil {
			name := e.Name
			if name == "" {
				name = fmt.Sprintf("#%d", i+1)
			}
			bad("allowlist entry %s: %v", name, err)
			continue
		}
		p.allow = append(p.allow, r)
	}

	l := p.Limits
	for _, v := range []struct {
		name string
		n    int
	}{{"max_units", l.MaxUnits}, {"max_evidence", l.MaxEvidence}, {"max_actions", l.MaxActions}, {"max_held", l.MaxHeld}} {
		if v.n < 1 {
			bad("limits.%s must be at least 1", v.name)
		}
	}
	if l.MaxEvidence < 2 {
		bad("limits.max_evidence must be at least 2 so a chain alert can show its start and its action")
	}
	return errors.Join(errs...)
}

// ownedByContainers reports whether every container has a path of its own
// there: the root, the image's top folders (/etc, /var, /usr, …) and the
// kernel's /proc, /sys and /dev. An access below them says nothing about a
// host mount at the same place; one below /var/lib/kubelet or /root does.
func ownedByContainers(path string) bool {
	switch path {
	case "/", "/etc", "/var", "/usr", "/tmp", "/run", "/var/run", "/lib", "/bin", "/sbin", "/opt", "/srv":
		return true
	}
	return under(path, "/proc") || under(path, "/sys") || under(path, "/dev")
}

// Enabled reports whether a rule is on.
func (p *Policy) Enabled(id RuleID) bool { return !p.disabled.Has(id) }

// Severity returns the base severity of a rule under this policy.
func (p *Policy) Severity(id RuleID) schemas.Severity {
	if s, ok := p.severityOf(id); ok {
		return s
	}
	return id.Info().Severity
}

// severityOf returns the configured base severity of a rule.
func (p *Policy) severityOf(id RuleID) (schemas.Severity, bool) {
	if s := p.overrides[id].severity; s != nil {
		return *s, true
	}
	return 0, false
}

// allowRule is a compiled allowlist entry.
type allowRule struct {
	name   string
	images []string // globs of a policy entry
	// repos and repoPatterns are the repositories of a built-in family:
	// exact paths, and patterns whose "*" stays within one part (repoGlob).
	repos        map[string]bool
	repoPatterns []string
	namespaces   []string
	users        []string
	processes    []string
	rules        RuleSet
}

func compileAllowEntry(e AllowEntry) (allowRule, error) {
	r := allowRule{name: e.Name, images: e.Images, namespaces: e.Namespaces, users: e.Users, processes: e.Processes}
	if len(e.Images)+len(e.Namespaces)+len(e.Users)+len(e.Processes) == 0 {
		return r, errors.New("it has no images, namespaces, users or processes, so it would exempt everything")
	}
	for _, list := range [][]string{e.Images, e.Namespaces, e.Users, e.Processes} {
		for _, g := range list {
			if strings.TrimSpace(g) == "" || strings.Trim(g, "*") == "" {
				return r, fmt.Errorf("pattern %q matches anything; name what to exempt", g)
			}
		}
	}
	if e.Family != "" {
		f, err := findFamily(e.Family)
		if err != nil {
			return r, err
		}
		r.rules = f.rules()
	} else if len(e.Rules) == 0 {
		r.rules = startPostureRules
	}
	for _, code := range e.Rules {
		id, err := ParseRuleID(code)
		if err != nil {
			return r, err
		}
		r.rules = r.rules.With(id)
	}
	if len(e.Processes) > 0 {
		for _, id := range r.rules.IDs() {
			if id.isStart() {
				return r, fmt.Errorf("processes apply to action rules only, but rules includes %s", id)
			}
		}
	}
	return r, nil
}

// startPostureRules are the rules an allowlist entry exempts by default.
var startPostureRules = RuleSet(0).With(RuleS01).With(RuleS02).With(RuleS03).With(RuleS04).With(RuleS05)

// hasProcessEntries reports whether any allowlist entry names processes.
func (p *Policy) hasProcessEntries() bool {
	for i := range p.allow {
		if len(p.allow[i].processes) > 0 {
			return true
		}
	}
	return false
}

// allowSubject is what an allowlist entry is matched against.
type allowSubject struct {
	image     string // image reference as reported
	namespace string
	users     []string // creator, session user
	groups    []string
	process   string // process name
	exe       string // process path
}

// allowed returns the rules exempted for the subject. Entries with
// processes match only when a process is given.
func (p *Policy) allowed(s allowSubject) RuleSet { return p.allowedBy(s, false) }

// userAllowed returns the rules exempted for the subject's user by the
// entries that select users: whether the person (or service account) is
// trusted, whatever the image. Image-only entries, the built-in families
// among them, never count here.
func (p *Policy) userAllowed(s allowSubject) RuleSet { return p.allowedBy(s, true) }

func (p *Policy) allowedBy(s allowSubject, userEntries bool) RuleSet {
	var set RuleSet
	repo := imageRepository(s.image)
	for i := range p.allow {
		r := &p.allow[i]
		if userEntries && len(r.users) == 0 {
			continue
		}
		if r.selectsImages() {
			if repo == "" || !r.matchImage(repo) {
				continue
			}
		}
		if len(r.namespaces) > 0 && !anyGlob(r.namespaces, s.namespace) {
			continue
		}
		if len(r.users) > 0 && !r.matchUser(s.users, s.groups) {
			continue
		}
		if len(r.processes) > 0 {
			if s.process == "" && s.exe == "" {
				continue
			}
			if !anyGlob(r.processes, s.process) && !anyGlob(r.processes, s.exe) {
				continue
			}
		}
		set |= r.rules
	}
	return set
}

func (r *allowRule) selectsImages() bool {
	return len(r.images) > 0 || len(r.repos) > 0 || len(r.repoPatterns) > 0
}

func (r *allowRule) matchImage(repo string) bool {
	if r.repos[repo] {
		return true
	}
	for _, p := range r.repoPatterns {
		if repoGlob(p, repo) {
			return true
		}
	}
	return anyGlob(r.images, repo)
}

func (r *allowRule) matchUser(users, groups []string) bool {
	for _, pat := range r.users {
		if g, ok := strings.CutPrefix(pat, "group:"); ok {
			if slices.ContainsFunc(groups, func(s string) bool { return glob(g, s) }) {
				return true
			}
			continue
		}
		if slices.ContainsFunc(users, func(s string) bool { return s != "" && glob(pat, s) }) {
			return true
		}
	}
	return false
}

// imageRepository strips the tag and digest of an image reference and the
// implicit Docker Hub prefixes, so "docker.io/library/nginx:1.25" gives
// "nginx", "docker.io/calico/node:v3" gives "calico/node" (as does
// "calico/node:v3") and "quay.io/calico/node@sha256:…" gives
// "quay.io/calico/node".
func imageRepository(image string) string {
	if i := strings.IndexByte(image, '@'); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndexByte(image, ':'); i >= 0 && !strings.Contains(image[i:], "/") {
		image = image[:i]
	}
	for _, hub := range [...]string{"docker.io/", "index.docker.io/", "registry-1.docker.io/"} {
		if rest, ok := strings.CutPrefix(image, hub); ok {
			image = rest
			break
		}
	}
	image = strings.TrimPrefix(image, "library/")
	return image
}

func anyGlob(patterns []string, s string) bool {
	if s == "" {
		return false
	}
	for _, p := range patterns {
		if glob(p, s) {
			return true
		}
	}
	return false
}

// glob matches s against a pattern where "*" matches any run of characters,
// "/" included, and "?" one character.
func glob(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			pattern = strings.TrimLeft(pattern, "*")
			if pattern == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if glob(pattern, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		default:
			if s == "" || pattern[0] != s[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}

func cleanPath(p string) string {
	c := path.Clean(p)
	if c == "." {
		return "/"
	}
	return c
}
