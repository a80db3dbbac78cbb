// Package guard checks what goes to a model and what comes back: prompt
// injection in user messages, indirect injection in tool results, PII
// (pseudonymized before the request leaves and restored in the answer,
// streams included), secrets, and system-prompt leaks (a per-request
// canary planted in the system prompt, and long verbatim spans of it).
// Detectors come from internal/detect; this package applies a policy to a
// request and reports findings that name rules and scores, never the text
// that matched.
package guard

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Action is what a guard does when it fires.
type Action string

// Actions.
const (
	Off    Action = "off"    // the guard does not run
	Flag   Action = "flag"   // the request goes on; the finding is recorded
	Redact Action = "redact" // the offending text is replaced (PII and secrets: by placeholders restored in the answer)
	Block  Action = "block"  // the request (or the answer) is refused
)

// Guard names, as configuration and findings spell them.
const (
	Injection         = "injection"          // user messages
	IndirectInjection = "indirect_injection" // tool results, function outputs
	PII               = "pii"                // input PII
	Secrets           = "secrets"            // input secrets
	OutputPII         = "output_pii"         // PII the model produced
	OutputSecrets     = "output_secrets"     // secrets the model produced
	SystemPromptLeak  = "system_prompt_leak" // the answer repeats the system prompt
)

// Names lists every guard.
var Names = []string{Injection, IndirectInjection, PII, Secrets, OutputPII, OutputSecrets, SystemPromptLeak}

// allowed lists the actions each guard supports.
var allowed = map[string][]Action{
	Injection:         {Off, Flag, Block},
	IndirectInjection: {Off, Flag, Block},
	PII:               {Off, Flag, Redact, Block},
	Secrets:           {Off, Flag, Redact, Block},
	OutputPII:         {Off, Flag, Redact, Block},
	OutputSecrets:     {Off, Flag, Redact, Block},
	SystemPromptLeak:  {Off, Flag, Redact, Block},
}

// Rule is the setting of one guard.
type Rule struct {
	Action Action `yaml:"action" json:"action"`
	// Threshold is the score from which an injection guard fires (0..1);
	// zero keeps the detector's recommended threshold.
	Threshold float64 `yaml:"threshold,omitempty" json:"threshold,omitempty"`
}

// Policy is the setting of every guard for one request.
type Policy map[string]Rule

// DefaultPolicy is what applies when nothing is configured: injections in
// user messages are blocked, in tool results flagged; PII is pseudonymized
// and restored; secrets in prompts are blocked and in answers redacted;
// answers that leak the system prompt are blocked; PII in answers is left
// alone (it is often the user's own).
func DefaultPolicy() Policy {
	return Policy{
		Injection:         {Action: Block},
		IndirectInjection: {Action: Flag},
		PII:               {Action: Redact},
		Secrets:           {Action: Block},
		OutputPII:         {Action: Off},
		OutputSecrets:     {Action: Redact},
		SystemPromptLeak:  {Action: Block},
	}
}

// Rule returns the setting of a guard (Off when unset).
func (p Policy) Rule(name string) Rule {
	r, ok := p[name]
	if !ok || r.Action == "" {
		return Rule{Action: Off}
	}
	return r
}

// On reports whether a guard runs.
func (p Policy) On(name string) bool { return p.Rule(name).Action != Off }

// With returns the policy with overrides applied on top (an override with
// an empty action keeps the action and changes the threshold only).
func (p Policy) With(overrides map[string]Rule) Policy {
	out := make(Policy, len(p)+len(overrides))
	for k, v := range p {
		out[k] = v
	}
	for k, v := range overrides {
		cur := out[k]
		if v.Action != "" {
			cur.Action = v.Action
		}
		if v.Threshold != 0 {
			cur.Threshold = v.Threshold
		}
		out[k] = cur
	}
	return out
}

// ValidateRules checks guard settings: known guards, actions each guard
// supports, thresholds within (0, 1]. Errors name the guard.
func ValidateRules(rules map[string]Rule) error {
	var errs []error
	names := make([]string, 0, len(rules))
	for n := range rules {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		r := rules[n]
		acts, ok := allowed[n]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: unknown guard (want one of %s)", n, strings.Join(Names, ", ")))
			continue
		}
		if r.Action != "" && !slices.Contains(acts, r.Action) {
			errs = append(errs, fmt.Errorf("%s.action: %q: want %s", n, r.Action, joinActions(acts)))
		}
		if r.Threshold < 0 || r.Threshold > 1 {
			errs = append(errs, fmt.Errorf("%s.threshold: %v: want 0 to 1", n, r.Threshold))
		}
		if r.Threshold != 0 && n != Injection && n != IndirectInjection {
			errs = append(errs, fmt.Errorf("%s.threshold: only the injection guards take a threshold", n))
		}
	}
	return errors.Join(errs...)
}

func joinActions(acts []Action) string {
	s := make([]string, len(acts))
	for i, a := range acts {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}
