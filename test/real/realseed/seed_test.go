package realseed

import (
	"archive/tar"
	"bytes"
	"io"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// The fake must accept the seed too: the fake-vs-real comparison builds
// both deployments from it.
func TestSeedBuildsAFakeDeployment(t *testing.T) {
	s, err := fakecoder.New(fakecoder.WithSeed(Seed()))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.Workspace("admin", "edge-cache-eu"); !ok {
		t.Error("the regional workspace is missing")
	}
	if _, ok := s.Workspace("demo", "payments-api"); !ok {
		t.Error("the demo workspaces are missing")
	}
}

// fields decodes one protobuf message into its fields by number (each
// value's raw bytes for length-delimited fields, its value for varints).
func fields(t *testing.T, b []byte) map[protowire.Number][]any {
	t.Helper()
	out := map[protowire.Number][]any{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		switch typ {
		case protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				t.Fatalf("bad bytes: %v", protowire.ParseError(m))
			}
			out[num] = append(out[num], v)
			b = b[m:]
		case protowire.VarintType:
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				t.Fatalf("bad varint: %v", protowire.ParseError(m))
			}
			out[num] = append(out[num], v)
			b = b[m:]
		default:
			t.Fatalf("unexpected wire type %v", typ)
		}
	}
	return out
}

func str(v []any) string {
	if len(v) == 0 {
		return ""
	}
	return string(v[0].([]byte))
}

func TestEchoArchiveLayout(t *testing.T) {
	tpl := Seed().Templates[0]
	v := tpl.Versions[len(tpl.Versions)-1]
	arch := archiveFor(tpl, v)
	arch.FailStart = "boom"
	data, err := arch.Tar()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		files[h.Name] = b
	}
	for _, name := range []string{"0.parse.protobuf", "0.init.protobuf", "0.plan.protobuf", "0.apply.protobuf",
		"0.graph.protobuf", "0.start.graph.protobuf", "0.stop.graph.protobuf", "0.destroy.graph.protobuf", "0.start.apply.protobuf"} {
		if _, ok := files[name]; !ok {
			t.Errorf("archive lacks %s", name)
		}
	}

	t.Run("start graph: resources with the agent, and parameters", func(t *testing.T) {
		resp := fields(t, files["0.start.graph.protobuf"])
		graph := fields(t, resp[respGraph][0].([]byte))
		var agents int
		for _, r := range graph[graphResources] {
			res := fields(t, r.([]byte))
			for _, a := range res[resAgents] {
				agents++
				af := fields(t, a.([]byte))
				if tok := str(af[agentToken]); tok != "" {
					t.Errorf("agent token %q, want none (Coder mints one per agent)", tok)
				}
				if str(af[agentName]) == "" || str(af[agentID]) != arch.AgentID {
					t.Errorf("agent fields %v", af)
				}
			}
		}
		if agents != 1 {
			t.Errorf("%d agents, want 1", agents)
		}
		var names []string
		for _, p := range graph[graphParameters] {
			pf := fields(t, p.([]byte))
			names = append(names, str(pf[paramName]))
			if str(pf[paramName]) == "repo_url" && (len(pf[paramRequired]) != 1 || str(pf[paramRegex]) == "") {
				t.Errorf("repo_url: want required with its regex, got %v", pf)
			}
		}
		var want []string
		for _, p := range v.Parameters {
			want = append(want, p.Name)
		}
		if !slices.Equal(names, want) {
			t.Errorf("parameters %v, want %v", names, want)
		}
	})

	t.Run("stop graph has no agent", func(t *testing.T) {
		graph := fields(t, fields(t, files["0.stop.graph.protobuf"])[respGraph][0].([]byte))
		for _, r := range graph[graphResources] {
			if len(fields(t, r.([]byte))[resAgents]) > 0 {
				t.Error("a stopped workspace has an agent")
			}
		}
	})

	t.Run("failing start apply", func(t *testing.T) {
		apply := fields(t, fields(t, files["0.start.apply.protobuf"])[respApply][0].([]byte))
		if str(apply[applyError]) != "boom" {
			t.Errorf("apply error %v", apply)
		}
	})
}
