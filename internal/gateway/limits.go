package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/limit"
	"github.com/bulwark-security/bulwark/internal/rbac"
)

// subject is one of the three parties every limit applies to.
type subject struct {
	name   string // "user", "device", "app"
	key    string
	limits apps.ScopeLimits
}

// subjects returns the user, the device and the app of a principal with
// their effective limits (the app's overrides, else the defaults), most
// specific first: an abusive user is stopped before it drains the app.
func (g *Gateway) subjects(p *principal) []subject {
	d := g.cfg.Limits
	user, device, app := d.User, d.Device, d.App
	if l := p.App.Limits; l != nil {
		if l.User != nil {
			user = *l.User
		}
		if l.Device != nil {
			device = *l.Device
		}
		if l.App != nil {
			app = *l.App
		}
	}
	a := p.Claims.App
	subs := []subject{
		{"user", "user:" + a + ":" + p.Claims.Subject, user},
		{"device", "device:" + a + ":" + p.deviceKey(), device},
		{"app", "app:" + a, app},
	}
	// A role's daily token cap holds across apps: one more budget, kept
	// per user whatever the app.
	if rc, ok := g.rbac.(roleCaps); ok {
		if c, set := rc.Policy().TokensPerDay(p.Claims.Role); set && c > 0 {
			subs = append(subs, subject{"user", "role:" + p.Claims.Subject, apps.ScopeLimits{TokensPerDay: c}})
		}
	}
	return subs
}

// roleCaps is the optional capability of an Authorizer that knows the
// daily token cap of each role (rbac.Service).
type roleCaps interface {
	Policy() *rbac.Policy
}

// admission is what the limit stage granted a request: slots to give back
// and a token reservation to settle with the actual usage.
type admission struct {
	releases    []func()
	reservation limit.Reservation
	// completion is the number of completion tokens the budget allows
	// this request (what is sent upstream as max_tokens, times n).
	completion int64
}

// release gives back the concurrency slots. It may be called more than once.
func (a *admission) release() {
	for _, f := range a.releases {
		f()
	}
	a.releases = nil
}

// settle commits what the request used to the budgets (once).
func (a *admission) settle(ctx context.Context, used int64) error {
	if a.reservation == nil {
		return nil
	}
	err := a.reservation.Commit(context.WithoutCancel(ctx), used)
	a.reservation = nil
	return err
}

// demand is what a request asks of the limits.
type demand struct {
	stream bool
	// promptTokens is the estimated size of the prompt.
	promptTokens int64
	// completionWant is the completion tokens the request may produce at
	// most (max_tokens × n); completionMin the fewest worth sending.
	completionWant, completionMin int64
}

// admit is the limit stage: request rates, then concurrent streams, then
// token budgets, for the user, the device and the app. A limiter that
// fails refuses the request (fail closed). The reason names the limit and
// the subject ("rate_limited_user", "budget_exhausted_app").
func (g *Gateway) admit(ctx context.Context, p *principal, d demand) (*admission, string, *apiError) {
	subs := g.subjects(p)
	for _, s := range subs {
		if s.limits.RequestsPerMinute <= 0 {
			continue
		}
		dec, err := g.rates.Allow(ctx, "rpm:"+s.key, limit.PerMinute(s.limits.RequestsPerMinute))
		if err != nil {
			return nil, "limiter_error", errUnavailable(fmt.Errorf("rate limiter: %w", err))
		}
		if !dec.Allowed {
			return nil, "rate_limited_" + s.name, errRateLimited("rate_limit_exceeded",
				fmt.Sprintf("rate limit of %d requests per minute for this %s reached", s.limits.RequestsPerMinute, s.name), dec.RetryAfter)
		}
	}
	adm := &admission{}
	if d.stream {
		for _, s := range subs {
			if s.limits.ConcurrentStreams <= 0 {
				continue
			}
			release, ok, err := g.streams.Acquire(ctx, "streams:"+s.key, s.limits.ConcurrentStreams)
			if err != nil {
				adm.release()
				return nil, "limiter_error", errUnavailable(fmt.Errorf("concurrency limiter: %w", err))
			}
			if !ok {
				adm.release()
				return nil, "streams_" + s.name, errRateLimited("concurrency_limit_exceeded",
					fmt.Sprintf("this %s already has %d streams open", s.name, s.limits.ConcurrentStreams), time.Second)
			}
			adm.releases = append(adm.releases, release)
		}
	}
	accounts := make([]limit.Account, 0, len(subs))
	for _, s := range subs {
		accounts = append(accounts, limit.Account{Key: "tokens:" + s.key, Limit: s.limits.TokensPerDay})
	}
	res, err := g.budget.Reserve(ctx, accounts, d.promptTokens+d.completionWant, d.promptTokens+d.completionMin)
	if err != nil {
		adm.release()
		var ee *limit.ExhaustedError
		if errors.As(err, &ee) {
			name := subs[0].name
			for _, s := range subs {
				if "tokens:"+s.key == ee.Key {
					name = s.name
				}
			}
			return nil, "budget_exhausted_" + name, errRateLimited("token_budget_exhausted",
				fmt.Sprintf("the daily token budget of this %s is used up (%d of %d tokens left)", name, ee.Remaining, ee.Limit), ee.RetryAfter)
		}
		return nil, "limiter_error", errUnavailable(fmt.Errorf("budget: %w", err))
	}
	adm.reservation = res
	adm.completion = res.Granted() - d.promptTokens
	return adm, "", nil
}

// maxBody is the body limit of a principal's requests.
func (g *Gateway) maxBody(p *principal) int64 {
	max := g.cfg.Server.MaxBodyBytes
	if l := p.App.Limits; l != nil && l.MaxBodyBytes > 0 && l.MaxBodyBytes < max {
		max = l.MaxBodyBytes
	}
	return max
}

// maxTokens is the cap on max_tokens for a principal's requests.
func (g *Gateway) maxTokens(p *principal) int {
	if l := p.App.Limits; l != nil && l.MaxTokens > 0 {
		return l.MaxTokens
	}
	return g.cfg.Limits.MaxTokens
}
