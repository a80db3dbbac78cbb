package rbac_test

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/rbac"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// loadPolicy compiles testdata/roles.yaml with a clock standing at now.
func loadPolicy(t testing.TB) *rbac.Policy {
	t.Helper()
	f, err := os.Open("testdata/roles.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := rbac.ParseConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rbac.Compile(c, rbac.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func granted(rule string) rbac.Decision {
	return rbac.Decision{Allowed: true, Reason: rbac.ReasonGranted, Rule: rule}
}

var (
	denied        = rbac.Decision{Reason: rbac.ReasonNotGranted, Rule: rbac.RuleDefaultDeny}
	unknownAction = rbac.Decision{Reason: rbac.ReasonUnknownAction, Rule: rbac.RuleUnknownAction}
)

func stepUp(reason, rule string, r rbac.Requirement) rbac.Decision {
	return rbac.Decision{Reason: reason, Rule: rule, StepUp: &r}
}

func TestAuthorize(t *testing.T) {
	p := loadPolicy(t)
	user := rbac.Subject{User: "usr_1", Role: rbac.RoleUser}
	admin := rbac.Subject{User: "usr_2", Role: rbac.RoleAdmin}
	mini := rbac.Subject{Role: "mini"}
	premium := func(authAgo time.Duration) rbac.Subject {
		return rbac.Subject{Role: "premium", AuthTime: now.Add(-authAgo)}
	}
	support := rbac.Subject{Role: "support"}
	supportMFA := rbac.Subject{Role: "support", MFA: true, AuthTime: now.Add(-2 * time.Hour)}
	auditor := func(mfa bool, authAgo time.Duration) rbac.Subject {
		return rbac.Subject{Role: "auditor", MFA: mfa, AuthTime: now.Add(-authAgo)}
	}
	ops := func(authAgo time.Duration) rbac.Subject {
		return rbac.Subject{Role: "ops", MFA: true, AuthTime: now.Add(-authAgo)}
	}
	mfa := rbac.Requirement{MFA: true}
	audit15 := rbac.Requirement{MFA: true, MaxAuthAge: 15 * time.Minute}

	tests := []struct {
		name    string
		subject rbac.Subject
		action  rbac.Action
		want    rbac.Decision
	}{
		{"an unknown role is denied everything", rbac.Subject{Role: "ghost"}, rbac.Route(rbac.RouteChat),
			rbac.Decision{Reason: rbac.ReasonUnknownRole, Rule: rbac.RuleUnknownRole}},
		{"an empty role is denied everything", rbac.Subject{}, rbac.Model("gpt-4o"),
			rbac.Decision{Reason: rbac.ReasonUnknownRole, Rule: rbac.RuleUnknownRole}},
		{"a user may chat", user, rbac.Route(rbac.RouteChat), granted("user.grants[0]")},
		{"a user may embed", user, rbac.Route(rbac.RouteEmbeddings), granted("user.grants[0]")},
		{"a user may list models", user, rbac.Route(rbac.RouteModels), granted("user.grants[0]")},
		{"a user may use any model through *", user, rbac.Model("anything-at-all"), granted("user.grants[0]")},
		{"a user may not reach the admin API", user, rbac.Route(rbac.RouteAdmin), denied},
		{"a user may not read apps", user, rbac.Admin(rbac.ActionAppsRead), denied},
		{"an unknown route is an unknown action", user, rbac.Route("images"), unknownAction},
		{"an unknown admin action is an unknown action", admin, rbac.Admin("apps.delete"), unknownAction},
		{"an action of no kind is an unknown action", admin, rbac.Action{Name: "chat"}, unknownAction},
		{"an empty model name is an unknown action", user, rbac.Model(""), unknownAction},
		{"an admin may reach the admin API", admin, rbac.Route(rbac.RouteAdmin), granted("admin.grants[0]")},
		{"an admin may rotate keys without a step-up, as today", admin, rbac.Admin(rbac.ActionKeysRotate), granted("admin.grants[0]")},
		{"an admin chats through the included user role", admin, rbac.Route(rbac.RouteChat), granted("user.grants[0]")},
		{"a granted route does not grant another", mini, rbac.Route(rbac.RouteEmbeddings), denied},
		{"a prefix grants the model it names", mini, rbac.Model("gpt-4o"), granted("mini.grants[0]")},
		{"a prefix grants the models it starts", mini, rbac.Model("gpt-4o-mini"), granted("mini.grants[0]")},
		{"a prefix does not grant a shorter name", mini, rbac.Model("gpt-4"), denied},
		{"an exact model is granted", mini, rbac.Model("claude-3-haiku"), granted("mini.grants[0]")},
		{"an exact model does not grant a longer name", mini, rbac.Model("claude-3-haiku-2"), denied},
		{"model names are case-sensitive", mini, rbac.Model("GPT-4o"), denied},
		{"models of an included role are inherited", premium(0), rbac.Model("gpt-4o-mini"), granted("mini.grants[0]")},
		{"routes of an included role are inherited", premium(0), rbac.Route(rbac.RouteChat), granted("mini.grants[0]")},
		{"a model behind max_auth_age is granted after a recent login", premium(30 * time.Minute), rbac.Model("o1"), granted("premium.grants[1]")},
		{"a model behind max_auth_age needs a new login when it is old", premium(2 * time.Hour), rbac.Model("o1"),
			stepUp(rbac.ReasonReauthRequired, "premium.grants[1]", rbac.Requirement{MaxAuthAge: time.Hour})},
		{"an unknown authentication time satisfies no max_auth_age", rbac.Subject{Role: "premium"}, rbac.Model("o1"),
			stepUp(rbac.ReasonReauthRequired, "premium.grants[1]", rbac.Requirement{MaxAuthAge: time.Hour})},
		{"an authentication time far in the future satisfies no max_auth_age", premium(-2 * time.Hour), rbac.Model("o1"),
			stepUp(rbac.ReasonReauthRequired, "premium.grants[1]", rbac.Requirement{MaxAuthAge: time.Hour})},
		{"an authentication time slightly ahead of the clock is tolerated", premium(-30 * time.Second), rbac.Model("o1"), granted("premium.grants[1]")},
		{"an admin action behind MFA asks for MFA", support, rbac.Admin(rbac.ActionUsersRead),
			stepUp(rbac.ReasonMFARequired, "support.grants[0]", mfa)},
		{"the admin route behind MFA asks for MFA", support, rbac.Route(rbac.RouteAdmin),
			stepUp(rbac.ReasonMFARequired, "support.grants[0]", mfa)},
		{"an admin action behind MFA is granted with MFA", supportMFA, rbac.Admin(rbac.ActionSessionsRevoke), granted("support.grants[0]")},
		{"an admin action not granted stays denied with MFA", supportMFA, rbac.Admin(rbac.ActionAppsWrite), denied},
		{"an area pattern grants the actions of the area", auditor(true, time.Minute), rbac.Admin(rbac.ActionAuditVerify), granted("auditor.grants[0]")},
		{"an area pattern grants no other area", auditor(true, time.Minute), rbac.Admin(rbac.ActionAppsRead), denied},
		{"MFA and max_auth_age: MFA missing asks for MFA", auditor(false, time.Minute), rbac.Admin(rbac.ActionAuditRead),
			stepUp(rbac.ReasonMFARequired, "auditor.grants[0]", audit15)},
		{"MFA and max_auth_age: an old login asks for a new one", auditor(true, 20*time.Minute), rbac.Admin(rbac.ActionAuditRead),
			stepUp(rbac.ReasonReauthRequired, "auditor.grants[0]", audit15)},
		{"a role's own step-up applies to what it adds", ops(10 * time.Minute), rbac.Admin(rbac.ActionKeysRotate),
			stepUp(rbac.ReasonReauthRequired, "ops.grants[0]", rbac.Requirement{MFA: true, MaxAuthAge: 5 * time.Minute})},
		{"a role's own step-up is met by a fresh MFA login", ops(time.Minute), rbac.Admin(rbac.ActionKeysRotate), granted("ops.grants[0]")},
		{"an included role's step-up comes with its grant", ops(10 * time.Minute), rbac.Admin(rbac.ActionAuditRead), granted("auditor.grants[0]")},
		{"grants of two included roles add up", ops(time.Hour), rbac.Admin(rbac.ActionUsersRead), granted("support.grants[0]")},
		{"roles included two levels deep are inherited", ops(time.Hour), rbac.Model("gpt-4o"), granted("user.grants[0]")},
		{"either of two step-ups grants: MFA", rbac.Subject{Role: "either", MFA: true}, rbac.Route(rbac.RouteChat), granted("either.grants[0]")},
		{"either of two step-ups grants: a recent login", rbac.Subject{Role: "either", AuthTime: now.Add(-time.Minute)}, rbac.Route(rbac.RouteChat), granted("either.grants[1]")},
		{"neither step-up met asks for the least demanding", rbac.Subject{Role: "either", AuthTime: now.Add(-time.Hour)}, rbac.Route(rbac.RouteChat),
			stepUp(rbac.ReasonReauthRequired, "either.grants[1]", rbac.Requirement{MaxAuthAge: 10 * time.Minute})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Authorize(tt.subject, tt.action)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Authorize(%+v, %v) (-want +got):\n%s", tt.subject, tt.action, diff)
			}
		})
	}
}

func TestBuiltinRoles(t *testing.T) {
	p, err := rbac.Compile(rbac.Config{}, rbac.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{rbac.RoleAdmin, rbac.RoleUser}, p.Roles()); diff != "" {
		t.Errorf("roles of an empty configuration (-want +got):\n%s", diff)
	}
	admin := rbac.Subject{Role: rbac.RoleAdmin}
	user := rbac.Subject{Role: rbac.RoleUser}
	for _, a := range rbac.AdminActions() {
		t.Run("the admin role may "+a, func(t *testing.T) {
			if d := p.Authorize(admin, rbac.Admin(a)); !d.Allowed {
				t.Errorf("admin %s: %+v, want allowed", a, d)
			}
		})
		t.Run("the user role may not "+a, func(t *testing.T) {
			if d := p.Authorize(user, rbac.Admin(a)); d.Allowed || d.StepUp != nil {
				t.Errorf("user %s: %+v, want denied outright", a, d)
			}
		})
	}
	for _, r := range rbac.Routes() {
		t.Run("the admin role may call "+r, func(t *testing.T) {
			if d := p.Authorize(admin, rbac.Route(r)); !d.Allowed {
				t.Errorf("admin route %s: %+v, want allowed", r, d)
			}
		})
		wantUser := r != rbac.RouteAdmin
		t.Run("the user role's access to "+r+" is as today", func(t *testing.T) {
			if d := p.Authorize(user, rbac.Route(r)); d.Allowed != wantUser {
				t.Errorf("user route %s: %+v, want allowed=%t", r, d, wantUser)
			}
		})
	}
	for _, role := range []string{rbac.RoleUser, rbac.RoleAdmin} {
		if limit, set := p.TokensPerDay(role); set || limit != 0 {
			t.Errorf("TokensPerDay(%s) = %d, %t; want no cap from the role", role, limit, set)
		}
	}
}

func TestTokensPerDay(t *testing.T) {
	p := loadPolicy(t)
	extra, err := rbac.Compile(rbac.Config{Roles: []rbac.Role{
		{Name: "ten", TokensPerDay: ptr(int64(10)), Grants: []rbac.Grant{{Routes: []string{rbac.RouteChat}}}},
		{Name: "twenty", TokensPerDay: ptr(int64(20)), Grants: []rbac.Grant{{Routes: []string{rbac.RouteChat}}}},
		{Name: "free", TokensPerDay: ptr(int64(0)), Grants: []rbac.Grant{{Routes: []string{rbac.RouteChat}}}},
		{Name: "both", Includes: []string{"ten", "twenty"}},
		{Name: "with-free", Includes: []string{"ten", "free"}},
		{Name: "own", Includes: []string{"twenty"}, TokensPerDay: ptr(int64(5))},
		{Name: "with-user", Includes: []string{rbac.RoleUser, "ten"}},
	}}, rbac.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		p         *rbac.Policy
		role      string
		wantLimit int64
		wantSet   bool
	}{
		{"a role's own cap applies", p, "mini", 50000, true},
		{"a cap is inherited from an included role", p, "premium", 50000, true},
		{"an explicit 0 is no cap", p, "ops", 0, true},
		{"a role without a cap anywhere has none", p, "support", 0, false},
		{"an unknown role has no cap", p, "ghost", 0, false},
		{"of two included caps the more generous applies", extra, "both", 20, true},
		{"an included no-cap is the most generous", extra, "with-free", 0, true},
		{"a role's own cap overrides included ones, even when stricter", extra, "own", 5, true},
		{"an included role without a cap does not lift another's", extra, "with-user", 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit, set := tt.p.TokensPerDay(tt.role)
			if limit != tt.wantLimit || set != tt.wantSet {
				t.Errorf("TokensPerDay(%s) = %d, %t; want %d, %t", tt.role, limit, set, tt.wantLimit, tt.wantSet)
			}
		})
	}
}

func TestAuthorizeAllocatesNothing(t *testing.T) {
	p := loadPolicy(t)
	cases := []struct {
		name string
		s    rbac.Subject
		a    rbac.Action
	}{
		{"route", rbac.Subject{Role: rbac.RoleUser}, rbac.Route(rbac.RouteChat)},
		{"prefix model", rbac.Subject{Role: "mini"}, rbac.Model("gpt-4o-mini")},
		{"denied model", rbac.Subject{Role: "mini"}, rbac.Model("gpt-4")},
		{"step-up", rbac.Subject{Role: "auditor"}, rbac.Admin(rbac.ActionAuditRead)},
		{"unknown role", rbac.Subject{Role: "ghost"}, rbac.Route(rbac.RouteChat)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(100, func() { _ = p.Authorize(c.s, c.a) }); n != 0 {
				t.Errorf("Authorize allocates %.1f times per call, want 0", n)
			}
		})
	}
}

func BenchmarkAuthorize(b *testing.B) {
	p := loadPolicy(b)
	cases := []struct {
		name string
		s    rbac.Subject
		a    rbac.Action
	}{
		{"route/granted", rbac.Subject{Role: rbac.RoleUser}, rbac.Route(rbac.RouteChat)},
		{"model/star", rbac.Subject{Role: rbac.RoleUser}, rbac.Model("gpt-4o-mini")},
		{"model/prefix", rbac.Subject{Role: "premium"}, rbac.Model("gpt-4o-mini")},
		{"model/denied", rbac.Subject{Role: "mini"}, rbac.Model("llama-3-70b")},
		{"admin/inherited", rbac.Subject{Role: rbac.RoleAdmin}, rbac.Admin(rbac.ActionKeysRotate)},
		{"admin/step-up-met", rbac.Subject{Role: "ops", MFA: true, AuthTime: now}, rbac.Admin(rbac.ActionKeysRotate)},
		{"admin/step-up-needed", rbac.Subject{Role: "ops"}, rbac.Admin(rbac.ActionKeysRotate)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = p.Authorize(c.s, c.a)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestStricterCap(t *testing.T) {
	tests := []struct {
		name       string
		a, b, want int64
	}{
		{"no cap on either side is no cap", 0, 0, 0},
		{"a cap on one side applies", 100, 0, 100},
		{"a cap on the other side applies", 0, 100, 100},
		{"of two caps the smaller applies", 100, 50, 50},
		{"of two caps the smaller applies either way", 50, 100, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rbac.StricterCap(tt.a, tt.b); got != tt.want {
				t.Errorf("StricterCap(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	f, err := os.Open("testdata/roles.yaml")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	c, err := rbac.ParseConfig(f)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rbac.Compile(c, rbac.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
