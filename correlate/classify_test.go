package correlate

import (
	"testing"

	"github.com/escapewatch/escapewatch/schemas"
)

func TestClassify(t *testing.T) {
	p := DefaultPolicy()
	exec := func(name, args string) schemas.Event {
		return schemas.Event{Kind: schemas.KindProcess, Process: schemas.Process{Name: name, Args: args}}
	}
	sys := func(name string) schemas.Event { return schemas.Event{Kind: schemas.KindSyscall, Syscall: name} }
	file := func(path string, write bool) schemas.Event {
		return schemas.Event{Kind: schemas.KindSyscall, Syscall: "openat", File: schemas.File{Path: path, Write: write}}
	}
	cases := []struct {
		name  string
		ev    schemas.Event
		rule  RuleID // ruleNone: expect no hit
		sev   schemas.Severity
		block bool
	}{
		{"nsenter target 1", exec("nsenter", "-t 1 -m -u -n -i -p bash"), RuleA01, schemas.SeverityHigh, false},
		{"nsenter --target=1", exec("nsenter", "--target=1 --mount --pid"), RuleA01, schemas.SeverityHigh, false},
		{"nsenter mount ns of pid 1", exec("nsenter", "--mount=/proc/1/ns/mnt -- /bin/bash"), RuleA01, schemas.SeverityHigh, false},
		{"nsenter other pid", exec("nsenter", "-t 4242 -n ip a"), RuleA01, schemas.SeverityMedium, false},
		{"setns syscall", sys("setns"), RuleA01, schemas.SeverityMedium, false},
		{"open /proc/1/ns/mnt", file("/proc/1/ns/mnt", false), RuleA01, schemas.SeverityHigh, false},
		{"unshare user ns", exec("unshare", "-Urm sh"), RuleA02, schemas.SeverityLow, false},
		{"unshare net only", exec("unshare", "-n sleep 1"), ruleNone, 0, false},
		{"unshare syscall newuser", schemas.Event{Kind: schemas.KindSyscall, Syscall: "unshare", NSFlags: cloneNewUser}, RuleA02, schemas.SeverityLow, false},
		{"unshare syscall newnet", schemas.Event{Kind: schemas.KindSyscall, Syscall: "unshare", NSFlags: 0x40000000}, ruleNone, 0, false},
		{"mount block device", exec("mount", "/dev/sda1 /mnt/host"), RuleA03, schemas.SeverityMedium, true},
		{"mount cgroup", exec("mount", "-t cgroup -o rdma cgroup /tmp/cgrp"), RuleA03, schemas.SeverityMedium, false},
		{"mount listing", exec("mount", ""), ruleNone, 0, false},
		{"mount -l", exec("mount", "-l"), ruleNone, 0, false},
		{"mount syscall of nvme", schemas.Event{Kind: schemas.KindSyscall, Syscall: "mount", Mount: schemas.Mount{Source: "/dev/nvme0n1p1", Target: "/mnt"}}, RuleA03, schemas.SeverityMedium, true},
		{"mount syscall of tmpfs", schemas.Event{Kind: schemas.KindSyscall, Syscall: "mount", Mount: schemas.Mount{Source: "tmpfs", FSType: "tmpfs", Target: "/x"}}, ruleNone, 0, false},
		{"release_agent write", file("/tmp/cgrp/release_agent", true), RuleA04, schemas.SeverityHigh, false},
		{"release_agent read", file("/tmp/cgrp/release_agent", false), ruleNone, 0, false},
		{"notify_on_release via shell", exec("sh", `-c "echo 1 > /tmp/cgrp/x/notify_on_release"`), RuleA04, schemas.SeverityHigh, false},
		{"core_pattern write", file("/proc/sys/kernel/core_pattern", true), RuleA05, schemas.SeverityHigh, false},
		{"core_pattern via sysctl", exec("sysctl", "-w kernel.core_pattern=|/tmp/x"), RuleA05, schemas.SeverityHigh, false},
		{"core_pattern via shell", exec("bash", `-c "echo '|/tmp/x' > /proc/sys/kernel/core_pattern"`), RuleA05, schemas.SeverityHigh, false},
		{"sysrq trigger", file("/proc/sysrq-trigger", true), RuleA06, schemas.SeverityHigh, false},
		{"insmod", exec("insmod", "/tmp/rootkit.ko"), RuleA07, schemas.SeverityHigh, false},
		{"modprobe -r", exec("modprobe", "-r dummy"), ruleNone, 0, false},
		{"finit_module", sys("finit_module"), RuleA07, schemas.SeverityHigh, false},
		{"docker cli", exec("docker", "-H unix:///host/var/run/docker.sock run --privileged alpine"), RuleA08, schemas.SeverityHigh, false},
		{"docker version", exec("docker", "--version"), ruleNone, 0, false},
		{"curl docker.sock", exec("curl", "--unix-socket /var/run/docker.sock http://localhost/containers/json"), RuleA08, schemas.SeverityHigh, false},
		{"connect docker.sock", schemas.Event{Kind: schemas.KindSyscall, Syscall: "connect", Net: schemas.Net{UnixPath: "/run/docker.sock"}}, RuleA08, schemas.SeverityHigh, false},
		{"chroot", exec("chroot", "/host bash"), RuleA09, schemas.SeverityMedium, false},
		{"debugfs", exec("debugfs", "/dev/sda1"), RuleA10, schemas.SeverityMedium, false},
		{"open /dev/sda", file("/dev/sda", false), RuleA10, schemas.SeverityMedium, false},
		{"open /dev/shm", file("/dev/shm/x", true), ruleNone, 0, false},
		{"open /dev/mapper/control", file("/dev/mapper/control", false), ruleNone, 0, false},
		{"ptrace", sys("ptrace"), RuleA11, schemas.SeverityMedium, false},
		{"write /proc/1234/mem", file("/proc/1234/mem", true), RuleA11, schemas.SeverityMedium, false},
		{"write /proc/self/mem", file("/proc/self/mem", true), ruleNone, 0, false},
		{"overwrite /proc/self/exe", file("/proc/self/exe", true), RuleA12, schemas.SeverityHigh, false},
		{"/proc/1/root write", file("/proc/1/root/etc/shadow", true), RuleA13, schemas.SeverityHigh, false},
		{"kubelet port", schemas.Event{Kind: schemas.KindSyscall, Syscall: "connect", Net: schemas.Net{Addr: "10.0.0.1", Port: 10250}}, RuleA14, schemas.SeverityMedium, false},
		{"curl kubelet", exec("curl", "-sk https://10.0.0.1:10250/pods"), RuleA14, schemas.SeverityMedium, false},
		{"capsh --print", exec("capsh", "--print"), RuleA15, schemas.SeverityInfo, false},
		{"sched_debug", file("/proc/sched_debug", false), RuleA15, schemas.SeverityInfo, false},
		{"keyctl", sys("keyctl"), RuleA16, schemas.SeverityLow, false},
		{"bpf", sys("bpf"), RuleA16, schemas.SeverityLow, false},
		{"falco release_agent rule", schemas.Event{Kind: schemas.KindSyscall, Signature: "Detect release_agent File Container Escapes"}, RuleA04, schemas.SeverityHigh, false},
		{"tracee disk_mount", schemas.Event{Kind: schemas.KindSyscall, Signature: "disk_mount"}, RuleA03, schemas.SeverityMedium, true},
		{"cwd under /proc/self/fd", schemas.Event{Kind: schemas.KindProcess, Process: schemas.Process{Name: "sh", Cwd: "/proc/self/fd/8"}}, RuleS06, schemas.SeverityHigh, false},
		{"ordinary exec", exec("nginx", "-g daemon off;"), ruleNone, 0, false},
		{"denied nsenter", func() schemas.Event { e := exec("nsenter", "-t 1"); e.Denied = true; return e }(), ruleNone, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := Classify(&c.ev, p)
			if c.rule == ruleNone {
				if h.Len() != 0 {
					t.Fatalf("unexpected hits %+v", h.All())
				}
				return
			}
			for _, hit := range h.All() {
				if hit.Rule == c.rule {
					if hit.Severity != c.sev {
						t.Errorf("severity = %s, want %s", hit.Severity, c.sev)
					}
					if hit.BlockDevice != c.block {
						t.Errorf("block device = %v", hit.BlockDevice)
					}
					if hit.Detail == "" {
						t.Error("hit has no detail")
					}
					return
				}
			}
			t.Fatalf("no %s hit in %+v", c.rule, h.All())
		})
	}
}

func TestClassifyHostPathCandidates(t *testing.T) {
	p := DefaultPolicy()
	for path, want := range map[string]bool{
		"/host/etc/shadow":          true,
		"/rootfs/var/lib":           true,
		"/mnt/disk/etc/cron.d/x":    true,
		"/etc/passwd":               false,
		"/usr/bin/ls":               false,
		"/app/data/host/etc/shadow": true,
	} {
		ev := schemas.Event{Kind: schemas.KindSyscall, Syscall: "openat", File: schemas.File{Path: path}}
		h := Classify(&ev, p)
		if got := h.HostPath != ""; got != want {
			t.Errorf("%s: candidate = %v, want %v", path, got, want)
		}
	}
}

func TestClassifyDoesNotAllocateForRoutineExec(t *testing.T) {
	p := DefaultPolicy()
	ev := schemas.Event{Kind: schemas.KindProcess, Container: schemas.Container{ID: "abc123abc123"},
		Process: schemas.Process{Name: "nginx", Exe: "/usr/sbin/nginx", Args: "-g daemon off;", Cwd: "/"}}
	allocs := testing.AllocsPerRun(100, func() {
		if Relevant(&ev, p) {
			t.Fatal("routine exec judged relevant")
		}
	})
	if allocs != 0 {
		t.Errorf("Relevant allocates %.1f times for a routine exec", allocs)
	}
}
