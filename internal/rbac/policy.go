package rbac

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Built-in roles. They reproduce the gateway's two historic roles: a user
// may call every AI route and model (the app still restricts models and
// routes), an administrator may also do every admin action.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// builtins are the built-in roles, always present, never redefined.
func builtins() []Role {
	return []Role{
		{Name: RoleUser, Description: "calls the AI routes; the app restricts models and routes",
			Grants: []Grant{{Routes: []string{RouteChat, RouteEmbeddings, RouteModels}, Models: []string{"*"}}}},
		{Name: RoleAdmin, Description: "a user who may also do every admin action", Includes: []string{RoleUser},
			Grants: []Grant{{Routes: []string{RouteAdmin}, Admin: []string{"*"}}}},
	}
}

// IsBuiltin reports whether name is a built-in role.
func IsBuiltin(name string) bool { return name == RoleUser || name == RoleAdmin }

// Subject is who asks: a user, with the role of its account and what its
// session proved.
type Subject struct {
	User string // user id, for explanations
	Role string
	// MFA says the session was authenticated with a second factor.
	MFA bool
	// AuthTime is when the subject last authenticated (at login or at a
	// step-up); zero if unknown, which satisfies no MaxAuthAge.
	AuthTime time.Time
}

// Requirement is a step-up the subject must pass to be granted.
type Requirement struct {
	MFA        bool          `json:"mfa"`
	MaxAuthAge time.Duration `json:"-"`
}

// MarshalJSON renders the age as a Go duration string ("15m0s").
func (r Requirement) MarshalJSON() ([]byte, error) {
	age := ""
	if r.MaxAuthAge > 0 {
		age = r.MaxAuthAge.String()
	}
	return fmt.Appendf(nil, `{"mfa":%t,"max_auth_age":%q}`, r.MFA, age), nil
}

func (r Requirement) String() string {
	var parts []string
	if r.MFA {
		parts = append(parts, "mfa")
	}
	if r.MaxAuthAge > 0 {
		parts = append(parts, "auth within "+r.MaxAuthAge.String())
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// weaker orders requirements, least demanding first.
func weaker(a, b Requirement) int {
	if a.MFA != b.MFA {
		if !a.MFA {
			return -1
		}
		return 1
	}
	age := func(d time.Duration) time.Duration {
		if d == 0 {
			return 1<<63 - 1
		}
		return d
	}
	return -cmp.Compare(age(a.MaxAuthAge), age(b.MaxAuthAge))
}

// Decision is the answer of Authorize.
type Decision struct {
	Allowed bool
	// Reason is a short constant text (one of the Reason… constants).
	Reason string
	// Rule names the grant that decided ("support.grants[0]"), or
	// RuleDefaultDeny, RuleUnknownRole, RuleUnknownAction.
	Rule string
	// StepUp, on a denial, is what would grant the action: the client
	// should authenticate again to meet it. It points into the policy,
	// which is immutable: never modify it.
	StepUp *Requirement
}

// Reasons of decisions.
const (
	ReasonGranted        = "granted"
	ReasonNotGranted     = "not granted"
	ReasonUnknownRole    = "unknown role"
	ReasonUnknownAction  = "unknown action"
	ReasonMFARequired    = "multi-factor authentication required"
	ReasonReauthRequired = "recent authentication required"
)

// Rules of denials no grant decided.
const (
	RuleDefaultDeny   = "default-deny"
	RuleUnknownRole   = "unknown-role"
	RuleUnknownAction = "unknown-action"
)

const (
	// authTimeFutureLeeway tolerates clock skew on an AuthTime ahead of
	// the policy's clock.
	authTimeFutureLeeway = time.Minute
	// maxCompiledTotal bounds the permissions of all roles together, each
	// role counting those it inherits: it bounds the time and memory of
	// compiling.
	maxCompiledTotal = 1 << 16
)

// Options configure a policy.
type Options struct {
	// Now is the clock MaxAuthAge is checked against; time.Now if nil.
	Now func() time.Time
}

// Policy is a compiled set of roles. It is immutable and safe for
// concurrent use; Authorize allocates nothing.
type Policy struct {
	roles map[string]*compiledRole
	names []string // sorted
	now   func() time.Time
}

type alt struct {
	req  Requirement
	rule string
}

// entry is what a role holds for one permission: granted outright (open),
// or under one of alts, least demanding first.
type entry struct {
	open     bool
	openRule string
	alts     []alt
}

type prefixEntry struct {
	prefix string
	e      *entry
}

type compiledRole struct {
	name      string
	routes    map[string]*entry
	admin     map[string]*entry
	models    map[string]*entry
	prefixes  []prefixEntry
	allModels *entry
	budget    budget
	sources   []source
	closure   []string // the role, then every role it includes, breadth first
}

type budget struct {
	set   bool
	limit int64
	via   []string
}

// source is one permission a role has through one grant, and the chain of
// includes that brought it.
type source struct {
	kind    Kind
	name    string // route, admin action or model pattern
	pattern string // the admin pattern as written, when it differs from name
	rule    string
	req     Requirement
	via     []string
}

// Compile validates a configuration with the built-in roles and compiles
// it for Authorize. The error wraps ErrInvalidConfig and a FieldError per
// problem.
func Compile(c Config, opt Options) (*Policy, error) {
	p, err := compile(c.Roles, nil)
	if err != nil {
		return nil, err
	}
	p.now = opt.Now
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// def is a role to compile and the field path of its definition.
type def struct {
	Role
	field string
}

func configDefs(roles []Role, field func(i int) string) []def {
	out := make([]def, 0, len(roles))
	for i, r := range roles {
		out = append(out, def{Role: r, field: field(i)})
	}
	return out
}

// compile checks and compiles the built-in roles, the configured roles
// (fields roles[i]) and extra roles (stored roles, with their own field
// paths).
func compile(cfg []Role, extra []def) (*Policy, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: strings.TrimPrefix(field, "."), Problem: fmt.Sprintf(format, args...)})
	}
	fail := func() error {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
	}
	if len(cfg)+len(extra) > MaxRoles {
		bad("roles", "%d roles: at most %d", len(cfg)+len(extra), MaxRoles)
		return nil, fail()
	}
	defs := configDefs(builtins(), func(i int) string { return "builtin[" + strconv.Itoa(i) + "]" })
	defs = append(defs, configDefs(cfg, func(i int) string { return "roles[" + strconv.Itoa(i) + "]" })...)
	defs = append(defs, extra...)

	byName := make(map[string]int, len(defs))
	for i, d := range defs {
		switch {
		case !validName(d.Name):
			bad(d.field+".name", "%q: want 1 to %d lower-case letters, digits, '-', '_' or '.', starting with a letter", clip(d.Name), MaxNameLen)
		case IsBuiltin(d.Name) && !strings.HasPrefix(d.field, "builtin"):
			bad(d.field+".name", "%q is a built-in role and cannot be redefined", d.Name)
		default:
			if j, dup := byName[d.Name]; dup {
				bad(d.field+".name", "%q is already defined at %s", d.Name, defs[j].field)
			} else {
				byName[d.Name] = i
			}
		}
	}
	for _, d := range defs {
		checkRole(d, byName, bad)
	}
	if len(errs) > 0 {
		return nil, fail()
	}
	// Cycles and depth of includes.
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, len(defs))
	depth := make([]int, len(defs))
	var stack []int
	var visit func(i int) bool
	visit = func(i int) bool {
		state[i] = visiting
		stack = append(stack, i)
		for k, inc := range defs[i].Includes {
			j := byName[inc]
			switch state[j] {
			case visiting:
				start := slices.Index(stack, j)
				var names []string
				for _, s := range stack[start:] {
					names = append(names, defs[s].Name)
				}
				names = append(names, defs[j].Name)
				bad(fmt.Sprintf("%s.includes[%d]", defs[i].field, k), "cycle of includes: %s", strings.Join(names, " → "))
				return false
			case unvisited:
				if !visit(j) {
					return false
				}
			}
			depth[i] = max(depth[i], depth[j]+1)
		}
		if depth[i] > MaxIncludeDepth {
			bad(defs[i].field+".includes", "includes roles %d levels deep: at most %d", depth[i], MaxIncludeDepth)
			return false
		}
		stack = stack[:len(stack)-1]
		state[i] = done
		return true
	}
	for i := range defs {
		if state[i] == unvisited && !visit(i) {
			return nil, fail()
		}
	}

	// Effective permissions, each role after the roles it includes.
	p := &Policy{roles: make(map[string]*compiledRole, len(defs))}
	left := maxCompiledTotal // permissions still allowed, all roles together
	var build func(i int) *compiledRole
	build = func(i int) *compiledRole {
		d := defs[i]
		if cr, ok := p.roles[d.Name]; ok {
			return cr
		}
		cr := &compiledRole{name: d.Name, closure: []string{d.Name}}
		seen := map[string]int{} // kind/name/rule → index in cr.sources
		add := func(s source) {
			if left <= 0 {
				return
			}
			key := s.kind.String() + "\x00" + s.name + "\x00" + s.rule
			if k, ok := seen[key]; ok {
				if len(s.via) < len(cr.sources[k].via) {
					cr.sources[k] = s
				}
				return
			}
			seen[key] = len(cr.sources)
			cr.sources = append(cr.sources, s)
			left--
		}
		for g, gr := range d.Grants {
			rule := d.Name + ".grants[" + strconv.Itoa(g) + "]"
			req := Requirement{MFA: gr.RequireMFA, MaxAuthAge: gr.MaxAuthAge}
			via := []string{d.Name}
			for _, r := range gr.Routes {
				add(source{kind: KindRoute, name: r, rule: rule, req: req, via: via})
			}
			for _, m := range gr.Models {
				add(source{kind: KindModel, name: m, rule: rule, req: req, via: via})
			}
			for _, a := range gr.Admin {
				for _, name := range expandAdmin(a) {
					s := source{kind: KindAdmin, name: name, rule: rule, req: req, via: via}
					if a != name {
						s.pattern = a
					}
					add(s)
				}
			}
		}
		if d.TokensPerDay != nil {
			cr.budget = budget{set: true, limit: *d.TokensPerDay, via: []string{d.Name}}
		}
		for _, inc := range d.Includes {
			sub := build(byName[inc])
			for _, s := range sub.sources {
				s.via = append([]string{d.Name}, s.via...)
				add(s)
			}
			if d.TokensPerDay == nil && sub.budget.set && (!cr.budget.set || moreGenerous(sub.budget.limit, cr.budget.limit)) {
				cr.budget = budget{set: true, limit: sub.budget.limit, via: append([]string{d.Name}, sub.budget.via...)}
			}
		}
		// The closure, breadth first: nearest roles first.
		for k := 0; k < len(cr.closure); k++ {
			for _, inc := range defs[byName[cr.closure[k]]].Includes {
				if !slices.Contains(cr.closure, inc) {
					cr.closure = append(cr.closure, inc)
				}
			}
		}
		cr.index()
		p.roles[d.Name] = cr
		return cr
	}
	for i := range defs {
		cr := build(i)
		if left <= 0 {
			bad("roles", "the roles hold more than %d permissions in all, inherited ones included", maxCompiledTotal)
			return nil, fail()
		}
		if len(cr.admin) > 0 && cr.routes[RouteAdmin] == nil {
			bad(defs[i].field+".grants", "role %q has admin actions but not the %q route, here or in an included role", defs[i].Name, RouteAdmin)
		}
	}
	if len(errs) > 0 {
		return nil, fail()
	}
	for n := range p.roles {
		p.names = append(p.names, n)
	}
	slices.Sort(p.names)
	return p, nil
}

// moreGenerous reports whether cap a allows more than cap b (0 is no cap).
func moreGenerous(a, b int64) bool {
	if b == 0 {
		return false
	}
	return a == 0 || a > b
}

// checkRole reports the problems of one role definition.
func checkRole(d def, byName map[string]int, bad func(field, format string, args ...any)) {
	if len(d.Description) > MaxDescLen {
		bad(d.field+".description", "longer than %d bytes", MaxDescLen)
	}
	if len(d.Includes) > MaxIncludes {
		bad(d.field+".includes", "%d roles: at most %d", len(d.Includes), MaxIncludes)
	} else {
		for k, inc := range d.Includes {
			f := fmt.Sprintf("%s.includes[%d]", d.field, k)
			switch {
			case inc == d.Name:
				bad(f, "role %q includes itself", d.Name)
			case slices.Index(d.Includes, inc) < k:
				bad(f, "role %q is included twice", clip(inc))
			default:
				if _, ok := byName[inc]; !ok {
					bad(f, "unknown role %q", clip(inc))
				}
			}
		}
	}
	if d.TokensPerDay != nil && (*d.TokensPerDay < 0 || *d.TokensPerDay > MaxTokensPerDay) {
		bad(d.field+".tokens_per_day", "%d: want 0 (no cap) to %d", *d.TokensPerDay, MaxTokensPerDay)
	}
	if len(d.Grants) > MaxGrants {
		bad(d.field+".grants", "%d grants: at most %d", len(d.Grants), MaxGrants)
		return
	}
	for g, gr := range d.Grants {
		gf := fmt.Sprintf("%s.grants[%d]", d.field, g)
		if len(gr.Routes)+len(gr.Models)+len(gr.Admin) == 0 {
			bad(gf, "grants nothing: name routes, models or admin actions")
		}
		if gr.MaxAuthAge < 0 || gr.MaxAuthAge > MaxAuthAgeLimit {
			bad(gf+".max_auth_age", "%s: want 0 (any age) to %s", gr.MaxAuthAge, MaxAuthAgeLimit)
		} else if gr.MaxAuthAge > 0 && gr.MaxAuthAge < time.Second {
			bad(gf+".max_auth_age", "%s: want at least 1s", gr.MaxAuthAge)
		}
		list := func(name string, items []string, check func(string) string) {
			if len(items) > MaxGrantItems {
				bad(gf+"."+name, "%d items: at most %d", len(items), MaxGrantItems)
				return
			}
			for k, it := range items {
				f := fmt.Sprintf("%s.%s[%d]", gf, name, k)
				if problem := check(it); problem != "" {
					bad(f, "%s", problem)
				} else if slices.Index(items, it) < k {
					bad(f, "%q is listed twice", it)
				}
			}
		}
		list("routes", gr.Routes, func(r string) string {
			if !slices.Contains(routes, r) {
				return fmt.Sprintf("unknown route %q: want one of %s", clip(r), strings.Join(routes, ", "))
			}
			return ""
		})
		list("models", gr.Models, func(m string) string {
			_, _, problem := modelPattern(m)
			return problem
		})
		list("admin", gr.Admin, func(a string) string {
			if len(expandAdmin(a)) == 0 {
				return fmt.Sprintf("unknown admin action %q: want one of %s, an area such as apps.*, or *", clip(a), strings.Join(adminActions, ", "))
			}
			return ""
		})
	}
}

// expandAdmin returns the admin actions an admin pattern names: itself,
// those of an area ("apps.*"), or all ("*"). None if it names nothing.
func expandAdmin(a string) []string {
	if a == "*" {
		return adminActions
	}
	if area, ok := strings.CutSuffix(a, ".*"); ok {
		var out []string
		for _, x := range adminActions {
			if strings.HasPrefix(x, area+".") {
				out = append(out, x)
			}
		}
		return out
	}
	if slices.Contains(adminActions, a) {
		return []string{a}
	}
	return nil
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// index builds the lookup tables of a role from its sources.
func (cr *compiledRole) index() {
	cr.routes, cr.admin, cr.models = map[string]*entry{}, map[string]*entry{}, map[string]*entry{}
	get := func(m map[string]*entry, k string) *entry {
		e := m[k]
		if e == nil {
			e = &entry{}
			m[k] = e
		}
		return e
	}
	for _, s := range cr.sources {
		var e *entry
		switch s.kind {
		case KindRoute:
			e = get(cr.routes, s.name)
		case KindAdmin:
			e = get(cr.admin, s.name)
		case KindModel:
			prefix, isPrefix, _ := modelPattern(s.name)
			switch {
			case isPrefix && prefix == "":
				if cr.allModels == nil {
					cr.allModels = &entry{}
				}
				e = cr.allModels
			case isPrefix:
				i := slices.IndexFunc(cr.prefixes, func(p prefixEntry) bool { return p.prefix == prefix })
				if i < 0 {
					cr.prefixes = append(cr.prefixes, prefixEntry{prefix: prefix, e: &entry{}})
					i = len(cr.prefixes) - 1
				}
				e = cr.prefixes[i].e
			default:
				e = get(cr.models, s.name)
			}
		}
		e.add(s)
	}
	// Longest prefixes first, so the most specific grant is tried first.
	slices.SortStableFunc(cr.prefixes, func(a, b prefixEntry) int { return cmp.Compare(len(b.prefix), len(a.prefix)) })
}

func (e *entry) add(s source) {
	if s.req == (Requirement{}) {
		if !e.open {
			e.open, e.openRule = true, s.rule
		}
		return
	}
	for _, a := range e.alts {
		if a.req == s.req {
			return
		}
	}
	e.alts = append(e.alts, alt{req: s.req, rule: s.rule})
	slices.SortStableFunc(e.alts, func(a, b alt) int { return weaker(a.req, b.req) })
}

// Authorize decides whether subject may do action. It denies by default:
// unknown roles, unknown actions and anything not granted are denied. A
// permission granted only under a step-up the subject has not passed is
// denied with StepUp set. It allocates nothing.
func (p *Policy) Authorize(subject Subject, action Action) Decision {
	cr := p.roles[subject.Role]
	if cr == nil {
		return Decision{Reason: ReasonUnknownRole, Rule: RuleUnknownRole}
	}
	switch action.Kind {
	case KindRoute:
		if e := cr.routes[action.Name]; e != nil {
			return p.decide(e, subject)
		}
		if !slices.Contains(routes, action.Name) {
			return Decision{Reason: ReasonUnknownAction, Rule: RuleUnknownAction}
		}
	case KindAdmin:
		if e := cr.admin[action.Name]; e != nil {
			return p.decide(e, subject)
		}
		if !slices.Contains(adminActions, action.Name) {
			return Decision{Reason: ReasonUnknownAction, Rule: RuleUnknownAction}
		}
	case KindModel:
		if action.Name == "" {
			return Decision{Reason: ReasonUnknownAction, Rule: RuleUnknownAction}
		}
		// Every grant that matches is tried; the first denial is kept for
		// its step-up.
		var denied Decision
		if e := cr.models[action.Name]; e != nil {
			if d := p.decide(e, subject); d.Allowed {
				return d
			} else if denied.Rule == "" {
				denied = d
			}
		}
		for _, pe := range cr.prefixes {
			if strings.HasPrefix(action.Name, pe.prefix) {
				if d := p.decide(pe.e, subject); d.Allowed {
					return d
				} else if denied.Rule == "" {
					denied = d
				}
			}
		}
		if cr.allModels != nil {
			if d := p.decide(cr.allModels, subject); d.Allowed {
				return d
			} else if denied.Rule == "" {
				denied = d
			}
		}
		if denied.Rule != "" {
			return denied
		}
	default:
		return Decision{Reason: ReasonUnknownAction, Rule: RuleUnknownAction}
	}
	return Decision{Reason: ReasonNotGranted, Rule: RuleDefaultDeny}
}

func (p *Policy) decide(e *entry, s Subject) Decision {
	if e.open {
		return Decision{Allowed: true, Reason: ReasonGranted, Rule: e.openRule}
	}
	now := p.now()
	for i := range e.alts {
		if satisfied(e.alts[i].req, s, now) {
			return Decision{Allowed: true, Reason: ReasonGranted, Rule: e.alts[i].rule}
		}
	}
	a := &e.alts[0]
	reason := ReasonReauthRequired
	if a.req.MFA && !s.MFA {
		reason = ReasonMFARequired
	}
	return Decision{Reason: reason, Rule: a.rule, StepUp: &a.req}
}

func satisfied(r Requirement, s Subject, now time.Time) bool {
	if r.MFA && !s.MFA {
		return false
	}
	if r.MaxAuthAge > 0 {
		if s.AuthTime.IsZero() {
			return false
		}
		age := now.Sub(s.AuthTime)
		if age > r.MaxAuthAge || age < -authTimeFutureLeeway {
			return false
		}
	}
	return true
}

// HasRole reports whether the policy defines a role.
func (p *Policy) HasRole(name string) bool { return p.roles[name] != nil }

// Roles returns the names of the roles of the policy, sorted.
func (p *Policy) Roles() []string { return slices.Clone(p.names) }

// TokensPerDay returns a role's daily token cap and whether it has one;
// (0, true) is an explicit "no cap". The caller applies the stricter of
// this and the app's cap.
func (p *Policy) TokensPerDay(role string) (limit int64, set bool) {
	cr := p.roles[role]
	if cr == nil {
		return 0, false
	}
	return cr.budget.limit, cr.budget.set
}

// StricterCap returns the stricter of two daily token caps, where 0 is no
// cap: the role's cap and the app's per-user cap both apply.
func StricterCap(a, b int64) int64 {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}
