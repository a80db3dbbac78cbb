package extissuer

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

func decodeClaims(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// The claim shapes below follow each provider's documented access tokens:
// Auth0 custom claims are namespaced URLs, Keycloak puts realm roles in
// realm_access.roles and client roles in resource_access.<client>.roles,
// Cognito puts groups in cognito:groups and the app client in client_id.
const (
	auth0Claims    = `{"sub":"auth0|1","azp":"cl1","https://example.com/roles":["editor","bulwark-admin"],"permissions":["read:chat"]}`
	keycloakClaims = `{"sub":"f1e2","azp":"mobile","preferred_username":"ada","realm_access":{"roles":["offline_access","bulwark-user"]},"resource_access":{"mobile":{"roles":["bulwark-admin"]}}}`
	cognitoClaims  = `{"sub":"c0ffee","client_id":"7abc","username":"ada","cognito:groups":["admins","users"],"token_use":"access","scope":"aws.cognito.signin.user.admin"}`
	firebaseClaims = `{"sub":"uid1","aud":"my-project","firebase":{"sign_in_provider":"password"},"email_verified":true,"roles":"bulwark-admin"}`
)

func TestMapRole(t *testing.T) {
	tests := []struct {
		name    string
		claims  string
		mapping RoleMapping
		want    string
	}{
		{"Auth0 namespaced URL claim maps to admin", auth0Claims,
			RoleMapping{Claim: "https://example.com/roles", Rules: []RoleRule{{"bulwark-admin", "admin"}}, Default: "user"}, "admin"},
		{"Auth0 claim without a matching value gets the default", auth0Claims,
			RoleMapping{Claim: "https://example.com/roles", Rules: []RoleRule{{"owner", "admin"}}, Default: "user"}, "user"},
		{"Keycloak realm_access.roles walks nested objects", keycloakClaims,
			RoleMapping{Claim: "realm_access.roles", Rules: []RoleRule{{"bulwark-admin", "admin"}, {"bulwark-user", "user"}}}, "user"},
		{"Keycloak client roles under resource_access.mobile.roles", keycloakClaims,
			RoleMapping{Claim: "resource_access.mobile.roles", Rules: []RoleRule{{"bulwark-admin", "admin"}}}, "admin"},
		{"Cognito cognito:groups is one claim name despite the colon", cognitoClaims,
			RoleMapping{Claim: "cognito:groups", Rules: []RoleRule{{"admins", "admin"}, {"users", "user"}}}, "admin"},
		{"rules are tried in order: the first listed wins", cognitoClaims,
			RoleMapping{Claim: "cognito:groups", Rules: []RoleRule{{"users", "user"}, {"admins", "admin"}}}, "user"},
		{"a single string claim counts as one value", firebaseClaims,
			RoleMapping{Claim: "roles", Rules: []RoleRule{{"bulwark-admin", "admin"}}}, "admin"},
		{"missing claim without default gives no role", firebaseClaims,
			RoleMapping{Claim: "groups", Rules: []RoleRule{{"x", "admin"}}}, ""},
		{"missing claim with default gives the default", firebaseClaims,
			RoleMapping{Claim: "groups", Rules: []RoleRule{{"x", "admin"}}, Default: "user"}, "user"},
		{"a claim of the wrong type matches nothing", `{"roles":{"admin":true}}`,
			RoleMapping{Claim: "roles", Rules: []RoleRule{{"admin", "admin"}}}, ""},
		{"non-string list members are ignored", `{"roles":[1,true,null,"admin"]}`,
			RoleMapping{Claim: "roles", Rules: []RoleRule{{"admin", "admin"}}}, "admin"},
		{"a path into a non-object is absent", `{"realm_access":"roles"}`,
			RoleMapping{Claim: "realm_access.roles", Rules: []RoleRule{{"roles", "admin"}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mapRole(decodeClaims(t, tt.claims), tt.mapping); got != tt.want {
				t.Errorf("role = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRequiredClaimsAndApp(t *testing.T) {
	claims := decodeClaims(t, cognitoClaims)
	fb := decodeClaims(t, firebaseClaims)
	required := []struct {
		name   string
		claims map[string]any
		rc     RequiredClaim
		want   bool
	}{
		{"present string equals", claims, RequiredClaim{Claim: "token_use", Equals: "access"}, true},
		{"present string differs", claims, RequiredClaim{Claim: "token_use", Equals: "id"}, false},
		{"presence only", claims, RequiredClaim{Claim: "client_id"}, true},
		{"absent", claims, RequiredClaim{Claim: "nonce"}, false},
		{"boolean written as JSON", fb, RequiredClaim{Claim: "email_verified", Equals: "true"}, true},
		{"nested path", fb, RequiredClaim{Claim: "firebase.sign_in_provider", Equals: "password"}, true},
		{"list contains", claims, RequiredClaim{Claim: "cognito:groups", Equals: "users"}, true},
		{"list lacks", claims, RequiredClaim{Claim: "cognito:groups", Equals: "root"}, false},
		{"object never equals", fb, RequiredClaim{Claim: "firebase", Equals: "x"}, false},
	}
	for _, tt := range required {
		t.Run("required claim: "+tt.name, func(t *testing.T) {
			if got := hasRequired(tt.claims, tt.rc); got != tt.want {
				t.Errorf("hasRequired(%+v) = %v, want %v", tt.rc, got, tt.want)
			}
		})
	}
	apps := []struct {
		name string
		m    AppMapping
		want string
	}{
		{"fixed app id", AppMapping{ID: "demo"}, "demo"},
		{"claim value used as app id", AppMapping{Claim: "client_id"}, "7abc"},
		{"claim value mapped", AppMapping{Claim: "client_id", Map: map[string]string{"7abc": "ios-app"}}, "ios-app"},
		{"unmapped claim value refused", AppMapping{Claim: "client_id", Map: map[string]string{"other": "ios-app"}}, ""},
		{"absent claim refused", AppMapping{Claim: "azp"}, ""},
	}
	for _, tt := range apps {
		t.Run("app: "+tt.name, func(t *testing.T) {
			if got := mapApp(claims, tt.m); got != tt.want {
				t.Errorf("app = %q, want %q", got, tt.want)
			}
		})
	}
	if diff := cmp.Diff([]string{"aws.cognito.signin.user.admin"}, scopesOf(claims)); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a", "b"}, scopesOf(decodeClaims(t, `{"scp":["a","b"]}`))); diff != "" {
		t.Errorf("scp scopes (-want +got):\n%s", diff)
	}
}

// TestProviderShapedTokens verifies end to end tokens shaped like
// Keycloak's and Cognito's, each with its own configuration.
func TestProviderShapedTokens(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(p *provider) IssuerConfig
		claims func(p *provider) map[string]any
		want   func(p *provider) Principal
	}{
		{"Keycloak realm roles and azp", func(p *provider) IssuerConfig {
			return IssuerConfig{Name: "keycloak", Issuer: p.srv.URL, Audience: Strings{"bulwark"}, Algorithms: []string{"RS256"},
				Claims: ClaimMapping{Username: "preferred_username", App: AppMapping{Claim: "azp", Map: map[string]string{"mobile": "demo-app"}}},
				Roles:  RoleMapping{Claim: "realm_access.roles", Rules: []RoleRule{{"bulwark-admin", "admin"}, {"bulwark-user", "user"}}}}
		}, func(p *provider) map[string]any {
			c := map[string]any{}
			_ = json.Unmarshal([]byte(keycloakClaims), &c)
			c["iss"], c["aud"], c["iat"], c["exp"] = p.srv.URL, "bulwark", t0.Unix(), t0.Add(5*time.Minute).Unix()
			c["cnf"] = map[string]any{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"} // DPoP-bound, as Keycloak issues them
			return c
		}, func(p *provider) Principal {
			return Principal{Subject: "ext:keycloak:f1e2", Issuer: "keycloak", IssuerURL: p.srv.URL, ExternalSubject: "f1e2",
				Username: "ada", Role: "user", App: "demo-app", KeyThumbprint: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I",
				IssuedAt: t0, ExpiresAt: t0.Add(5 * time.Minute)}
		}},
		{"Cognito access token: groups, token_use required, audience in client_id", func(p *provider) IssuerConfig {
			return IssuerConfig{Name: "cognito", Issuer: p.srv.URL, Audience: Strings{"7abc"}, AudienceClaim: "client_id", Algorithms: []string{"RS256"},
				Claims:         ClaimMapping{Username: "username", App: AppMapping{Claim: "client_id", Map: map[string]string{"7abc": "ios-app"}}},
				Roles:          RoleMapping{Claim: "cognito:groups", Rules: []RoleRule{{"admins", "admin"}}, Default: "user"},
				RequiredClaims: []RequiredClaim{{Claim: "token_use", Equals: "access"}}}
		}, func(p *provider) map[string]any {
			c := map[string]any{}
			_ = json.Unmarshal([]byte(cognitoClaims), &c)
			c["iss"], c["iat"], c["exp"] = p.srv.URL, t0.Unix(), t0.Add(time.Hour).Unix() // no "aud", as Cognito writes it
			return c
		}, func(p *provider) Principal {
			return Principal{Subject: "ext:cognito:c0ffee", Issuer: "cognito", IssuerURL: p.srv.URL, ExternalSubject: "c0ffee",
				Username: "ada", Role: "admin", App: "ios-app", Scopes: []string{"aws.cognito.signin.user.admin"},
				IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t)
			p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
			clk := &clock{now: t0.Add(time.Minute)}
			v, err := New(Config{Issuers: []IssuerConfig{tt.cfg(p)}}, Options{HTTPClient: p.srv.Client(), Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			got, err := v.Verify(context.Background(), p.sign("k1", true, tt.claims(p)))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(tt.want(p), got); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
		})
	}
}
