package gateway

import (
	"fmt"
	"net/http"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/guard"
	"github.com/bulwark-security/bulwark/internal/provider"
)

// withheld replaces an answer an output guard blocked; the choice ends
// with finish_reason "content_filter", as OpenAI's own filter does.
const withheld = "[The answer was withheld by the gateway's output guard.]"

// guardPolicy is the guard policy of a principal's app on an AI route:
// the built-in policy, then the configuration's guards, its route_guards
// for the route, the app's guards and the app's route_guards, each over
// the one before.
func (g *Gateway) guardPolicy(p *principal, route string) guard.Policy {
	return g.guardBase.
		With(GuardRules(g.cfg.RouteGuards[route])).
		With(GuardRules(p.App.Guards)).
		With(GuardRules(p.App.RouteGuards[route]))
}

// guardCodes are the error codes of requests a guard blocked.
var guardCodes = map[string]string{
	guard.Injection:         "prompt_injection_detected",
	guard.IndirectInjection: "indirect_prompt_injection_detected",
	guard.PII:               "pii_detected",
	guard.Secrets:           "secret_detected",
}

// guardNames are the guards as an app is told about them.
var guardNames = map[string]string{
	guard.Injection:         "prompt-injection",
	guard.IndirectInjection: "indirect prompt-injection",
	guard.PII:               "personal-data",
	guard.Secrets:           "secret",
}

// inputBlocked answers a request an input guard blocked, and records it.
func (g *Gateway) inputBlocked(w http.ResponseWriter, r *http.Request, c *aiCall, f guard.Finding) {
	_ = c.adm.settle(r.Context(), 0)
	code := guardCodes[f.Guard]
	if code == "" {
		code = "guard_blocked"
	}
	ae := errBadRequest(code, fmt.Sprintf("the request was blocked by the gateway's %s guard", guardNames[f.Guard]))
	writeError(w, r, g.log, ae)
	c.ev.Decision, c.ev.Reason, c.ev.Status = audit.DecisionBlocked, "guard_"+f.Guard, ae.Status
	g.recordIn(r, c.slot, c.ev)
}

// guardEvent copies a session's findings into the call's event and
// metrics, and marks a blocked answer.
func (g *Gateway) guardEvent(c *aiCall) {
	if c.guard == nil {
		return
	}
	for _, f := range c.guard.Findings() {
		c.ev.Guards = append(c.ev.Guards, audit.GuardFinding{Guard: f.Guard, Rule: f.Rule, Score: f.Score, Action: string(f.Action), Count: f.Count})
		g.metrics.guardFinding(f.Guard, string(f.Action), f.Count)
	}
	if f, blocked := c.guard.Blocked(); blocked && c.ev.Decision == audit.DecisionAllowed {
		c.ev.Decision, c.ev.Reason = audit.DecisionBlocked, "guard_"+f.Guard
	}
}

// guardAnswer applies the output guards to a whole answer and restores
// its placeholders, in the message text and in tool-call arguments.
func guardAnswer(gs *guard.Session, resp *provider.ChatCompletion) {
	for i := range resp.Choices {
		m := &resp.Choices[i].Message
		if m.Content.Parts == nil {
			if m.Content.Text != "" {
				m.Content.Text = gs.Answer(m.Content.Text)
			}
		} else {
			for j := range m.Content.Parts {
				if part := &m.Content.Parts[j]; part.Type == "text" {
					part.Text = gs.Answer(part.Text)
				}
			}
		}
		for j := range m.ToolCalls {
			fn := &m.ToolCalls[j].Function
			fn.Arguments = gs.Restore(fn.Arguments)
		}
		if _, blocked := gs.Blocked(); blocked {
			m.Content, m.ToolCalls = provider.TextContent(withheld), nil
			resp.Choices[i].FinishReason = "content_filter"
		}
	}
}

// streamGuard applies the output guards to a streamed answer: one filter
// per choice for its text, one restorer per tool call for its arguments.
type streamGuard struct {
	gs    *guard.Session
	text  map[int]*guard.Stream
	args  map[[2]int]*guard.Stream
	ended map[int]bool
}

func newStreamGuard(gs *guard.Session) *streamGuard {
	return &streamGuard{gs: gs, text: map[int]*guard.Stream{}, args: map[[2]int]*guard.Stream{}, ended: map[int]bool{}}
}

func (sg *streamGuard) textOf(choice int) *guard.Stream {
	f, ok := sg.text[choice]
	if !ok {
		f = sg.gs.Stream()
		sg.text[choice] = f
	}
	return f
}

// chunk rewrites a chunk in place; it reports whether the answer is now
// blocked (the chunk then ends its choices with content_filter and the
// stream must stop after it).
func (sg *streamGuard) chunk(c *provider.ChatChunk) (blocked bool) {
	for i := range c.Choices {
		ch := &c.Choices[i]
		f := sg.textOf(ch.Index)
		if ch.Delta.Content != nil {
			out := f.Push(*ch.Delta.Content)
			ch.Delta.Content = &out
		}
		for j := range ch.Delta.ToolCalls {
			tc := &ch.Delta.ToolCalls[j]
			key := [2]int{ch.Index, tc.Index}
			a, ok := sg.args[key]
			if !ok {
				a = sg.gs.RestoreStream()
				sg.args[key] = a
			}
			tc.Function.Arguments = a.Push(tc.Function.Arguments)
		}
		if ch.FinishReason != nil {
			sg.finish(ch)
		}
		if f.Blocked() {
			notice, reason := withheld, "content_filter"
			ch.Delta.Content, ch.Delta.ToolCalls, ch.FinishReason = &notice, nil, &reason
			blocked = true
		}
	}
	return blocked
}

// finish releases what a choice's filters hold back into its last chunk.
func (sg *streamGuard) finish(ch *provider.ChunkChoice) {
	sg.ended[ch.Index] = true
	if tail := sg.textOf(ch.Index).Finish(); tail != "" {
		s := tail
		if ch.Delta.Content != nil {
			s = *ch.Delta.Content + tail
		}
		ch.Delta.Content = &s
	}
	for key, a := range sg.args {
		if key[0] != ch.Index {
			continue
		}
		if tail := a.Finish(); tail != "" {
			ch.Delta.ToolCalls = append(ch.Delta.ToolCalls, provider.ToolCallDelta{Index: key[1], Function: provider.FunctionCallDelta{Arguments: tail}})
		}
	}
}

// rest returns a chunk with what is still held back for choices that
// never sent a finish reason, or nil.
func (sg *streamGuard) rest(template *provider.ChatChunk) *provider.ChatChunk {
	var out *provider.ChatChunk
	for idx, f := range sg.text {
		if sg.ended[idx] {
			continue
		}
		ch := provider.ChunkChoice{Index: idx}
		sg.finish(&ch)
		if f.Blocked() || (ch.Delta.Content == nil && len(ch.Delta.ToolCalls) == 0) {
			continue
		}
		if out == nil {
			out = &provider.ChatChunk{ID: template.ID, Object: "chat.completion.chunk", Created: template.Created, Model: template.Model}
		}
		out.Choices = append(out.Choices, ch)
	}
	return out
}

// emptyChunk reports a chunk with nothing left to say (its text is held
// back), which need not be sent.
func emptyChunk(c *provider.ChatChunk) bool {
	if c.Usage != nil || len(c.Extra) > 0 {
		return false
	}
	for _, ch := range c.Choices {
		d := ch.Delta
		if ch.FinishReason != nil || d.Role != "" || (d.Content != nil && *d.Content != "") || len(d.ToolCalls) > 0 || len(d.Extra) > 0 || len(ch.Extra) > 0 {
			return false
		}
	}
	return true
}
