package correlate

import (
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
	"github.com/escapewatch/escapewatch/stream/decode/auditd"
)

// TestClassifyVariants covers argument forms and producer details that the
// first table in TestClassify does not: ptrace requests, runtime CLIs that
// talk TCP, option clusters, mounts that are and are not of host resources,
// and raw disk reads by dd.
func TestClassifyVariants(t *testing.T) {
	p := DefaultPolicy()
	exec := func(name, args string) schemas.Event {
		return schemas.Event{Kind: schemas.KindProcess, Process: schemas.Process{Name: name, Args: args}}
	}
	ptrace := func(request string) schemas.Event {
		return schemas.Event{Kind: schemas.KindSyscall, Syscall: "ptrace", Producer: schemas.ProducerTracee,
			File: schemas.File{Op: request}, Process: schemas.Process{Name: "strace"}}
	}
	// auditdPtrace decodes a raw audit record of ptrace(request, 1, 0, 0),
	// the request in hex a0, through the auditd decoder.
	auditdPtrace := func(a0 string) schemas.Event {
		t.Helper()
		line := `type=SYSCALL msg=audit(1717424800.100:9301): arch=c000003e syscall=101 success=yes exit=0 a0=` + a0 +
			` a1=1 a2=0 a3=0 items=0 ppid=43400 pid=43401 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0` +
			` tty=pts0 ses=4294967295 comm="gdb" exe="/usr/bin/gdb" subj=unconfined key="ptrace"`
		var (
			g      auditd.Grouper
			events []schemas.Event
		)
		keep := func(ev *schemas.Event) error {
			c := *ev
			c.Detach()
			events = append(events, c)
			return nil
		}
		if err := g.Add(line, schemas.Ref{}, keep); err != nil {
			t.Fatal(err)
		}
		if err := g.Flush(keep); err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].Syscall != "ptrace" {
			t.Fatalf("a0=%s decodes to %+v, want one ptrace event", a0, events)
		}
		return events[0]
	}
	cases := []struct {
		name  string
		ev    schemas.Event
		rule  RuleID // the rule that must (or, with none, must not) be hit
		hit   bool
		sev   schemas.Severity
		block bool
	}{
		// ESC-A11: only requests that take over or write into a process
		{"ptrace attach", ptrace("PTRACE_ATTACH"), RuleA11, true, schemas.SeverityMedium, false},
		{"ptrace seize", ptrace("PTRACE_SEIZE"), RuleA11, true, schemas.SeverityMedium, false},
		{"ptrace poketext", ptrace("PTRACE_POKETEXT"), RuleA11, true, schemas.SeverityMedium, false},
		{"ptrace pokeuser", ptrace("PTRACE_POKEUSR"), RuleA11, true, schemas.SeverityMedium, false},
		{"ptrace setregs", ptrace("PTRACE_SETREGS"), RuleA11, true, schemas.SeverityMedium, false},
		{"ptrace setregset", ptrace("PTRACE_SETREGSET"), RuleA11, true, schemas.SeverityMedium, false},
		{"ptrace request not reported", ptrace(""), RuleA11, true, schemas.SeverityMedium, false},
		{"ptrace unnamed request", ptrace("0x4299"), RuleA11, true, schemas.SeverityMedium, false},
		{"ptrace traceme", ptrace("PTRACE_TRACEME"), RuleA11, false, 0, false},
		{"ptrace peekdata", ptrace("PTRACE_PEEKDATA"), RuleA11, false, 0, false},
		{"ptrace getregs", ptrace("PTRACE_GETREGS"), RuleA11, false, 0, false},
		{"ptrace detach", ptrace("PTRACE_DETACH"), RuleA11, false, 0, false},
		{"falco ptrace rule", schemas.Event{Kind: schemas.KindSyscall, Syscall: "ptrace", Producer: schemas.ProducerFalco,
			Signature: "PTRACE attached to process"}, RuleA11, true, schemas.SeverityMedium, false},
		// the auditd decoder names the request from a0
		{"auditd ptrace traceme", auditdPtrace("0"), RuleA11, false, 0, false},
		{"auditd ptrace peekdata", auditdPtrace("2"), RuleA11, false, 0, false},
		{"auditd ptrace attach", auditdPtrace("10"), RuleA11, true, schemas.SeverityMedium, false},
		{"auditd ptrace seize", auditdPtrace("4206"), RuleA11, true, schemas.SeverityMedium, false},
		{"auditd ptrace request without a name", auditdPtrace("420c"), RuleA11, true, schemas.SeverityMedium, false},

		// ESC-A08: the runtime socket, not a daemon across the network
		{"docker ps", exec("docker", "ps"), RuleA08, true, schemas.SeverityHigh, false},
		{"docker -H unix", exec("docker", "-H unix:///var/run/docker.sock ps"), RuleA08, true, schemas.SeverityHigh, false},
		{"docker -H tcp", exec("docker", "-H tcp://dind:2375 ps"), RuleA08, false, 0, false},
		{"docker --host=tcp", exec("docker", "--host=tcp://dind:2375 build ."), RuleA08, false, 0, false},
		{"docker -Htcp", exec("docker", "-Htcp://dind:2375 ps"), RuleA08, false, 0, false},
		{"docker --config then -H tcp", exec("docker", "--config /tmp/cfg -H tcp://dind:2375 push x"), RuleA08, false, 0, false},
		{"docker over ssh", exec("docker", "-H ssh://builder@ci-host ps"), RuleA08, false, 0, false},
		{"docker tcp and unix", exec("docker", "-H tcp://dind:2375 -H unix:///run/docker.sock ps"), RuleA08, true, schemas.SeverityHigh, false},
		{"tcp flag after the subcommand", exec("docker", "run --privileged -v /:/h alpine sh --host=tcp://x"), RuleA08, true, schemas.SeverityHigh, false},
		{"docker run -v (a volume, not the version)", exec("docker", "run -v /:/host alpine chroot /host"), RuleA08, true, schemas.SeverityHigh, false},
		{"docker run -h (a hostname, not help)", exec("docker", "run -h x --privileged alpine"), RuleA08, true, schemas.SeverityHigh, false},
		{"docker -v", exec("docker", "-v"), RuleA08, false, 0, false},
		{"docker run --help", exec("docker", "run --help"), RuleA08, false, 0, false},
		{"podman local", exec("podman", "ps"), RuleA08, false, 0, false},
		{"podman --remote", exec("podman", "--remote ps"), RuleA08, true, schemas.SeverityHigh, false},
		{"podman --url tcp", exec("podman", "--url tcp://builder:8888 ps"), RuleA08, false, 0, false},
		{"podman --url unix", exec("podman", "--url unix:///run/podman/podman.sock ps"), RuleA08, true, schemas.SeverityHigh, false},
		{"crictl -r tcp", exec("crictl", "-r tcp://10.0.0.5:7777 ps"), RuleA08, false, 0, false},
		{"crictl default", exec("crictl", "ps"), RuleA08, true, schemas.SeverityHigh, false},

		// ESC-A01 / ESC-A02 option forms
		{"nsenter -at1", exec("nsenter", "-at1"), RuleA01, true, schemas.SeverityHigh, false},
		{"nsenter -at 1", exec("nsenter", "-at 1"), RuleA01, true, schemas.SeverityHigh, false},
		{"nsenter -at12", exec("nsenter", "-at12 sh"), RuleA01, true, schemas.SeverityMedium, false},
		{"unshare --mount-proc", exec("unshare", "--fork --pid --mount-proc sh"), RuleA02, true, schemas.SeverityLow, false},
		{"unshare --mount-proc=/proc", exec("unshare", "-fp --mount-proc=/proc sh"), RuleA02, true, schemas.SeverityLow, false},
		{"unshare pid only", exec("unshare", "--fork --pid sh"), RuleA02, false, 0, false},

		// ESC-A03: host resources only
		{"mount by label", exec("mount", "LABEL=cloudimg-rootfs /mnt/h"), RuleA03, true, schemas.SeverityMedium, true},
		{"mount by uuid", exec("mount", "UUID=4a1b2c3d-0000-1111-2222-333344445555 /mnt/h"), RuleA03, true, schemas.SeverityMedium, true},
		{"mount -L", exec("mount", "-L cloudimg-rootfs /mnt/h"), RuleA03, true, schemas.SeverityMedium, true},
		{"mount by-uuid link", exec("mount", "/dev/disk/by-uuid/4a1b /mnt/h"), RuleA03, true, schemas.SeverityMedium, true},
		{"mount device only", exec("mount", "/dev/sda1"), RuleA03, true, schemas.SeverityMedium, true},
		{"mount proc", exec("mount", "-t proc proc /tmp/p"), RuleA03, true, schemas.SeverityMedium, false},
		{"remount /proc/sys rw", exec("mount", "-o remount,rw /proc/sys"), RuleA03, true, schemas.SeverityMedium, false},
		{"mount tmpfs", exec("mount", "-t tmpfs tmpfs /tmp/x"), RuleA03, false, 0, false},
		{"mount overlay", exec("mount", "-t overlay overlay -o lowerdir=/a,upperdir=/b,workdir=/c /merged"), RuleA03, false, 0, false},
		{"bind an ordinary folder", exec("mount", "--bind /data /srv/data"), RuleA03, false, 0, false},
		{"mount from fstab", exec("mount", "/mnt/data"), RuleA03, false, 0, false},
		{"tmpfs mount syscall", schemas.Event{Kind: schemas.KindSyscall, Syscall: "mount",
			Mount: schemas.Mount{Source: "tmpfs", FSType: "tmpfs", Target: "/tmp/x"}}, RuleA03, false, 0, false},

		// ESC-A10: dd reading a disk
		{"dd if=/dev/sda", exec("dd", "if=/dev/sda of=/tmp/x bs=1M"), RuleA10, true, schemas.SeverityMedium, false},
		{"dd if=/dev/nvme0n1p1", exec("dd", "if=/dev/nvme0n1p1 bs=4k count=1"), RuleA10, true, schemas.SeverityMedium, false},
		{"dd of a file", exec("dd", "if=/tmp/a of=/tmp/b"), RuleA10, false, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := Classify(&c.ev, p)
			var hit *Hit
			for i := range h.All() {
				if h.All()[i].Rule == c.rule {
					hit = &h.All()[i]
				}
			}
			if !c.hit {
				if hit != nil {
					t.Fatalf("unexpected %s hit %+v", c.rule, *hit)
				}
				return
			}
			if hit == nil {
				t.Fatalf("no %s hit in %+v", c.rule, h.All())
			}
			if hit.Severity != c.sev || hit.BlockDevice != c.block {
				t.Errorf("severity %s block %v, want %s %v", hit.Severity, hit.BlockDevice, c.sev, c.block)
			}
		})
	}
}

// TestClassifySameMountCandidates: accesses below the sensitive host paths a
// container does not have of its own are kept for the mount comparison;
// the container's own /etc, /proc, /sys and /dev are not.
func TestClassifySameMountCandidates(t *testing.T) {
	p := DefaultPolicy()
	for path, want := range map[string]bool{
		"/var/lib/kubelet/pki/kubelet-client-current.pem":            true,
		"/etc/kubernetes/admin.conf":                                 true,
		"/var/lib/docker/containers/x/config.v2.json":                true,
		"/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db": true,
		"/root/.ssh/authorized_keys":                                 true,
		"/home/alice/.bash_history":                                  true,
		"/boot/vmlinuz":                                              true,
		"/lib/modules/6.1.0/modules.dep":                             true,
		"/etc/passwd":                                                false,
		"/etc/kubernetes-not":                                        false,
		"/var/lib/kubeletx/y":                                        false,
		"/proc/self/status":                                          false,
		"/sys/fs/cgroup/cpu.max":                                     false,
		"/dev/null":                                                  false,
		"/usr/lib/x86_64-linux-gnu/libc.so.6":                        false,
		"/var/log/app.log":                                           false,
	} {
		ev := schemas.Event{Kind: schemas.KindSyscall, Syscall: "openat", File: schemas.File{Path: path}}
		h := Classify(&ev, p)
		if got := h.HostPath != ""; got != want {
			t.Errorf("%s: candidate = %v, want %v", path, got, want)
		}
	}
}
