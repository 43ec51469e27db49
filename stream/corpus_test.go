package stream_test

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// corpus builds a realistic mixed input for benchmarks: the record shapes
// the producers write, mostly routine (process runs, exits, API reads, file
// opens, runtime chatter), about one record in a hundred relevant to
// detection, around 1 KB on average. It is deterministic for a seed.
type corpus struct {
	records  [][]byte
	relevant int
	bytes    int
}

type corpusGen struct {
	r    *rand.Rand
	t    time.Time
	pods []benchPod
}

type benchPod struct {
	ns, name, uid, ctr, image, node string
}

func newCorpus(n int, seed uint64) *corpus {
	g := &corpusGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), t: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)}
	images := []string{"ghcr.io/example/payments-api:1.4.2", "docker.io/library/nginx:1.27", "docker.io/library/postgres:16",
		"quay.io/prometheus/node-exporter:v1.8.2", "registry.example.com/shop/frontend:3.2.0", "docker.io/bitnami/redis:7.2"}
	for i := 0; i < 400; i++ {
		g.pods = append(g.pods, benchPod{
			ns:    []string{"payments", "shop", "default", "data", "monitoring"}[i%5],
			name:  fmt.Sprintf("app-%04d-%s", i, g.hex(5)),
			uid:   g.uuid(),
			ctr:   g.hex(64),
			image: images[i%len(images)],
			node:  fmt.Sprintf("ip-10-0-%d-%d.eu-west-1.compute.internal", i%4, 10+i%7),
		})
	}
	c := &corpus{}
	for i := 0; i < n; i++ {
		g.t = g.t.Add(time.Duration(g.r.IntN(4000)) * time.Microsecond)
		var rec string
		if g.r.IntN(100) == 0 {
			rec = g.relevant()
			c.relevant++
		} else {
			rec = g.routine()
		}
		c.records = append(c.records, []byte(rec))
		c.bytes += len(rec)
	}
	return c
}

func (g *corpusGen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g *corpusGen) uuid() string {
	return g.hex(8) + "-" + g.hex(4) + "-4" + g.hex(3) + "-a" + g.hex(3) + "-" + g.hex(12)
}

func (g *corpusGen) pod() benchPod { return g.pods[g.r.IntN(len(g.pods))] }

func (g *corpusGen) ts() string { return g.t.Format(time.RFC3339Nano) }

func (g *corpusGen) routine() string {
	p := g.pod()
	switch k := g.r.IntN(100); {
	case k < 34:
		bins := []string{"/usr/sbin/nginx", "/usr/local/bin/python3", "/bin/sh", "/usr/bin/curl", "/usr/lib/postgresql/16/bin/postgres", "/app/server"}
		return g.tetragonExec(p, bins[g.r.IntN(len(bins))], "-c /etc/app/config.yaml --log-level=info", "/app")
	case k < 44:
		return fmt.Sprintf(`{"process_exit":{"process":{"exec_id":"%s","pid":%d,"uid":1000,"cwd":"/app","binary":"/usr/bin/curl","arguments":"-sf http://localhost:8080/healthz","flags":"execve clone","start_time":"%s","auid":4294967295,"pod":{"namespace":"%s","name":"%s","container":{"id":"containerd://%s","name":"app","image":{"id":"%s@sha256:%s","name":"%s"},"start_time":"2026-11-30T07:12:04Z","pid":77},"pod_labels":{"app":"%s"},"workload":"%s","workload_kind":"Deployment"},"docker":"%s","parent_exec_id":"%s","tid":%d},"parent":{"exec_id":"%s","pid":%d,"uid":1000,"cwd":"/app","binary":"/bin/sh","arguments":"-c /probe.sh","flags":"execve clone","start_time":"%s","auid":4294967295,"tid":%d},"status":0},"node_name":"%s","time":"%s"}`,
			g.hex(40), 20000+g.r.IntN(9000), g.ts(), p.ns, p.name, p.ctr, p.image, g.hex(64), p.image, p.name, p.name, p.ctr[:31], g.hex(40), 20000+g.r.IntN(9000), g.hex(40), 19000+g.r.IntN(900), g.ts(), 19000+g.r.IntN(900), p.node, g.ts())
	case k < 69:
		verbs := []string{"get", "list", "watch"}
		res := []string{"pods", "configmaps", "endpoints", "leases", "nodes"}
		v, r := verbs[g.r.IntN(3)], res[g.r.IntN(5)]
		return fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"%s","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/%s/%s?resourceVersion=%d&timeout=7m32s&watch=true","verb":"%s","user":{"username":"system:serviceaccount:kube-system:%s","uid":"%s","groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"]},"sourceIPs":["10.0.1.%d"],"userAgent":"kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/39683505/shared-informers","objectRef":{"resource":"%s","namespace":"%s","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"%s","stageTimestamp":"%s","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:controller:endpoint-controller\" of ClusterRole \"system:controller:endpoint-controller\" to ServiceAccount \"endpoint-controller/kube-system\""}}`,
			g.uuid(), p.ns, r, 1000000+g.r.IntN(900000), v, []string{"endpoint-controller", "replicaset-controller", "kube-state-metrics"}[g.r.IntN(3)], g.uuid(), g.r.IntN(250), r, p.ns, g.ts(), g.ts())
	case k < 79:
		return fmt.Sprintf(`{"timestamp":%d,"threadStartTime":%d,"processorId":%d,"processId":%d,"cgroupId":%d,"threadId":%d,"parentProcessId":1,"hostProcessId":%d,"hostThreadId":%d,"hostParentProcessId":%d,"userId":1000,"mountNamespace":4026532885,"pidNamespace":4026532889,"processName":"python3","executable":{"path":"/usr/local/bin/python3"},"hostName":"%s","containerId":"%s","container":{"id":"%s","name":"app","image":"%s","imageDigest":"sha256:%s"},"kubernetes":{"podName":"%s","podNamespace":"%s","podUID":"%s"},"eventId":"730","eventName":"security_file_open","matchedPolicies":["default"],"argsNum":6,"returnValue":0,"syscall":"openat","stackAddresses":null,"contextFlags":{"containerStarted":true,"isCompat":false},"threadEntityId":%d,"processEntityId":%d,"parentEntityId":%d,"args":[{"name":"pathname","type":"const char*","value":"/app/lib/python3.12/site-packages/%s.py"},{"name":"flags","type":"string","value":"O_RDONLY|O_CLOEXEC"},{"name":"dev","type":"dev_t","value":45},{"name":"inode","type":"unsigned long","value":%d},{"name":"ctime","type":"unsigned long","value":%d},{"name":"syscall_pathname","type":"const char*","value":"/app/lib/python3.12/site-packages/%s.py"}]}`,
			g.t.UnixNano(), g.t.UnixNano()-int64(g.r.IntN(1e9)), g.r.IntN(8), 40+g.r.IntN(100), 18000+g.r.IntN(1000), 40+g.r.IntN(100), 600000+g.r.IntN(9000), 600000+g.r.IntN(9000), 600000+g.r.IntN(9000), p.ctr[:12], p.ctr, p.ctr, p.image, g.hex(64), p.name, p.ns, p.uid, g.r.Uint32(), g.r.Uint32(), g.r.Uint32(), g.hex(8), g.r.IntN(1e7), g.t.UnixNano()-int64(g.r.IntN(1e12)), g.hex(8))
	case k < 87:
		return fmt.Sprintf(`{"hostname":"%s","output":"%s: Notice Unexpected connection to K8s API Server from container (connection=10.0.1.23:%d->10.100.0.1:443 lport=443 rport=%d fd_type=ipv4 fd_proto=tcp evt_type=connect user=root user_uid=0 process=%s proc_exepath=/app/server parent=containerd-shim command=server --port 8080 terminal=0 container_id=%s container_image=%s)","priority":"Notice","rule":"Contact K8S API Server From Container","source":"syscall","tags":["T1565","container","k8s","maturity_stable","mitre_discovery","network"],"time":"%s","output_fields":{"container.id":"%s","container.image.repository":"%s","evt.time":%d,"evt.type":"connect","fd.name":"10.0.1.23:%d->10.100.0.1:443","fd.type":"ipv4","k8s.ns.name":"%s","k8s.pod.name":"%s","proc.cmdline":"server --port 8080","proc.exepath":"/app/server","proc.name":"server","proc.pid":%d,"proc.pname":"containerd-shim","user.name":"root","user.uid":0}}`,
			p.node, g.t.Format("15:04:05.000000000"), 30000+g.r.IntN(30000), 30000+g.r.IntN(30000), "server", p.ctr[:12], p.image, g.ts(), p.ctr[:12], p.image, g.t.UnixNano(), 30000+g.r.IntN(30000), p.ns, p.name, 30000+g.r.IntN(9000))
	case k < 93:
		return fmt.Sprintf(`{"status":"health_status: healthy","id":"%s","from":"%s","Type":"container","Action":"health_status: healthy","Actor":{"ID":"%s","Attributes":{"image":"%s","io.kubernetes.container.name":"app","io.kubernetes.pod.name":"%s","io.kubernetes.pod.namespace":"%s","io.kubernetes.pod.uid":"%s","name":"k8s_app_%s_%s_%s_0"}},"scope":"local","time":%d,"timeNano":%d}`,
			p.ctr, p.image, p.ctr, p.image, p.name, p.ns, p.uid, p.name, p.ns, p.uid, g.t.Unix(), g.t.UnixNano())
	case k < 98:
		serial := 100000 + g.r.IntN(900000)
		stamp := fmt.Sprintf("%d.%03d:%d", g.t.Unix(), g.t.Nanosecond()/1e6, serial)
		return fmt.Sprintf(`node=%s type=SYSCALL msg=audit(%s): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffd5c2e3f20 a2=0 a3=0 items=1 ppid=1 pid=%d auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="systemd-journal" exe="/usr/lib/systemd/systemd-journald" subj=system_u:system_r:syslogd_t:s0 key="access"
node=%s type=PATH msg=audit(%s): item=0 name="/run/log/journal/%s/system.journal" inode=%d dev=00:18 mode=0100640 ouid=0 ogid=190 rdev=00:00 obj=system_u:object_r:var_log_t:s0 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0
node=%s type=EOE msg=audit(%s): `, p.node, stamp, 300+g.r.IntN(100), p.node, stamp, g.hex(32), g.r.IntN(1e6), p.node, stamp)
	default:
		return fmt.Sprintf(`time="%s" level=info msg="Checking image status: %s" id=%s name=/runtime.v1.ImageService/ImageStatus`,
			g.t.Format("2006-01-02 15:04:05.000000000Z07:00"), p.image, g.uuid())
	}
}

func (g *corpusGen) tetragonExec(p benchPod, binary, args, cwd string) string {
	return fmt.Sprintf(`{"process_exec":{"process":{"exec_id":"%s","pid":%d,"uid":1000,"cwd":"%s","binary":"%s","arguments":"%s","flags":"execve clone","start_time":"%s","auid":4294967295,"pod":{"namespace":"%s","name":"%s","container":{"id":"containerd://%s","name":"app","image":{"id":"%s@sha256:%s","name":"%s"},"start_time":"2026-11-30T07:12:04Z","pid":%d},"pod_labels":{"app":"%s","pod-template-hash":"%s"},"workload":"%s","workload_kind":"Deployment"},"docker":"%s","parent_exec_id":"%s","tid":%d},"parent":{"exec_id":"%s","pid":%d,"uid":1000,"cwd":"/app","binary":"/bin/sh","arguments":"-c /app/start.sh","flags":"execve clone","start_time":"%s","auid":4294967295,"pod":{"namespace":"%s","name":"%s","container":{"id":"containerd://%s","name":"app","image":{"id":"%s@sha256:%s","name":"%s"},"start_time":"2026-11-30T07:12:04Z","pid":1},"workload":"%s","workload_kind":"Deployment"},"docker":"%s","parent_exec_id":"%s","tid":%d}},"node_name":"%s","time":"%s"}`,
		g.hex(40), 20000+g.r.IntN(9000), cwd, binary, args, g.ts(), p.ns, p.name, p.ctr, p.image, g.hex(64), p.image, 10+g.r.IntN(90), p.name, g.hex(9), p.name, p.ctr[:31], g.hex(40), 20000+g.r.IntN(9000),
		g.hex(40), 19000+g.r.IntN(900), g.ts(), p.ns, p.name, p.ctr, p.image, g.hex(64), p.image, p.name, p.ctr[:31], g.hex(40), 19000+g.r.IntN(900), p.node, g.ts())
}

// relevant returns a record that detection needs: pod specs, status links,
// sessions and host-level actions.
func (g *corpusGen) relevant() string {
	p := g.pod()
	switch g.r.IntN(5) {
	case 0:
		return fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"%s","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/%s/pods","verb":"create","user":{"username":"system:serviceaccount:kube-system:replicaset-controller","groups":["system:serviceaccounts","system:authenticated"]},"objectRef":{"resource":"pods","namespace":"%s","name":"%s","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"%s","namespace":"%s"},"spec":{"hostPID":%v,"volumes":[{"name":"host","hostPath":{"path":"/var/run/docker.sock"}}],"containers":[{"name":"app","image":"%s","volumeMounts":[{"name":"host","mountPath":"/var/run/docker.sock"}],"securityContext":{"privileged":%v}}]}},"responseObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"%s","namespace":"%s","uid":"%s"}},"requestReceivedTimestamp":"%s","stageTimestamp":"%s"}`,
			g.uuid(), p.ns, p.ns, p.name, p.name, p.ns, g.r.IntN(2) == 0, p.image, g.r.IntN(2) == 0, p.name, p.ns, p.uid, g.ts(), g.ts())
	case 1:
		return fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"%s","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/%s/pods/%s/status","verb":"patch","user":{"username":"system:node:%s","groups":["system:nodes","system:authenticated"]},"objectRef":{"resource":"pods","namespace":"%s","name":"%s","apiVersion":"v1","subresource":"status"},"responseStatus":{"metadata":{},"code":200},"requestObject":{"status":{"containerStatuses":[{"name":"app","containerID":"containerd://%s","ready":true,"started":true}]}},"requestReceivedTimestamp":"%s","stageTimestamp":"%s"}`,
			g.uuid(), p.ns, p.name, p.node, p.ns, p.name, p.ctr, g.ts(), g.ts())
	case 2:
		return g.tetragonExec(p, "/usr/bin/nsenter", "-t 1 -m -u -n -i -p sh", "/")
	case 3:
		return fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"%s","stage":"ResponseStarted","requestURI":"/api/v1/namespaces/%s/pods/%s/exec?command=sh&container=app&stdin=true&stdout=true&tty=true","verb":"get","user":{"username":"alice@example.com","groups":["sre","system:authenticated"]},"objectRef":{"resource":"pods","namespace":"%s","name":"%s","apiVersion":"v1","subresource":"exec"},"responseStatus":{"metadata":{},"code":101},"requestReceivedTimestamp":"%s","stageTimestamp":"%s"}`,
			g.uuid(), p.ns, p.name, p.ns, p.name, g.ts(), g.ts())
	default:
		return fmt.Sprintf(`{"hostname":"%s","output":"%s: Warning Detect release_agent File Container Escapes (file=/tmp/cgrp/release_agent proc.name=sh container_id=%s)","priority":"Critical","rule":"Detect release_agent File Container Escapes","source":"syscall","tags":["T1611","container","mitre_privilege_escalation"],"time":"%s","output_fields":{"container.id":"%s","evt.type":"openat","fd.name":"/tmp/cgrp/release_agent","proc.cmdline":"sh -c echo /cmd > /tmp/cgrp/release_agent","proc.name":"sh","user.uid":0}}`,
			p.node, g.t.Format("15:04:05.000000000"), p.ctr[:12], g.ts(), p.ctr[:12])
	}
}

func (c *corpus) String() string {
	return fmt.Sprintf("%d records, %d relevant, %.0f B average", len(c.records), c.relevant, float64(c.bytes)/float64(len(c.records)))
}
