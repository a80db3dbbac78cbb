package rbac

import (
	"encoding"
	"fmt"
	"slices"
)

// Kind is what an action is about: a route, a model or an admin action.
type Kind uint8

// Kinds of action. The zero Kind is no kind: an Action of it is denied.
const (
	KindRoute Kind = iota + 1
	KindModel
	KindAdmin
)

var kindNames = [...]string{KindRoute: "route", KindModel: "model", KindAdmin: "admin"}

func (k Kind) String() string {
	if k >= KindRoute && k <= KindAdmin {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MarshalText renders a kind as its name, for JSON.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

var _ encoding.TextMarshaler = Kind(0)

// Action is one thing a subject asks to do: call a route, use a model, or
// perform an admin action. Build it with Route, Model or Admin.
type Action struct {
	Kind Kind
	Name string
}

// Route is the action of calling a route (RouteChat, RouteEmbeddings,
// RouteModels, RouteAdmin).
func Route(name string) Action { return Action{Kind: KindRoute, Name: name} }

// Model is the action of using a model by the name apps call it.
func Model(name string) Action { return Action{Kind: KindModel, Name: name} }

// Admin is the action of performing an admin action (ActionAppsRead…).
func Admin(name string) Action { return Action{Kind: KindAdmin, Name: name} }

func (a Action) String() string { return a.Kind.String() + ":" + a.Name }

// Routes a role may be granted.
const (
	RouteChat       = "chat"       // POST /v1/chat/completions
	RouteEmbeddings = "embeddings" // POST /v1/embeddings
	RouteModels     = "models"     // GET /v1/models, GET /v1/models/{model}
	RouteAdmin      = "admin"      // the admin API, /admin/v1/…, as a whole
)

// routes are the known routes, in the order explanations list them.
var routes = []string{RouteChat, RouteEmbeddings, RouteModels, RouteAdmin}

// Admin actions, one per kind of admin API call. Their area is the part
// before the dot; a grant may name "area.*" or "*".
const (
	ActionAppsRead       = "apps.read"       // list and read apps
	ActionAppsWrite      = "apps.write"      // create, replace and delete apps
	ActionUsersRead      = "users.read"      // list users
	ActionUsersWrite     = "users.write"     // create users
	ActionSessionsRead   = "sessions.read"   // list the sessions of a user
	ActionSessionsRevoke = "sessions.revoke" // revoke a session or every session of a user
	ActionProvidersRead  = "providers.read"  // list providers and whether their key is set
	ActionKeysRotate     = "keys.rotate"     // set (rotate) a provider's API key
	ActionAuditRead      = "audit.read"      // query the audit log
	ActionAuditVerify    = "audit.verify"    // verify the audit log's hash chain
	ActionRolesRead      = "roles.read"      // read roles and explain a user's permissions
	ActionRolesWrite     = "roles.write"     // create, replace and delete roles
)

// adminActions are the known admin actions, in the order explanations
// list them.
var adminActions = []string{
	ActionAppsRead, ActionAppsWrite,
	ActionUsersRead, ActionUsersWrite,
	ActionSessionsRead, ActionSessionsRevoke,
	ActionProvidersRead, ActionKeysRotate,
	ActionAuditRead, ActionAuditVerify,
	ActionRolesRead, ActionRolesWrite,
}

// Routes returns the names of every route a role may be granted.
func Routes() []string { return slices.Clone(routes) }

// AdminActions returns the names of every admin action.
func AdminActions() []string { return slices.Clone(adminActions) }

// Endpoint is an admin API endpoint and the admin action it performs.
type Endpoint struct {
	Pattern string // a net/http pattern, as the gateway registers it
	Action  string
}

// adminEndpoints maps the gateway's admin API to admin actions.
var adminEndpoints = []Endpoint{
	{"GET /admin/v1/apps", ActionAppsRead},
	{"GET /admin/v1/apps/{id}", ActionAppsRead},
	{"PUT /admin/v1/apps/{id}", ActionAppsWrite},
	{"DELETE /admin/v1/apps/{id}", ActionAppsWrite},
	{"GET /admin/v1/users", ActionUsersRead},
	{"POST /admin/v1/users", ActionUsersWrite},
	{"GET /admin/v1/users/{id}/sessions", ActionSessionsRead},
	{"POST /admin/v1/users/{id}/revoke", ActionSessionsRevoke},
	{"POST /admin/v1/sessions/{id}/revoke", ActionSessionsRevoke},
	{"GET /admin/v1/providers", ActionProvidersRead},
	{"PUT /admin/v1/providers/{name}/key", ActionKeysRotate},
	{"GET /admin/v1/audit", ActionAuditRead},
	{"GET /admin/v1/audit/verify", ActionAuditVerify},
	{"GET /admin/v1/roles", ActionRolesRead},
	{"GET /admin/v1/roles/{name}", ActionRolesRead},
	{"PUT /admin/v1/roles/{name}", ActionRolesWrite},
	{"DELETE /admin/v1/roles/{name}", ActionRolesWrite},
	{"GET /admin/v1/users/{id}/explain", ActionRolesRead},
}

// AdminEndpoints returns the admin API endpoints and their actions,
// including the role endpoints the admin API is to gain.
func AdminEndpoints() []Endpoint { return slices.Clone(adminEndpoints) }

// AdminActionFor returns the admin action of an admin API pattern, as
// registered with net/http (r.Pattern). Unknown patterns return false:
// the caller denies them.
func AdminActionFor(pattern string) (string, bool) {
	for _, e := range adminEndpoints {
		if e.Pattern == pattern {
			return e.Action, true
		}
	}
	return "", false
}
