package schemas

import (
	"reflect"
	"testing"
)

func TestSeverityMappings(t *testing.T) {
	cases := []struct {
		sev            Severity
		ocsfID         int
		ocsfName       string
		ecsSeverity    int
		ecsRisk        float64
		nativeInECSExt string
	}{
		{SeverityInfo, 1, "Informational", 21, 10, "info"},
		{SeverityLow, 2, "Low", 21, 21, "low"},
		{SeverityMedium, 3, "Medium", 47, 47, "medium"},
		{SeverityHigh, 4, "High", 73, 73, "high"},
		{SeverityCritical, 5, "Critical", 99, 99, "critical"},
	}
	for _, tc := range cases {
		t.Run(tc.sev.String(), func(t *testing.T) {
			a := podChainAlert()
			a.Severity = tc.sev
			f := ToOCSF(a)
			if f.SeverityID != tc.ocsfID || f.Severity != tc.ocsfName {
				t.Errorf("OCSF severity = %d %q, want %d %q", f.SeverityID, f.Severity, tc.ocsfID, tc.ocsfName)
			}
			d := ToECS(a)
			if d.Event.Severity != tc.ecsSeverity || d.Event.RiskScore != tc.ecsRisk {
				t.Errorf("ECS event.severity/risk_score = %d/%v, want %d/%v", d.Event.Severity, d.Event.RiskScore, tc.ecsSeverity, tc.ecsRisk)
			}
			if d.Escapewatch.Severity != tc.nativeInECSExt {
				t.Errorf("escapewatch.severity = %q, want %q", d.Escapewatch.Severity, tc.nativeInECSExt)
			}
		})
	}
}

func TestECSImage(t *testing.T) {
	cases := []struct {
		ref  string
		want ECSImage
	}{
		{"alpine", ECSImage{Name: "alpine"}},
		{"alpine:3.19", ECSImage{Name: "alpine", Tag: []string{"3.19"}}},
		{"registry:5000/team/app", ECSImage{Name: "registry:5000/team/app"}},
		{"registry:5000/team/app:1.2", ECSImage{Name: "registry:5000/team/app", Tag: []string{"1.2"}}},
		{"ghcr.io/x/y@sha256:ab12", ECSImage{Name: "ghcr.io/x/y", Hash: &ECSImageHash{All: []string{"sha256:ab12"}}}},
		{"x/y:v1@sha256:ab12", ECSImage{Name: "x/y", Tag: []string{"v1"}, Hash: &ECSImageHash{All: []string{"sha256:ab12"}}}},
	}
	for _, tc := range cases {
		if got := ecsImage(tc.ref); !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("ecsImage(%q) = %+v, want %+v", tc.ref, *got, tc.want)
		}
	}
}

// An audit-only finding about a pod has no container; a finding whose host
// and actor are unknown has neither device/host nor actor/user.
func TestMappingsWithoutContainerHostActor(t *testing.T) {
	a := podChainAlert()
	a.Rule = RuleRef{ID: "ESC-S04", Name: "Sensitive host path mounted", Version: 1}
	a.Severity = SeverityMedium
	a.Escalate = false
	a.Container = nil
	a.Kubernetes.Node = ""
	a.Host = AlertHost{}
	a.Actor = AlertActor{Groups: []string{}}
	a.Evidence = a.Evidence[:1]

	f := ToOCSF(a)
	if f.Device != nil || f.Actor != nil || f.Metadata.Profiles != nil {
		t.Errorf("OCSF device/actor/profiles set without host or actor: %+v %+v %v", f.Device, f.Actor, f.Metadata.Profiles)
	}
	if f.Evidences[0].Container != nil {
		t.Error("OCSF evidence has a container for an alert without one")
	}
	if len(f.Resources) != 1 || f.Resources[0].Type != "Pod" {
		t.Errorf("OCSF resources = %+v, want only the pod", f.Resources)
	}
	if f.Unmapped.Privileged != nil || f.Unmapped.Risk != nil {
		t.Error("OCSF unmapped carries container fields without a container")
	}
	if f.ConfidenceID != 1 {
		t.Errorf("confidence_id of a posture finding = %d, want 1 (Low)", f.ConfidenceID)
	}

	d := ToECS(a)
	if d.Container != nil || d.Host != nil || d.User != nil {
		t.Errorf("ECS container/host/user set: %+v %+v %+v", d.Container, d.Host, d.User)
	}
	if d.Orchestrator == nil || d.Orchestrator.Resource.ID != a.Kubernetes.PodUID {
		t.Errorf("ECS orchestrator = %+v", d.Orchestrator)
	}

	sch := compile(t, AlertSchema())
	if err := sch.Validate(instance(t, a)); err != nil {
		t.Errorf("audit-only alert rejected by the schema: %v", err)
	}
}

func TestECSAnswersByText(t *testing.T) {
	got := ecsAnswers([]Question{
		{Question: QuestionDockerSock, Answer: AnswerYes},
		{Question: QuestionHostMounts, Answer: AnswerNo},
	})
	want := ECSAnswers{HostMounts: AnswerNo, Privileged: AnswerUnknown, UnshareKeyctl: AnswerUnknown, DockerSock: AnswerYes}
	if got != want {
		t.Errorf("ecsAnswers = %+v, want %+v", got, want)
	}
}
