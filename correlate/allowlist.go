package correlate

import (
	"fmt"
	"slices"
	"strings"
)

// A family of well-known privileged infrastructure: the image repositories
// under which its project (or the cloud vendor that ships it) publishes its
// agents, init containers and helpers, and the rules it is exempt from.
//
// Repositories are full paths including the registry host, because a
// repository name proves nothing on its own: anyone can push
// ghcr.io/mallory/kube-proxy. Only registry namespaces that the project or
// the vendor controls are listed: Docker Hub organisations (written without
// a host, the form imageRepository gives for docker.io: "calico/node"),
// quay.io, registry.k8s.io, gcr.io and gke.gcr.io, public.ecr.aws, EKS's
// regional ECR registries (the AWS accounts EKS publishes its add-ons from,
// never ECR at large: any account may name a repository eks/kube-proxy),
// mcr.microsoft.com and the project's own ghcr.io organisation. In a
// repository pattern "*" matches within one part of a host name or path
// (never across "." or "/"), so "602401143452.dkr.ecr.*.amazonaws.com/"
// covers every region of that account and nothing else.
//
// Images pulled through a private mirror are not recognised; a policy entry
// with "family:" grants a mirror's repositories the same rules.
type family struct {
	name    string
	repos   []string
	actions []RuleID // host actions the agents are known to perform
}

// Registry locations, as prefixes of a repository path.
var (
	dockerHub = []string{""}
	// EKS add-on images live in one ECR account per region (AWS's table of
	// add-on registries); a region missing here needs a family: entry.
	eksECR      = eksRegistries()
	rancher     = []string{"", "registry.rancher.com/"} // Docker Hub's rancher organisation and Rancher Prime
	k8sRegistry = []string{"registry.k8s.io/", "k8s.gcr.io/"}
	gke         = []string{"gke.gcr.io/", "gcr.io/gke-release/"}
	mcrOSS      = []string{"mcr.microsoft.com/oss/", "mcr.microsoft.com/oss/v2/"}
)

// eksAccounts are the AWS accounts of EKS's add-on registries.
var eksAccounts = []string{
	"602401143452", // most regions
	"877085696533", // af-south-1
	"800184023465", // ap-east-1
	"533267051163", // ap-east-2
	"296578399912", // ap-southeast-3
	"900889452093", // ap-south-2
	"491585149902", // ap-southeast-4
	"151610086707", // ap-southeast-5
	"333609536671", // ap-southeast-6
	"121268973566", // ap-southeast-7
	"590381155156", // eu-south-1
	"455263428931", // eu-south-2
	"900612956339", // eu-central-2
	"558608220178", // me-south-1
	"759879836304", // me-central-1
	"066635153087", // il-central-1
	"151742754352", // us-gov-east-1
	"013241004608", // us-gov-west-1
	"918309763551", // cn-north-1
	"961992271922", // cn-northwest-1
}

func eksRegistries() []string {
	var out []string
	for _, a := range eksAccounts {
		out = append(out, a+".dkr.ecr.*.amazonaws.com/", a+".dkr.ecr-fips.*.amazonaws.com/", a+".dkr.ecr.*.amazonaws.com.cn/")
	}
	return out
}

// at returns every path under every location.
func at(locations []string, paths ...string) []string {
	out := make([]string, 0, len(locations)*len(paths))
	for _, l := range locations {
		for _, p := range paths {
			out = append(out, l+p)
		}
	}
	return out
}

// Agents that enrich their telemetry with container metadata (Falco,
// Tetragon, Tracee, Sysdig, Datadog, cAdvisor, Elastic Agent, KubeArmor)
// talk to the runtime socket by design, so ESC-A08 is theirs too.
//
// The families follow the allowlists of the public detection anchors
// (Falco's falco_privileged_images and falco_sensitive_mount_images, the
// k8saudit plugin's lists, Elastic's exclusions); see
// shared/research/detections.md §5.
var builtinFamilies = []family{
	{name: "calico", repos: slices.Concat(
		at([]string{"", "quay.io/", "mcr.microsoft.com/oss/"}, "calico/node", "calico/cni", "calico/pod2daemon-flexvol",
			"calico/csi", "calico/node-driver-registrar", "calico/typha", "calico/kube-controllers", "calico/node-windows",
			"calico/cni-windows"),
		// Calico Enterprise and the operator that installs either.
		at([]string{"quay.io/"}, "tigera/cnx-node", "tigera/cni", "tigera/pod2daemon-flexvol", "tigera/csi",
			"tigera/node-driver-registrar", "tigera/typha", "tigera/kube-controllers", "tigera/operator"),
		at([]string{"mcr.microsoft.com/oss/"}, "tigera/operator"),
		at([]string{"gcr.io/projectcalico-org/", "gke.gcr.io/calico/"}, "node", "cni", "typha"),
		at(rancher, "rancher/mirrored-calico-node", "rancher/mirrored-calico-cni", "rancher/mirrored-calico-pod2daemon-flexvol",
			"rancher/mirrored-calico-typha", "rancher/mirrored-calico-kube-controllers")),
		actions: []RuleID{RuleA01, RuleA03, RuleA07, RuleA13, RuleA16}},
	{name: "cilium", repos: slices.Concat(
		at([]string{"quay.io/cilium/", "cilium/"}, "cilium", "cilium-dev", "operator", "operator-generic", "operator-aws",
			"operator-azure", "operator-alibabacloud", "cilium-envoy", "startup-script"),
		at([]string{"mcr.microsoft.com/oss/", "mcr.microsoft.com/containernetworking/", "gke.gcr.io/"}, "cilium/cilium"),
		at(rancher, "rancher/mirrored-cilium-cilium", "rancher/mirrored-cilium-operator-generic",
			"rancher/mirrored-cilium-startup-script")),
		actions: []RuleID{RuleA01, RuleA02, RuleA03, RuleA07, RuleA13, RuleA16}},
	{name: "kube-proxy", repos: slices.Concat(
		at(k8sRegistry, "kube-proxy", "kube-proxy-amd64", "kube-proxy-arm64"),
		at([]string{"gcr.io/google_containers/", "gcr.io/google-containers/"}, "kube-proxy", "kube-proxy-amd64"),
		at(gke, "kube-proxy", "kube-proxy-amd64"),
		at(eksECR, "eks/kube-proxy"),
		at([]string{"public.ecr.aws/"}, "eks-distro/kubernetes/kube-proxy", "eks/kube-proxy"),
		at(mcrOSS, "kubernetes/kube-proxy"),
		// RKE2 and RKE1 run kube-proxy from their Kubernetes images.
		at(rancher, "rancher/hardened-kubernetes", "rancher/hyperkube")),
		actions: []RuleID{RuleA03, RuleA07, RuleA13}},
	{name: "aws-vpc-cni", repos: slices.Concat(
		at(eksECR, "amazon-k8s-cni", "amazon-k8s-cni-init", "amazon/aws-network-policy-agent", "eks/aws-network-policy-agent"),
		at([]string{"public.ecr.aws/eks/"}, "amazon-k8s-cni", "amazon-k8s-cni-init", "aws-network-policy-agent")),
		actions: []RuleID{RuleA01, RuleA03, RuleA13, RuleA16}},
	{name: "kube-router", repos: slices.Concat(
		at([]string{"", "ghcr.io/"}, "cloudnativelabs/kube-router"),
		at(rancher, "rancher/mirrored-cloudnativelabs-kube-router")),
		actions: []RuleID{RuleA01, RuleA07, RuleA13, RuleA16}},
	{name: "node-local-dns", repos: slices.Concat(
		at(k8sRegistry, "dns/k8s-dns-node-cache"),
		at([]string{"k8s.gcr.io/", "gke.gcr.io/"}, "k8s-dns-node-cache"),
		at(mcrOSS, "kubernetes/k8s-dns-node-cache"),
		at(rancher, "rancher/mirrored-k8s-dns-node-cache")),
		actions: []RuleID{RuleA07, RuleA13}},
	{name: "flannel", repos: slices.Concat(
		at(dockerHub, "flannel/flannel", "flannel/flannel-cni-plugin", "flannelcni/flannel", "flannelcni/flannel-cni-plugin"),
		at([]string{"ghcr.io/flannel-io/"}, "flannel", "flannel-cni-plugin"),
		at([]string{"quay.io/coreos/"}, "flannel"),
		at(rancher, "rancher/mirrored-flannelcni-flannel", "rancher/mirrored-flannel-flannel")),
		actions: []RuleID{RuleA07, RuleA13}},
	{name: "multus", repos: slices.Concat(
		at([]string{"ghcr.io/k8snetworkplumbingwg/"}, "multus-cni"),
		at(dockerHub, "nfvpe/multus"),
		at(rancher, "rancher/hardened-multus-cni")),
		actions: []RuleID{RuleA01, RuleA13}},
	{name: "kindnet", repos: at(dockerHub, "kindest/kindnetd"),
		actions: []RuleID{RuleA13}},
	{name: "weave", repos: slices.Concat(
		at(dockerHub, "weaveworks/weave-kube", "weaveworks/weave-npc"),
		at([]string{"ghcr.io/weaveworks/launcher/"}, "weave-kube", "weave-npc")),
		actions: []RuleID{RuleA01, RuleA07, RuleA13}},
	{name: "csi-node-plugins", repos: slices.Concat(
		at(k8sRegistry, "sig-storage/csi-node-driver-registrar", "sig-storage/livenessprobe", "sig-storage/nfsplugin",
			"sig-storage/smbplugin", "sig-storage/hostpathplugin", "csi-secrets-store/driver",
			"provider-aws/aws-ebs-csi-driver", "provider-os/cinder-csi-plugin",
			"cloud-provider-gcp/gcp-compute-persistent-disk-csi-driver"),
		at([]string{"quay.io/k8scsi/"}, "csi-node-driver-registrar", "livenessprobe"),
		// AWS: EBS and EFS drivers from the public gallery and from the
		// EKS add-on registries, and EKS Distro's sidecars.
		at([]string{"public.ecr.aws/"}, "ebs-csi-driver/aws-ebs-csi-driver", "efs-csi-driver/amazon/aws-efs-csi-driver",
			"eks-distro/kubernetes-csi/node-driver-registrar", "eks-distro/kubernetes-csi/livenessprobe"),
		at(eksECR, "eks/aws-ebs-csi-driver", "eks/aws-efs-csi-driver", "eks/csi-node-driver-registrar", "eks/livenessprobe"),
		at(dockerHub, "amazon/aws-efs-csi-driver"),
		// GKE's persistent disk driver.
		at(gke, "gcp-compute-persistent-disk-csi-driver", "csi-node-driver-registrar"),
		// AKS's disk, file and blob drivers and the secrets store driver.
		at(mcrOSS, "kubernetes-csi/azuredisk-csi", "kubernetes-csi/azurefile-csi", "kubernetes-csi/blob-csi",
			"kubernetes-csi/csi-node-driver-registrar", "kubernetes-csi/livenessprobe", "kubernetes-csi/secrets-store/driver"),
		at([]string{"quay.io/cephcsi/"}, "cephcsi"),
		at(dockerHub, "k8scloudprovider/cinder-csi-plugin", "longhornio/longhorn-manager",
			"longhornio/longhorn-instance-manager", "openebs/node-disk-manager")),
		actions: []RuleID{RuleA01, RuleA03, RuleA10, RuleA13}},
	{name: "falco", repos: at([]string{"falcosecurity/", "public.ecr.aws/falcosecurity/"}, "falco", "falco-no-driver",
		"falco-distroless", "falco-driver-loader", "falco-driver-loader-legacy", "falcoctl"),
		actions: []RuleID{RuleA07, RuleA08, RuleA13, RuleA16}},
	{name: "tetragon", repos: at([]string{"quay.io/cilium/", "cilium/"}, "tetragon", "tetragon-operator", "hubble-export-stdout"),
		actions: []RuleID{RuleA03, RuleA08, RuleA13, RuleA16}},
	{name: "tracee", repos: slices.Concat(
		at(dockerHub, "aquasec/tracee"),
		at([]string{"public.ecr.aws/aquasecurity/", "ghcr.io/aquasecurity/"}, "tracee")),
		actions: []RuleID{RuleA03, RuleA08, RuleA13, RuleA16}},
	{name: "sysdig", repos: at([]string{"sysdig/", "quay.io/sysdig/"}, "agent", "agent-slim", "agent-kmodule", "sysdig",
		"vuln-runtime-scanner", "host-shield"),
		actions: []RuleID{RuleA07, RuleA08, RuleA13, RuleA16}},
	{name: "datadog-agent", repos: at([]string{"datadog/", "gcr.io/datadoghq/", "public.ecr.aws/datadog/",
		"datadoghq.azurecr.io/", "registry.datadoghq.com/"}, "agent", "cluster-agent"),
		actions: []RuleID{RuleA01, RuleA08, RuleA13, RuleA16}},
	{name: "node-exporter", repos: slices.Concat(
		at(dockerHub, "prom/node-exporter", "bitnami/node-exporter"),
		at([]string{"quay.io/prometheus/", "public.ecr.aws/bitnami/"}, "node-exporter"),
		at(rancher, "rancher/mirrored-prometheus-node-exporter")),
		actions: []RuleID{RuleA13}},
	{name: "cadvisor", repos: slices.Concat(
		at([]string{"gcr.io/cadvisor/", "gcr.io/google-containers/", "gcr.io/google_containers/"}, "cadvisor"),
		at(dockerHub, "google/cadvisor")),
		actions: []RuleID{RuleA03, RuleA08, RuleA13}},
	{name: "gke-node-agents", repos: slices.Concat(
		at(gke, "gke-metadata-server", "netd", "netd-amd64", "watcher-daemonset", "ip-masq-agent", "prometheus-to-sd"),
		at(k8sRegistry, "ip-masq-agent", "ip-masq-agent-amd64", "prometheus-to-sd"),
		at([]string{"gcr.io/google-containers/", "gcr.io/google_containers/"}, "startup-script", "prometheus-to-sd")),
		actions: []RuleID{RuleA13}},
	{name: "elastic-agent", repos: slices.Concat(
		at([]string{"docker.elastic.co/beats/", "elastic/"}, "elastic-agent", "auditbeat", "metricbeat", "filebeat"),
		at([]string{"docker.elastic.co/elastic-agent/"}, "elastic-agent")),
		actions: []RuleID{RuleA08, RuleA13, RuleA16}},
	{name: "crowdstrike-falcon", repos: []string{"registry.crowdstrike.com/falcon-sensor/*/release/falcon-sensor",
		"registry.crowdstrike.com/falcon-sensor/release/falcon-sensor"},
		actions: []RuleID{RuleA07, RuleA13, RuleA16}},
	{name: "kubearmor", repos: at(dockerHub, "kubearmor/kubearmor", "kubearmor/kubearmor-ubi", "kubearmor/kubearmor-init"),
		actions: []RuleID{RuleA08, RuleA13, RuleA16}},
	{name: "kured", repos: slices.Concat(
		at([]string{"ghcr.io/"}, "kubereboot/kured"),
		at(dockerHub, "weaveworks/kured")),
		actions: []RuleID{RuleA01, RuleA13}},
}

// rules returns the rules a family is exempt from: the start posture rules
// and its known host actions.
func (f *family) rules() RuleSet {
	rules := startPostureRules
	for _, a := range f.actions {
		rules = rules.With(a)
	}
	return rules
}

// findFamily returns the built-in family of that name.
func findFamily(name string) (*family, error) {
	for i := range builtinFamilies {
		if builtinFamilies[i].name == name {
			return &builtinFamilies[i], nil
		}
	}
	names := make([]string, len(builtinFamilies))
	for i, f := range builtinFamilies {
		names[i] = f.name
	}
	return nil, fmt.Errorf("unknown family %q (families are %s)", name, strings.Join(names, ", "))
}

// builtinAllowlist compiles the families into allowlist rules.
func builtinAllowlist() []allowRule {
	out := make([]allowRule, 0, len(builtinFamilies))
	for i := range builtinFamilies {
		f := &builtinFamilies[i]
		r := allowRule{name: "builtin:" + f.name, rules: f.rules(), repos: map[string]bool{}}
		for _, p := range f.repos {
			if strings.Contains(p, "*") {
				r.repoPatterns = append(r.repoPatterns, p)
			} else {
				r.repos[p] = true
			}
		}
		out = append(out, r)
	}
	return out
}

// repoGlob matches an image repository against a family pattern, where "*"
// matches a run of characters within one part of a host name or path: no
// "." and no "/".
func repoGlob(pattern, s string) bool {
	for len(pattern) > 0 {
		if pattern[0] != '*' {
			if s == "" || pattern[0] != s[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
			continue
		}
		pattern = pattern[1:]
		for i := 0; i <= len(s); i++ {
			if repoGlob(pattern, s[i:]) {
				return true
			}
			if i < len(s) && (s[i] == '.' || s[i] == '/') {
				return false
			}
		}
		return false
	}
	return s == ""
}

// Family describes one family of the built-in allowlist.
type Family struct {
	Name string
	// Images are the repository paths recognised, registry host included;
	// "*" stands for one part of a host name or path.
	Images []string
	Rules  []RuleID
}

// BuiltinFamilies lists the built-in allowlist, for documentation.
func BuiltinFamilies() []Family {
	out := make([]Family, 0, len(builtinFamilies))
	for _, f := range builtinFamilies {
		out = append(out, Family{Name: f.name, Images: slices.Clone(f.repos), Rules: f.rules().IDs()})
	}
	return out
}
