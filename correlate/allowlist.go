package correlate

// A family of well-known privileged infrastructure: the images of its
// agents, init containers and helpers, and the rules it is exempt from. The
// images are repository paths matched as suffixes after a "/", so a family
// is recognised from any registry or mirror ("quay.io/calico/node",
// "my-mirror.example/calico/node") but never from a look-alike name
// ("calico/node-exporter-fake" does not match "calico/node").
type family struct {
	name    string
	images  []string
	actions []RuleID // host actions the agents are known to perform
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
	{name: "calico", images: []string{"calico/node", "calico/cni", "calico/pod2daemon-flexvol", "calico/csi",
		"calico/node-driver-registrar", "calico/typha", "calico/kube-controllers", "projectcalico-org/node",
		"tigera/operator", "calico/node-windows"},
		actions: []RuleID{RuleA01, RuleA03, RuleA07, RuleA13, RuleA16}},
	{name: "cilium", images: []string{"cilium/cilium", "cilium/cilium-dev", "cilium/operator-generic",
		"cilium/operator-aws", "cilium/operator-azure", "cilium/operator", "mirrored-cilium-cilium",
		"cilium/cilium-envoy", "cilium/startup-script"},
		actions: []RuleID{RuleA01, RuleA02, RuleA03, RuleA07, RuleA13, RuleA16}},
	{name: "kube-proxy", images: []string{"kube-proxy", "kube-proxy-amd64", "eks/kube-proxy",
		"oss/kubernetes/kube-proxy", "google_containers/kube-proxy", "google-containers/kube-proxy"},
		actions: []RuleID{RuleA03, RuleA07, RuleA13}},
	{name: "aws-vpc-cni", images: []string{"amazon-k8s-cni", "amazon-k8s-cni-init", "amazon/aws-network-policy-agent",
		"eks/aws-network-policy-agent"},
		actions: []RuleID{RuleA01, RuleA03, RuleA13, RuleA16}},
	{name: "kube-router", images: []string{"cloudnativelabs/kube-router"},
		actions: []RuleID{RuleA01, RuleA07, RuleA13, RuleA16}},
	{name: "node-local-dns", images: []string{"dns/k8s-dns-node-cache", "k8s-dns-node-cache"},
		actions: []RuleID{RuleA07, RuleA13}},
	{name: "flannel", images: []string{"flannel/flannel", "flannel/flannel-cni-plugin", "flannelcni/flannel",
		"mirrored-flannelcni-flannel", "coreos/flannel"},
		actions: []RuleID{RuleA07, RuleA13}},
	{name: "multus", images: []string{"k8snetworkplumbingwg/multus-cni", "multus-cni"},
		actions: []RuleID{RuleA01, RuleA13}},
	{name: "kindnet", images: []string{"kindest/kindnetd"},
		actions: []RuleID{RuleA13}},
	{name: "weave", images: []string{"weaveworks/weave-kube", "weaveworks/weave-npc"},
		actions: []RuleID{RuleA01, RuleA07, RuleA13}},
	{name: "csi-node-plugins", images: []string{"sig-storage/csi-node-driver-registrar", "csi-node-driver-registrar",
		"sig-storage/livenessprobe", "ebs-csi-driver/aws-ebs-csi-driver", "efs-csi-driver/amazon/aws-efs-csi-driver",
		"amazon/aws-efs-csi-driver", "cloud-provider-gcp/gcp-compute-persistent-disk-csi-driver",
		"gcp-compute-persistent-disk-csi-driver", "oss/kubernetes-csi/azuredisk-csi", "oss/kubernetes-csi/azurefile-csi",
		"oss/kubernetes-csi/secrets-store/driver", "csi-secrets-store/driver", "cephcsi/cephcsi",
		"k8scloudprovider/cinder-csi-plugin", "longhornio/longhorn-manager", "longhornio/longhorn-instance-manager",
		"openebs/node-disk-manager", "sig-storage/nfsplugin", "sig-storage/smbplugin", "sig-storage/hostpathplugin"},
		actions: []RuleID{RuleA01, RuleA03, RuleA10, RuleA13}},
	{name: "falco", images: []string{"falcosecurity/falco", "falcosecurity/falco-no-driver", "falcosecurity/falco-distroless",
		"falcosecurity/falco-driver-loader", "falcosecurity/falcoctl"},
		actions: []RuleID{RuleA07, RuleA08, RuleA13, RuleA16}},
	{name: "tetragon", images: []string{"cilium/tetragon", "cilium/tetragon-operator", "cilium/hubble-export-stdout"},
		actions: []RuleID{RuleA03, RuleA08, RuleA13, RuleA16}},
	{name: "tracee", images: []string{"aquasec/tracee"},
		actions: []RuleID{RuleA03, RuleA08, RuleA13, RuleA16}},
	{name: "sysdig", images: []string{"sysdig/agent", "sysdig/agent-slim", "sysdig/agent-kmodule", "sysdig/sysdig",
		"sysdig/vuln-runtime-scanner", "sysdig/host-shield"},
		actions: []RuleID{RuleA07, RuleA08, RuleA13, RuleA16}},
	{name: "datadog-agent", images: []string{"datadog/agent", "datadoghq/agent", "datadog/cluster-agent"},
		actions: []RuleID{RuleA01, RuleA08, RuleA13, RuleA16}},
	{name: "node-exporter", images: []string{"prom/node-exporter", "prometheus/node-exporter", "bitnami/node-exporter"},
		actions: []RuleID{RuleA13}},
	{name: "cadvisor", images: []string{"google/cadvisor", "cadvisor/cadvisor", "google-containers/cadvisor"},
		actions: []RuleID{RuleA03, RuleA08, RuleA13}},
	{name: "gke-node-agents", images: []string{"gke-metadata-server", "netd-amd64", "netd", "watcher-daemonset",
		"ip-masq-agent-amd64", "ip-masq-agent", "prometheus-to-sd", "google-containers/startup-script"},
		actions: []RuleID{RuleA13}},
	{name: "elastic-agent", images: []string{"elastic/elastic-agent", "beats/elastic-agent", "beats/auditbeat",
		"beats/metricbeat", "beats/filebeat"},
		actions: []RuleID{RuleA08, RuleA13, RuleA16}},
	{name: "crowdstrike-falcon", images: []string{"falcon-sensor/falcon-sensor", "falcon-sensor"},
		actions: []RuleID{RuleA07, RuleA13, RuleA16}},
	{name: "kubearmor", images: []string{"kubearmor/kubearmor", "kubearmor/kubearmor-init"},
		actions: []RuleID{RuleA08, RuleA13, RuleA16}},
	{name: "kured", images: []string{"kubereboot/kured", "weaveworks/kured"},
		actions: []RuleID{RuleA01, RuleA13}},
}

// builtinAllowlist compiles the families into allowlist rules.
func builtinAllowlist() []allowRule {
	out := make([]allowRule, 0, len(builtinFamilies))
	for _, f := range builtinFamilies {
		rules := startPostureRules
		for _, a := range f.actions {
			rules = rules.With(a)
		}
		out = append(out, allowRule{name: "builtin:" + f.name, images: f.images, suffix: true, rules: rules})
	}
	return out
}

// Family describes one family of the built-in allowlist.
type Family struct {
	Name   string
	Images []string
	Rules  []RuleID
}

// BuiltinFamilies lists the built-in allowlist, for documentation.
func BuiltinFamilies() []Family {
	out := make([]Family, 0, len(builtinFamilies))
	for _, r := range builtinAllowlist() {
		out = append(out, Family{Name: r.name, Images: r.images, Rules: r.rules.IDs()})
	}
	return out
}
