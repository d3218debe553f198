package fakecoder

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// paramProblem is one parameter that failed validation, with the wording of
// both of Coder's parameter flows: dynamic parameters (hcl diagnostics,
// "summary; detail") and the classic flow (a single error string).
type paramProblem struct {
	name    string
	summary string
	detail  string
	classic string
}

// resolveParameters computes the parameter values stored for a new build, as
// coderd does: values given with the request win, then (except for ephemeral
// parameters) the previous build's, then defaults. Values for parameters the
// version does not declare are dropped.
func resolveParameters(params []TemplateVersionParameter, previous, given []WorkspaceBuildParameter, firstBuild bool) ([]WorkspaceBuildParameter, []paramProblem) {
	prev := map[string]string{}
	for _, p := range previous {
		prev[p.Name] = p.Value
	}
	in := map[string]string{}
	for _, p := range given {
		in[p.Name] = p.Value
	}
	var out []WorkspaceBuildParameter
	var problems []paramProblem
	for _, p := range params {
		prevValue, hadPrev := prev[p.Name]
		value, ok := in[p.Name]
		if !ok && hadPrev && !p.Ephemeral {
			value, ok = prevValue, true
		}
		if !ok && !p.Required {
			value, ok = p.DefaultValue, true
		}
		if !ok {
			problems = append(problems, paramProblem{
				name:    p.Name,
				summary: "Required parameter not provided",
				detail:  "parameter value is null",
				classic: fmt.Sprintf("Parameter %q is required but not provided", p.Name),
			})
			continue
		}
		if !firstBuild && !p.Mutable && hadPrev && value != prevValue {
			msg := fmt.Sprintf("Parameter %q is not mutable, so it can't be updated after creating a workspace.", p.Name)
			problems = append(problems, paramProblem{name: p.Name, summary: "Immutable parameter changed", detail: msg, classic: msg})
			continue
		}
		if pr, bad := checkParameterValue(p, value); bad {
			problems = append(problems, pr)
			continue
		}
		if !firstBuild && hadPrev && p.ValidationMonotonic != "" {
			if pr, bad := checkMonotonic(p, value, prevValue); bad {
				problems = append(problems, pr)
				continue
			}
		}
		out = append(out, WorkspaceBuildParameter{Name: p.Name, Value: value})
	}
	return out, problems
}

// checkParameterValue validates value against the parameter's type, options
// and validation block.
func checkParameterValue(p TemplateVersionParameter, value string) (paramProblem, bool) {
	bad := func(summary, detail string) (paramProblem, bool) {
		return paramProblem{name: p.Name, summary: summary, detail: detail, classic: detail}, true
	}
	if len(p.Options) > 0 {
		var values []string
		for _, o := range p.Options {
			values = append(values, o.Value)
		}
		candidates := []string{value}
		if p.Type == "list(string)" {
			if err := json.Unmarshal([]byte(value), &candidates); err != nil {
				return bad("Invalid parameter value", fmt.Sprintf("value %q is not a JSON array of strings", value))
			}
		}
		for _, c := range candidates {
			if !slices.Contains(values, c) {
				pr := paramProblem{
					name:    p.Name,
					summary: "Value must be a valid option",
					detail:  fmt.Sprintf("the value %q must be defined as one of options", c),
					classic: fmt.Sprintf("parameter value must match one of options: %v", values),
				}
				return pr, true
			}
		}
		return paramProblem{}, false
	}
	switch p.Type {
	case "number":
		if _, err := strconv.ParseFloat(value, 64); err != nil {
			return bad("Invalid parameter value", fmt.Sprintf("invalid number value %q", value))
		}
	case "bool":
		if value != "true" && value != "false" {
			return bad("Invalid parameter value", `boolean value can be either "true" or "false"`)
		}
	case "list(string)":
		var list []string
		if err := json.Unmarshal([]byte(value), &list); err != nil {
			return bad("Invalid parameter value", fmt.Sprintf("value %q is not a JSON array of strings", value))
		}
	}
	summary := fmt.Sprintf("Paramater validation failed for value %q", value)
	if p.ValidationRegex != "" {
		re, err := regexp.Compile(p.ValidationRegex)
		if err != nil {
			return bad(summary, fmt.Sprintf("invalid regex %q: %v", p.ValidationRegex, err))
		}
		if !re.MatchString(value) {
			return bad(summary, renderValidationError(p, value, fmt.Sprintf("value %q does not match %q", value, p.ValidationRegex)))
		}
	}
	if p.Type == "number" && (p.ValidationMin != nil || p.ValidationMax != nil) {
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return bad(summary, fmt.Sprintf("invalid number value %q", value))
		}
		if p.ValidationMin != nil && n < int64(*p.ValidationMin) {
			return bad(summary, renderValidationError(p, value, fmt.Sprintf("value %d is less than the minimum %d", n, *p.ValidationMin)))
		}
		if p.ValidationMax != nil && n > int64(*p.ValidationMax) {
			return bad(summary, renderValidationError(p, value, fmt.Sprintf("value %d is more than the maximum %d", n, *p.ValidationMax)))
		}
	}
	return paramProblem{}, false
}

func checkMonotonic(p TemplateVersionParameter, value, prev string) (paramProblem, bool) {
	n, err1 := strconv.ParseInt(value, 10, 64)
	old, err2 := strconv.ParseInt(prev, 10, 64)
	if err1 != nil || err2 != nil {
		return paramProblem{}, false
	}
	var detail string
	switch {
	case p.ValidationMonotonic == "increasing" && n < old:
		detail = fmt.Sprintf("parameter value '%d' must be equal or greater than previous value: %d", n, old)
	case p.ValidationMonotonic == "decreasing" && n > old:
		detail = fmt.Sprintf("parameter value '%d' must be equal or lower than previous value: %d", n, old)
	default:
		return paramProblem{}, false
	}
	return paramProblem{name: p.Name, summary: fmt.Sprintf("Parameter %q monotonicity", p.Name), detail: detail, classic: detail}, true
}

// renderValidationError fills the template's validation error, as the
// Terraform provider does, or falls back to def.
func renderValidationError(p TemplateVersionParameter, value, def string) string {
	if p.ValidationError == "" {
		return def
	}
	deref := func(v *int32) string {
		if v == nil {
			return "0"
		}
		return strconv.Itoa(int(*v))
	}
	return strings.NewReplacer("{min}", deref(p.ValidationMin), "{max}", deref(p.ValidationMax), "{value}", value).Replace(p.ValidationError)
}

// writeParamProblems answers 400 in the shape of the template's parameter
// flow.
func writeParamProblems(w http.ResponseWriter, classic bool, problems []paramProblem) {
	if classic {
		p := problems[0]
		writeJSON(w, http.StatusBadRequest, Response{Message: fmt.Sprintf("Unable to validate parameter %q", p.name), Detail: p.classic})
		return
	}
	slices.SortStableFunc(problems, func(a, b paramProblem) int { return strings.Compare(a.name, b.name) })
	resp := Response{Message: "Unable to validate parameters"}
	for _, p := range problems {
		resp.Validations = append(resp.Validations, ValidationError{Field: p.name, Detail: p.summary + "; " + p.detail})
	}
	writeJSON(w, http.StatusBadRequest, resp)
}
