package rbac

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Explanation is a subject's effective permissions and where each comes
// from, for "bulwark admin explain USER" and the admin API.
type Explanation struct {
	User string `json:"user,omitempty"`
	Role string `json:"role"`
	// KnownRole is false when the policy has no such role: the subject
	// may then do nothing.
	KnownRole bool `json:"known_role"`
	// Roles are the role and every role it includes, nearest first.
	Roles       []string     `json:"roles"`
	Permissions []Permission `json:"permissions"`
	// TokensPerDay is the role's daily token cap, nil when it has none.
	TokensPerDay *BudgetSource `json:"tokens_per_day,omitempty"`
}

// Permission is one effective permission and every grant that gives it.
type Permission struct {
	Kind    Kind     `json:"kind"`
	Name    string   `json:"name"` // route, admin action, or model pattern
	Sources []Source `json:"sources"`
}

// Source is one grant giving a permission.
type Source struct {
	// Via is the chain of roles from the subject's role to the role that
	// holds the grant.
	Via  []string `json:"via"`
	Rule string   `json:"rule"`
	// Pattern is the admin pattern the grant names ("*", "apps.*") when
	// it is not the action itself.
	Pattern string `json:"pattern,omitempty"`
	// StepUp is what the grant requires of the subject, nil if nothing.
	StepUp *Requirement `json:"step_up,omitempty"`
}

// BudgetSource is a daily token cap (0: no cap) and the chain of roles it
// comes from.
type BudgetSource struct {
	Limit int64    `json:"limit"`
	Via   []string `json:"via"`
}

// Explain lists the effective permissions of a subject: routes, then
// models, then admin actions, each with the grants that give it.
func (p *Policy) Explain(subject Subject) Explanation {
	ex := Explanation{User: subject.User, Role: subject.Role, Roles: []string{}, Permissions: []Permission{}}
	cr := p.roles[subject.Role]
	if cr == nil {
		return ex
	}
	ex.KnownRole = true
	ex.Roles = slices.Clone(cr.closure)
	if cr.budget.set {
		ex.TokensPerDay = &BudgetSource{Limit: cr.budget.limit, Via: slices.Clone(cr.budget.via)}
	}
	type key struct {
		kind Kind
		name string
	}
	at := map[key]int{}
	for _, s := range cr.sources {
		k := key{s.kind, s.name}
		i, ok := at[k]
		if !ok {
			i = len(ex.Permissions)
			at[k] = i
			ex.Permissions = append(ex.Permissions, Permission{Kind: s.kind, Name: s.name})
		}
		src := Source{Via: slices.Clone(s.via), Rule: s.rule, Pattern: s.pattern}
		if s.req != (Requirement{}) {
			r := s.req
			src.StepUp = &r
		}
		ex.Permissions[i].Sources = append(ex.Permissions[i].Sources, src)
	}
	order := func(pm Permission) int {
		switch pm.Kind {
		case KindRoute:
			return slices.Index(routes, pm.Name)
		case KindAdmin:
			return slices.Index(adminActions, pm.Name)
		}
		return 0
	}
	slices.SortStableFunc(ex.Permissions, func(a, b Permission) int {
		if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		if c := cmp.Compare(order(a), order(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	for i := range ex.Permissions {
		slices.SortStableFunc(ex.Permissions[i].Sources, func(a, b Source) int {
			if c := cmp.Compare(len(a.Via), len(b.Via)); c != 0 {
				return c
			}
			return cmp.Compare(a.Rule, b.Rule)
		})
	}
	return ex
}

// WriteJSON writes the explanation as indented JSON.
func (ex Explanation) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(ex)
}

// WriteText writes the explanation as an aligned table, one line per
// permission and grant.
func (ex Explanation) WriteText(w io.Writer) error {
	user := ex.User
	if user == "" {
		user = "-"
	}
	if !ex.KnownRole {
		_, err := fmt.Fprintf(w, "user %s: role %q is not defined; every action is denied\n", user, ex.Role)
		return err
	}
	head := fmt.Sprintf("user %s: role %s (roles %s)\n", user, ex.Role, strings.Join(ex.Roles, ", "))
	if ex.TokensPerDay != nil {
		limit := fmt.Sprint(ex.TokensPerDay.Limit)
		if ex.TokensPerDay.Limit == 0 {
			limit = "no cap"
		}
		head += fmt.Sprintf("tokens per day: %s (via %s)\n", limit, strings.Join(ex.TokensPerDay.Via, " > "))
	}
	if len(ex.Permissions) == 0 {
		head += "no permissions\n"
	}
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	if len(ex.Permissions) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tVIA\tRULE\tSTEP-UP")
	for _, pm := range ex.Permissions {
		for _, s := range pm.Sources {
			rule := s.Rule
			if s.Pattern != "" {
				rule += " (" + s.Pattern + ")"
			}
			step := "-"
			if s.StepUp != nil {
				step = s.StepUp.String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", pm.Kind, pm.Name, strings.Join(s.Via, " > "), rule, step)
		}
	}
	return tw.Flush()
}
