package correlate

import (
	"strings"
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
)

// TestBuiltinFamiliesAnchored checks that a family is recognised only under
// the registries its project publishes to, helpers and init containers
// included, and never from a look-alike repository under someone else's
// registry or organisation (CONTRACT §5: "it never allowlists anything in a
// container that is not one of them").
func TestBuiltinFamiliesAnchored(t *testing.T) {
	p := DefaultPolicy()
	cases := []struct {
		image string
		rule  RuleID
		want  bool
	}{
		// the real repositories, in the forms runtimes report them
		{"registry.k8s.io/kube-proxy:v1.30.3", RuleS01, true},
		{"602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/kube-proxy:v1.30.0-minimal-eksbuild.3", RuleA07, true},
		{"918309763551.dkr.ecr.cn-north-1.amazonaws.com.cn/eks/kube-proxy:v1.30.0", RuleS01, true},
		{"mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.29.2", RuleS01, true},
		{"quay.io/calico/node:v3.27.0", RuleA01, true},
		{"docker.io/calico/node:v3.27.0", RuleA01, true},
		{"calico/node:v3.27.0", RuleA01, true},
		{"index.docker.io/calico/node:v3.27.0", RuleS01, true},
		{"quay.io/cilium/cilium:v1.15.1@sha256:abc", RuleA02, true},
		{"docker.io/falcosecurity/falco-no-driver:0.37.1", RuleA07, true},
		{"public.ecr.aws/falcosecurity/falco:0.38.2", RuleA08, true},
		{"gcr.io/datadoghq/agent:7.57.2", RuleA08, true},
		{"registry.crowdstrike.com/falcon-sensor/us-1/release/falcon-sensor:7.10.0", RuleS01, true},
		// a family's helpers and init containers
		{"docker.io/calico/cni:v3.27.0", RuleS04, true},
		{"docker.io/calico/pod2daemon-flexvol:v3.27.0", RuleS01, true},
		{"docker.io/falcosecurity/falco-driver-loader:0.37.1", RuleA07, true},
		{"quay.io/cilium/hubble-export-stdout:v1.0.4", RuleS01, true},
		{"602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon-k8s-cni-init:v1.18.3", RuleS01, true},
		// look-alikes: the family's name under another owner or registry
		{"ghcr.io/mallory/kube-proxy:latest", RuleS01, false},
		{"ghcr.io/mallory/kube-proxy:latest", RuleS04, false},
		{"kube-proxy:latest", RuleS01, false},
		{"evil.example/calico/node:v3", RuleS01, false},
		{"quay.io/mallory/calico/node:v3", RuleS01, false},
		{"mallory/cilium:v1", RuleS01, false},
		{"ghcr.io/mallory/falcosecurity/falco:1", RuleA07, false},
		{"evil.example/602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/kube-proxy:v1", RuleS01, false},
		{"602401143452.dkr.ecr.eu-west-1.amazonaws.com.evil.example/eks/kube-proxy:v1", RuleS01, false},
		{"602401143452.dkr.ecr.eu-west-1.amazonaws.com/mallory/eks/kube-proxy:v1", RuleS01, false},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/eks/kube-proxy:v1", RuleS01, false}, // anyone's ECR account
		{"877085696533.dkr.ecr.af-south-1.amazonaws.com/eks/kube-proxy:v1.30.0", RuleS01, true},
		{"calico/node-exporter-fake:1", RuleS01, false},
		// rules a family is not allowlisted for
		{"registry.k8s.io/kube-proxy:v1.30.0", RuleA04, false},
		{"quay.io/calico/node:v3.27.0", RuleS07, false},
	}
	for _, c := range cases {
		if got := p.allowed(allowSubject{image: c.image}).Has(c.rule); got != c.want {
			t.Errorf("%s %s: allowed = %v, want %v", c.image, c.rule, got, c.want)
		}
	}
}

// TestBuiltinCSINodePlugins covers the CSI node plugins of the managed
// Kubernetes offerings, under their real registry paths (probes p19, p19b).
func TestBuiltinCSINodePlugins(t *testing.T) {
	p := DefaultPolicy()
	for _, image := range []string{
		"602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/aws-ebs-csi-driver:v1.35.0-eksbuild.1",
		"602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/aws-efs-csi-driver:v2.0.7-eksbuild.1",
		"public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.35.0",
		"registry.k8s.io/provider-aws/aws-ebs-csi-driver:v1.35.0",
		"mcr.microsoft.com/oss/v2/kubernetes-csi/azuredisk-csi:v1.30.3",
		"mcr.microsoft.com/oss/v2/kubernetes-csi/azurefile-csi:v1.30.5",
		"mcr.microsoft.com/oss/kubernetes-csi/azuredisk-csi:v1.29.1",
		"quay.io/tigera/cnx-node:v3.19.1",
	} {
		got := p.allowed(allowSubject{image: image})
		for _, r := range []RuleID{RuleS01, RuleS04} {
			if !got.Has(r) {
				t.Errorf("%s: not allowlisted for %s", image, r)
			}
		}
	}
	csi := p.allowed(allowSubject{image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/aws-ebs-csi-driver:v1.35.0"})
	if !csi.Has(RuleA03) || !csi.Has(RuleA10) {
		t.Errorf("the EBS node plugin mounts and opens disks; allowed = %v", csi.IDs())
	}
	if p.allowed(allowSubject{image: "ghcr.io/mallory/aws-ebs-csi-driver:v1"}) != 0 {
		t.Error("a look-alike CSI image is allowlisted")
	}
}

// TestLookAlikeImageRaises runs probe p12's look-alike: a privileged pod
// from ghcr.io/mallory/kube-proxy with the host's / mounted must raise
// everything a pod of any other image would.
func TestLookAlikeImageRaises(t *testing.T) {
	spec := schemas.PodSpec{HostPID: true, Volumes: []schemas.Volume{{Name: "root", HostPath: "/"}},
		Containers: []schemas.ContainerSpec{ctr("x", "ghcr.io/mallory/kube-proxy:latest", true,
			schemas.HostMount{Source: "/", Target: "/host"})}}
	alerts := scanEvents(t, nil,
		podCreate(0, "default", "kp", "uid-kp", "mallory@example.com", spec),
		podStatus(5, "default", "kp", "uid-kp", status("x")),
		falcoExec(30, cid("x"), "node-1", "mount", "/dev/sda1 /mnt/h"),
	)
	for _, rule := range []string{"ESC-S01", "ESC-S02", "ESC-S04", "ESC-A03", "ESC-C01"} {
		if len(find(alerts, rule)) == 0 {
			t.Errorf("no %s; alerts %v", rule, ruleList(alerts))
		}
	}
}

// TestPolicyFamilyEntry checks that a policy can grant a private mirror of a
// family's images the family's rules.
func TestPolicyFamilyEntry(t *testing.T) {
	p := mustPolicy(t, `
allowlist:
  - name: calico-mirror
    images: ["registry.corp.example/mirror/calico/*"]
    family: calico
  - name: kube-proxy-mirror
    images: ["registry.corp.example/mirror/kube-proxy"]
    family: kube-proxy
    rules: [ESC-A01]
`)
	mirror := p.allowed(allowSubject{image: "registry.corp.example/mirror/calico/node:v3.27.0"})
	if want := builtinRules(t, "calico"); mirror != want {
		t.Errorf("mirror allowed %v, want the calico family's %v", mirror.IDs(), want.IDs())
	}
	kp := p.allowed(allowSubject{image: "registry.corp.example/mirror/kube-proxy:v1.30"})
	if !kp.Has(RuleA01) || !kp.Has(RuleA07) || !kp.Has(RuleS01) {
		t.Errorf("family rules plus the listed ones expected, got %v", kp.IDs())
	}
	if p.allowed(allowSubject{image: "registry.corp.example/other/calico/node:v3"}) != 0 {
		t.Error("the entry's images selector must still match")
	}
	_, err := ParsePolicy([]byte("allowlist:\n  - name: x\n    images: [a/b]\n    family: calicoo\n"))
	if err == nil || !strings.Contains(err.Error(), `unknown family "calicoo"`) || !strings.Contains(err.Error(), "calico,") {
		t.Errorf("err = %v, want it to name the unknown family and list the known ones", err)
	}
}

func builtinRules(t *testing.T, name string) RuleSet {
	t.Helper()
	f, err := findFamily(name)
	if err != nil {
		t.Fatal(err)
	}
	return f.rules()
}

// TestPolicyExampleIsValid keeps deploy/config/policy.example.yaml loadable
// and checks its mirror entry does what its comment says.
func TestPolicyExampleIsValid(t *testing.T) {
	p, err := LoadPolicy("../deploy/config/policy.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.allowed(allowSubject{image: "registry.corp.example/mirror/calico/node:v3.28.1"}); !got.Has(RuleA01) {
		t.Errorf("the example's calico mirror entry gives %v", got.IDs())
	}
}

func TestRepoGlob(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"*.dkr.ecr.*.amazonaws.com/eks/kube-proxy", "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy", true},
		{"*.dkr.ecr.*.amazonaws.com/eks/kube-proxy", "a.b.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy", false},
		{"*.dkr.ecr.*.amazonaws.com/eks/kube-proxy", "x/602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy", false},
		{"registry.crowdstrike.com/falcon-sensor/*/release/falcon-sensor", "registry.crowdstrike.com/falcon-sensor/us-1/release/falcon-sensor", true},
		{"registry.crowdstrike.com/falcon-sensor/*/release/falcon-sensor", "registry.crowdstrike.com/falcon-sensor/a/b/release/falcon-sensor", false},
		{"quay.io/calico/node", "quay.io/calico/node", true},
		{"quay.io/calico/node", "quay.io/calico/node2", false},
	}
	for _, c := range cases {
		if got := repoGlob(c.pat, c.s); got != c.want {
			t.Errorf("repoGlob(%q, %q) = %v", c.pat, c.s, got)
		}
	}
}
