package realseed

import (
	"archive/tar"
	"bytes"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/coderhost/coderhost/sdk/fakecoder"
)

// Coder's echo provisioner does not run Terraform: it answers each
// provisioner step with the protobuf messages it finds in the template
// archive, in files named "<n>.<step>.protobuf" or, for one workspace
// transition only, "<n>.<transition>.<step>.protobuf". Each file holds one
// provisioner.Response message (provisionersdk/proto/provisioner.proto in
// coder/coder). The messages are written here field by field with
// protowire, so this module stays free of Coder's Go packages; the field
// numbers below are that proto file's.
const (
	// Response (a oneof).
	respLog   = 1
	respParse = 2
	respInit  = 3
	respPlan  = 4
	respApply = 5
	respGraph = 6

	logLevel   = 1 // Log.level
	logOutput  = 2 // Log.output
	levelInfo  = 2 // LogLevel INFO
	planPlan   = 3 // PlanComplete.plan (bytes)
	applyError = 2 // ApplyComplete.error

	graphResources  = 3 // GraphComplete.resources
	graphParameters = 4 // GraphComplete.parameters

	resName   = 1 // Resource.name
	resType   = 2 // Resource.type
	resAgents = 3 // Resource.agents
	resIcon   = 6 // Resource.icon

	agentID    = 1 // Agent.id
	agentName  = 2 // Agent.name
	agentOS    = 5 // Agent.operating_system
	agentArch  = 6 // Agent.architecture
	agentToken = 9 // Agent.token (oneof auth)

	paramName          = 1
	paramDescription   = 2
	paramType          = 3
	paramMutable       = 4
	paramDefault       = 5
	paramIcon          = 6
	paramOptions       = 7
	paramRegex         = 8
	paramRegexError    = 9
	paramMin           = 10 // optional int32
	paramMax           = 11 // optional int32
	paramMonotonic     = 12
	paramRequired      = 13
	paramDisplayName   = 15
	paramOrder         = 16
	paramEphemeral     = 17
	paramFormType      = 18
	optionName         = 1
	optionDescription  = 2
	optionValue        = 3
	optionIcon         = 4
	transitionStart    = "start"
	transitionStop     = "stop"
	transitionDestroy  = "destroy"
	defaultResourceTyp = "docker_container"
)

// formTypes maps Coder's form_type names to the ParameterFormType enum.
var formTypes = map[string]uint64{
	"": 0, "error": 1, "radio": 2, "dropdown": 3, "input": 4, "textarea": 5, "slider": 6,
	"checkbox": 7, "switch": 8, "tag-select": 9, "multi-select": 10,
}

// message builds one protobuf message.
type message []byte

func (m message) str(num protowire.Number, s string) message {
	if s == "" {
		return m
	}
	m = protowire.AppendTag(m, num, protowire.BytesType)
	return protowire.AppendString(m, s)
}

func (m message) bytes(num protowire.Number, b []byte) message {
	m = protowire.AppendTag(m, num, protowire.BytesType)
	return protowire.AppendBytes(m, b)
}

func (m message) varint(num protowire.Number, v uint64) message {
	m = protowire.AppendTag(m, num, protowire.VarintType)
	return protowire.AppendVarint(m, v)
}

func (m message) boolean(num protowire.Number, b bool) message {
	if !b {
		return m
	}
	return m.varint(num, 1)
}

// response wraps a step's completion message in a Response.
func response(step protowire.Number, complete message) []byte {
	return message(nil).bytes(step, complete)
}

// echoArchive describes one template version for the echo provisioner.
type echoArchive struct {
	ResourceType string
	Icon         string
	// AgentToken is the agent's auth token. A token given here must be a
	// UUID (Coder stores it as one) and is shared by every workspace built
	// from the archive, so only one of their agents could connect; empty,
	// Coder mints one per agent.
	AgentToken string
	AgentID    string
	Parameters []fakecoder.SeedParameter
	// FailStart makes every start build's apply step fail with this
	// message (the template import does not apply, so it still succeeds).
	FailStart string
	// HoldStart makes every start build's apply step log a line and then
	// wait until the build is canceled.
	HoldStart bool
}

// Tar returns the archive to upload to /api/v2/files.
func (a echoArchive) Tar() ([]byte, error) {
	rt := a.ResourceType
	if rt == "" {
		rt = defaultResourceTyp
	}
	agent := message(nil).
		str(agentID, a.AgentID).
		str(agentName, "main").
		str(agentOS, "linux").
		str(agentArch, "amd64").
		str(agentToken, a.AgentToken)
	running := message(nil).
		str(resName, "workspace").
		str(resType, rt).
		bytes(resAgents, agent).
		str(resIcon, a.Icon)
	// A stopped workspace keeps its home volume and has no agent.
	volume := message(nil).str(resName, "home").str(resType, "docker_volume")

	var params []message
	for i, p := range a.Parameters {
		m, err := richParameter(p, i)
		if err != nil {
			return nil, err
		}
		params = append(params, m)
	}
	graph := func(resources ...message) []byte {
		var g message
		for _, r := range resources {
			g = g.bytes(graphResources, r)
		}
		for _, p := range params {
			g = g.bytes(graphParameters, p)
		}
		return response(respGraph, g)
	}

	files := []struct {
		name string
		data []byte
	}{
		{"0.parse.protobuf", response(respParse, nil)},
		{"0.init.protobuf", response(respInit, nil)},
		{"0.plan.protobuf", response(respPlan, message(nil).bytes(planPlan, []byte("{}")))},
		{"0.apply.protobuf", response(respApply, nil)},
		{"0.graph.protobuf", graph(running, volume)},
		{"0." + transitionStart + ".graph.protobuf", graph(running, volume)},
		{"0." + transitionStop + ".graph.protobuf", graph(volume)},
		{"0." + transitionDestroy + ".graph.protobuf", graph()},
		{"main.tf", []byte("# Served by Coder's echo provisioner: see the *.protobuf files.\n")},
	}
	if a.HoldStart {
		files = append(files, struct {
			name string
			data []byte
		}{"0." + transitionStart + ".apply.protobuf", message(nil).bytes(respLog,
			message(nil).varint(logLevel, levelInfo).str(logOutput, "waiting to be canceled"))})
	}
	if a.FailStart != "" {
		files = append(files, struct {
			name string
			data []byte
		}{"0." + transitionStart + ".apply.protobuf", response(respApply, message(nil).str(applyError, a.FailStart))})
	}

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data))}); err != nil {
			return nil, fmt.Errorf("echo archive %s: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("echo archive %s: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("echo archive: %w", err)
	}
	return buf.Bytes(), nil
}

// richParameter encodes a seed parameter as a provisioner.RichParameter.
func richParameter(p fakecoder.SeedParameter, order int) (message, error) {
	form, ok := formTypes[p.FormType]
	if !ok {
		return nil, fmt.Errorf("parameter %q: form_type %q has no echo provisioner encoding", p.Name, p.FormType)
	}
	typ := p.Type
	if typ == "" {
		typ = "string"
	}
	m := message(nil).
		str(paramName, p.Name).
		str(paramDescription, p.Description).
		str(paramType, typ).
		boolean(paramMutable, p.Mutable).
		str(paramIcon, p.Icon)
	if p.Default != nil {
		m = m.str(paramDefault, *p.Default)
	}
	for _, o := range p.Options {
		m = m.bytes(paramOptions, message(nil).
			str(optionName, o.Name).
			str(optionDescription, o.Description).
			str(optionValue, o.Value).
			str(optionIcon, o.Icon))
	}
	if v := p.Validation; v != nil {
		m = m.str(paramRegex, v.Regex).str(paramRegexError, v.Error)
		if v.Min != nil {
			m = m.varint(paramMin, uint64(int64(*v.Min)))
		}
		if v.Max != nil {
			m = m.varint(paramMax, uint64(int64(*v.Max)))
		}
		m = m.str(paramMonotonic, v.Monotonic)
	}
	m = m.boolean(paramRequired, p.Default == nil).
		str(paramDisplayName, p.DisplayName).
		varint(paramOrder, uint64(order)).
		boolean(paramEphemeral, p.Ephemeral)
	if form != 0 {
		m = m.varint(paramFormType, form)
	}
	return m, nil
}
