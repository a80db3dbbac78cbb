// Package rbac decides what an authenticated subject may do: which routes
// it may call (chat, embeddings, the model list, the admin API), which
// models it may use, which admin actions it may perform, under which
// step-up (multi-factor authentication, a recent enough authentication),
// and the daily token cap of its role.
//
// Roles are data: the built-in roles user and admin, roles declared in the
// configuration (Config, decoded strictly by ParseConfig, checked by
// Validate), and roles stored through the admin API (Store, kept by
// Service). A role may include other roles; includes form no cycle. A
// Policy is compiled from them once; Policy.Authorize is then a few map
// lookups that allocate nothing, and denies whatever is not granted.
// Policy.Explain lists a subject's effective permissions with the chain
// of roles each comes from.
package rbac
