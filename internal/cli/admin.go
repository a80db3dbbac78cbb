package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulwark-security/bulwark/internal/envelope"
	"github.com/bulwark-security/bulwark/internal/gateway"
	"github.com/bulwark-security/bulwark/internal/serve"
)

// adminClient calls a gateway's admin API.
type adminClient struct {
	base  string
	token string
	http  *http.Client
	json  bool
}

type adminFlags struct {
	url   string
	token string
	json  bool
}

func newAdminCommand(e *env) *cobra.Command {
	var f adminFlags
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Administer a running gateway: apps, users, sessions, provider keys, audit log",
		Long: `Admin talks to a gateway's admin API with an administrator's access token
(--token or BULWARK_ADMIN_TOKEN; get one with 'bulwark admin login').
Every change is recorded in the audit log.

'bulwark admin genkey FILE' writes a new master key and needs no gateway.`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.url, "url", envOr("BULWARK_URL", "http://127.0.0.1:8080"), "gateway URL (env BULWARK_URL)")
	pf.StringVar(&f.token, "token", "", "administrator access token (default env BULWARK_ADMIN_TOKEN)")
	pf.BoolVar(&f.json, "json", false, "print JSON instead of tables")
	client := func() (*adminClient, error) {
		tok := f.token
		if tok == "" {
			tok = os.Getenv("BULWARK_ADMIN_TOKEN")
		}
		if tok == "" {
			return nil, usagef("no access token: pass --token or set BULWARK_ADMIN_TOKEN (see 'bulwark admin login')")
		}
		return newAdminClient(f.url, tok, f.json)
	}
	cmd.AddCommand(newAdminLogin(e, &f), newAdminGenkey(e), newAdminCreateUser(e), newAdminRotateMasterKey(e),
		newAdminApps(e, client), newAdminUsers(e, client), newAdminSessions(e, client),
		newAdminProviders(e, client), newAdminAudit(e, client), newAdminExplain(e, client))
	return cmd
}

func newAdminExplain(e *env, client clientFunc) *cobra.Command {
	return &cobra.Command{Use: "explain USERNAME|USER_ID", Short: "Show a user's effective permissions and the roles and grants they come from",
		Example: `  bulwark admin explain ada@example.com`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			id := args[0]
			if !strings.HasPrefix(id, "usr_") {
				var out struct {
					Data []struct{ ID, Username string } `json:"data"`
				}
				if err := c.do(cmd.Context(), "GET", "/admin/v1/users", nil, &out); err != nil {
					return err
				}
				id = ""
				for _, u := range out.Data {
					if strings.EqualFold(u.Username, args[0]) {
						id = u.ID
					}
				}
				if id == "" {
					return usagef("no user named %q", args[0])
				}
			}
			var ex any
			if err := c.do(cmd.Context(), "GET", "/admin/v1/users/"+url.PathEscape(id)+"/explain", nil, &ex); err != nil {
				return err
			}
			return printJSON(e.stdout, ex)
		}}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func newAdminClient(base, token string, asJSON bool) (*adminClient, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--url %q: want http(s)://host:port", base)
	}
	return &adminClient{base: strings.TrimSuffix(base, "/"), token: token, json: asJSON,
		http: &http.Client{Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, nil
}

// apiError is the gateway's error body.
type apiErrorBody struct {
	Error struct {
		Message string `json:"message"`
		Code    string `json:"code"`
	} `json:"error"`
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (c *adminClient) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		he := &httpError{Method: method, Path: path, Status: resp.StatusCode, Body: data}
		var eb apiErrorBody
		if json.Unmarshal(data, &eb) == nil && eb.Error.Message != "" {
			he.Code, he.Message = eb.Error.Code, eb.Error.Message
		}
		return he
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

// print writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes rows under a header, aligned.
func table(w io.Writer, header string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// readSecret reads one line from stdin (a password or a key), so that
// secrets never appear in the process list or shell history.
// httpError is an error answer of the gateway.
type httpError struct {
	Method, Path  string
	Status        int
	Code, Message string
	Body          []byte
}

func (e *httpError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("%s %s: %d %s (%s)", e.Method, e.Path, e.Status, e.Message, e.Code)
	}
	return fmt.Sprintf("%s %s: HTTP %d", e.Method, e.Path, e.Status)
}

func readSecret(e *env, what string) (string, error) {
	if isTerminal(e.stderr) {
		fmt.Fprintf(e.stderr, "%s: ", what)
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, 8192)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("no %s on standard input", what)
	}
	return line, nil
}

func newAdminLogin(e *env, f *adminFlags) *cobra.Command {
	var username, app, otp, recovery string
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in as an administrator and print an access token (password on stdin)",
		Long: `Login logs in and prints an access token. The password is read from
standard input. An account with a second factor also needs --otp (the
authenticator app's current code) or --recovery-code.`,
		Example: `  export BULWARK_ADMIN_TOKEN=$(bulwark admin login --username admin < admin-password.txt)
  export BULWARK_ADMIN_TOKEN=$(bulwark admin login --username admin --otp 123456 < admin-password.txt)
  bulwark admin apps list`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if username == "" {
				return usagef("--username is required")
			}
			password, err := readSecret(e, "password")
			if err != nil {
				return err
			}
			c, err := newAdminClient(f.url, "", f.json)
			if err != nil {
				return err
			}
			var out struct {
				AccessToken string `json:"access_token"`
				ExpiresIn   int    `json:"expires_in"`
			}
			err = c.do(cmd.Context(), "POST", "/v1/auth/login", map[string]string{"username": username, "password": password, "app_id": app}, &out)
			var he *httpError
			if errors.As(err, &he) && he.Code == "mfa_required" {
				var ch struct {
					Ticket string `json:"mfa_ticket"`
				}
				if json.Unmarshal(he.Body, &ch) != nil || ch.Ticket == "" {
					return fmt.Errorf("login: the gateway asked for a second factor without a ticket")
				}
				if otp == "" && recovery == "" {
					return usagef("this account has a second factor: pass --otp CODE (or --recovery-code CODE)")
				}
				err = c.do(cmd.Context(), "POST", "/v1/auth/mfa", map[string]string{"mfa_ticket": ch.Ticket, "code": otp, "recovery_code": recovery}, &out)
			}
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(e.stdout, out)
			}
			_, err = fmt.Fprintln(e.stdout, out.AccessToken)
			return err
		},
	}
	cmd.Flags().StringVar(&username, "username", "", "administrator username")
	cmd.Flags().StringVar(&app, "app", gateway.AdminApp, "app to log in through")
	cmd.Flags().StringVar(&otp, "otp", "", "the authenticator app's current code, for an account with a second factor")
	cmd.Flags().StringVar(&recovery, "recovery-code", "", "a recovery code, instead of --otp")
	return cmd
}

func newAdminGenkey(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "genkey FILE",
		Short: "Write a new random master key (32 bytes, base64) to FILE with mode 0600",
		Long: `Genkey writes a new master key. The gateway seals provider keys, token
signing keys, audit signing keys and kept audit text under it
(secrets.master_key_file, or the variable secrets.master_key_env names).
Keep it out of the database's backups: whoever holds both holds the secrets.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(args[0]); err == nil {
				return usagef("%s exists; refusing to overwrite a master key", args[0])
			}
			if _, err := envelope.GenerateKeyFile(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "bulwark: master key written to %s\n", args[0])
			return nil
		},
	}
}

type clientFunc func() (*adminClient, error)

func newAdminApps(e *env, client clientFunc) *cobra.Command {
	cmd := &cobra.Command{Use: "apps", Short: "List, create, update and delete apps"}
	list := &cobra.Command{Use: "list", Short: "List apps", Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
		c, err := client()
		if err != nil {
			return err
		}
		var out struct {
			Data []map[string]any `json:"data"`
		}
		if err := c.do(cmd.Context(), "GET", "/admin/v1/apps", nil, &out); err != nil {
			return err
		}
		if c.json {
			return printJSON(e.stdout, out.Data)
		}
		var rows [][]string
		for _, a := range out.Data {
			limits, _ := json.Marshal(a["limits"])
			rows = append(rows, []string{str(a["id"]), str(a["name"]), fmt.Sprint(a["models"]), str(a["keep_text"]), string(limits)})
		}
		return table(e.stdout, "ID\tNAME\tMODELS\tKEEP TEXT\tLIMITS", rows)
	}}
	var name, limitsJSON, guardsJSON, routeGuardsJSON string
	var models, routes []string
	var keepText bool
	put := &cobra.Command{Use: "put ID", Short: "Create or replace an app", Args: cobra.ExactArgs(1),
		Example: `  bulwark admin apps put notes-app --name "Notes" --model demo-chat --limits '{"user":{"requests_per_minute":30,"tokens_per_day":100000}}'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			body := map[string]any{"name": name, "models": models, "routes": routes, "keep_text": keepText}
			for flag, v := range map[string]string{"limits": limitsJSON, "guards": guardsJSON, "route-guards": routeGuardsJSON} {
				if v == "" {
					continue
				}
				var parsed any
				if err := json.Unmarshal([]byte(v), &parsed); err != nil {
					return usagef("--%s: %v", flag, err)
				}
				body[strings.ReplaceAll(flag, "-", "_")] = parsed
			}
			var out any
			if err := c.do(cmd.Context(), "PUT", "/admin/v1/apps/"+url.PathEscape(args[0]), body, &out); err != nil {
				return err
			}
			return printJSON(e.stdout, out)
		}}
	put.Flags().StringVar(&name, "name", "", "display name")
	put.Flags().StringSliceVar(&models, "model", nil, "model the app may use (repeat; * for all)")
	put.Flags().StringSliceVar(&routes, "route", nil, "AI route the app may call: chat, embeddings (repeat; default both)")
	put.Flags().StringVar(&limitsJSON, "limits", "", `limits as JSON, e.g. '{"user":{"requests_per_minute":30}}'`)
	put.Flags().StringVar(&guardsJSON, "guards", "", `guard overrides as JSON, e.g. '{"pii":{"action":"block"},"injection":{"threshold":0.7}}'`)
	put.Flags().StringVar(&routeGuardsJSON, "route-guards", "", `guard overrides for one route, as JSON, e.g. '{"embeddings":{"pii":{"action":"off"}}}'`)
	put.Flags().BoolVar(&keepText, "keep-text", false, "keep prompt and answer text in audit events, encrypted")
	del := &cobra.Command{Use: "delete ID", Short: "Delete an app", Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		c, err := client()
		if err != nil {
			return err
		}
		return c.do(cmd.Context(), "DELETE", "/admin/v1/apps/"+url.PathEscape(args[0]), nil, nil)
	}}
	cmd.AddCommand(list, put, del)
	return cmd
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func newAdminUsers(e *env, client clientFunc) *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "List and create users"}
	list := &cobra.Command{Use: "list", Short: "List users", Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
		c, err := client()
		if err != nil {
			return err
		}
		var out struct {
			Data []map[string]any `json:"data"`
		}
		if err := c.do(cmd.Context(), "GET", "/admin/v1/users", nil, &out); err != nil {
			return err
		}
		if c.json {
			return printJSON(e.stdout, out.Data)
		}
		var rows [][]string
		for _, u := range out.Data {
			rows = append(rows, []string{str(u["id"]), str(u["username"]), str(u["role"]), str(u["disabled"]), str(u["created_at"])})
		}
		return table(e.stdout, "ID\tUSERNAME\tROLE\tDISABLED\tCREATED", rows)
	}}
	var role string
	create := &cobra.Command{Use: "create USERNAME", Short: "Create a user (password on stdin)", Args: cobra.ExactArgs(1),
		Example: `  bulwark admin users create ada@example.com --role user < password.txt`,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			password, err := readSecret(e, "password")
			if err != nil {
				return err
			}
			var out any
			if err := c.do(cmd.Context(), "POST", "/admin/v1/users", map[string]string{"username": args[0], "password": password, "role": role}, &out); err != nil {
				return err
			}
			return printJSON(e.stdout, out)
		}}
	create.Flags().StringVar(&role, "role", "user", "role: user or admin")
	cmd.AddCommand(list, create)
	return cmd
}

func newAdminSessions(e *env, client clientFunc) *cobra.Command {
	cmd := &cobra.Command{Use: "sessions", Short: "List and revoke sessions (refresh token families)"}
	list := &cobra.Command{Use: "list USER_ID", Short: "List a user's sessions", Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		c, err := client()
		if err != nil {
			return err
		}
		var out struct {
			Data []map[string]any `json:"data"`
		}
		if err := c.do(cmd.Context(), "GET", "/admin/v1/users/"+url.PathEscape(args[0])+"/sessions", nil, &out); err != nil {
			return err
		}
		if c.json {
			return printJSON(e.stdout, out.Data)
		}
		var rows [][]string
		for _, s := range out.Data {
			rows = append(rows, []string{str(s["id"]), str(s["app_id"]), str(s["device_id"]), str(s["created_at"]), str(s["revoked_at"]), str(s["revoked_reason"])})
		}
		return table(e.stdout, "ID\tAPP\tDEVICE\tCREATED\tREVOKED\tREASON", rows)
	}}
	revoke := &cobra.Command{Use: "revoke SESSION_ID", Short: "Revoke one session", Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		c, err := client()
		if err != nil {
			return err
		}
		return c.do(cmd.Context(), "POST", "/admin/v1/sessions/"+url.PathEscape(args[0])+"/revoke", nil, nil)
	}}
	revokeUser := &cobra.Command{Use: "revoke-user USER_ID", Short: "Revoke every session of a user", Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		c, err := client()
		if err != nil {
			return err
		}
		var out any
		if err := c.do(cmd.Context(), "POST", "/admin/v1/users/"+url.PathEscape(args[0])+"/revoke", nil, &out); err != nil {
			return err
		}
		return printJSON(e.stdout, out)
	}}
	cmd.AddCommand(list, revoke, revokeUser)
	return cmd
}

func newAdminProviders(e *env, client clientFunc) *cobra.Command {
	cmd := &cobra.Command{Use: "providers", Short: "List providers and set their API keys"}
	list := &cobra.Command{Use: "list", Short: "List providers (keys are never shown)", Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
		c, err := client()
		if err != nil {
			return err
		}
		var out struct {
			Data []map[string]any `json:"data"`
		}
		if err := c.do(cmd.Context(), "GET", "/admin/v1/providers", nil, &out); err != nil {
			return err
		}
		if c.json {
			return printJSON(e.stdout, out.Data)
		}
		var rows [][]string
		for _, p := range out.Data {
			rows = append(rows, []string{str(p["name"]), str(p["type"]), str(p["base_url"]), str(p["key_set"]), str(p["key_source"])})
		}
		return table(e.stdout, "NAME\tTYPE\tBASE URL\tKEY SET\tSOURCE", rows)
	}}
	setKey := &cobra.Command{Use: "set-key NAME", Short: "Set a provider's API key (read from stdin, stored sealed)", Args: cobra.ExactArgs(1),
		Example: `  bulwark admin providers set-key openai < openai-key.txt`,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			key, err := readSecret(e, "API key")
			if err != nil {
				return err
			}
			if err := c.do(cmd.Context(), "PUT", "/admin/v1/providers/"+url.PathEscape(args[0])+"/key", map[string]string{"api_key": key}, nil); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "bulwark: key of provider %s stored (sealed)\n", args[0])
			return nil
		}}
	cmd.AddCommand(list, setKey)
	return cmd
}

func newAdminAudit(e *env, client clientFunc) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Query and verify the gateway's audit log"}
	var q struct {
		since, until, app, user, decision, requestID string
		limit                                        int
	}
	query := &cobra.Command{Use: "query", Short: "Query audit events", Args: cobra.NoArgs,
		Example: `  bulwark admin audit query --since 1h --decision limited
  bulwark admin audit query --user usr_0123 --limit 20 --json`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			v := url.Values{}
			for k, val := range map[string]string{"since": q.since, "until": q.until, "app": q.app, "user": q.user, "decision": q.decision, "request_id": q.requestID} {
				if val != "" {
					v.Set(k, val)
				}
			}
			v.Set("limit", fmt.Sprint(q.limit))
			var out struct {
				Data []map[string]any `json:"data"`
			}
			if err := c.do(cmd.Context(), "GET", "/admin/v1/audit?"+v.Encode(), nil, &out); err != nil {
				return err
			}
			if c.json {
				return printJSON(e.stdout, out.Data)
			}
			var rows [][]string
			for _, r := range out.Data {
				ev, _ := r["event"].(map[string]any)
				rows = append(rows, []string{str(r["seq"]), str(ev["time"]), str(ev["decision"]), str(ev["reason"]), str(ev["status"]),
					str(ev["app"]), str(ev["user"]), str(ev["model"]), str(ev["route"])})
			}
			return table(e.stdout, "SEQ\tTIME\tDECISION\tREASON\tSTATUS\tAPP\tUSER\tMODEL\tROUTE", rows)
		}}
	fl := query.Flags()
	fl.StringVar(&q.since, "since", "", "events at or after this time (RFC 3339) or this long ago (1h, 30m)")
	fl.StringVar(&q.until, "until", "", "events before this time (RFC 3339) or this long ago")
	fl.StringVar(&q.app, "app", "", "only this app")
	fl.StringVar(&q.user, "user", "", "only this user id")
	fl.StringVar(&q.decision, "decision", "", "only this decision (allowed, denied, limited, upstream_error, login_failed, …)")
	fl.StringVar(&q.requestID, "request-id", "", "only this request")
	fl.IntVar(&q.limit, "limit", 100, "at most this many events (newest first)")
	verify := &cobra.Command{Use: "verify", Short: "Ask the gateway to verify its audit chain (offline: bulwark audit verify --config)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			var out map[string]any
			if err := c.do(cmd.Context(), "GET", "/admin/v1/audit/verify", nil, &out); err != nil {
				return err
			}
			if err := printJSON(e.stdout, out); err != nil {
				return err
			}
			if ok, _ := out["ok"].(bool); !ok {
				return errAuditBroken
			}
			return nil
		}}
	cmd.AddCommand(query, verify)
	return cmd
}

func newAdminCreateUser(e *env) *cobra.Command {
	var config, role string
	cmd := &cobra.Command{
		Use:   "create-user USERNAME --config FILE",
		Short: "Create a user directly in the gateway's database (password on stdin): the first administrator",
		Long: `Create-user writes to the database the configuration names, without a
running gateway: this is how the first administrator of a deployment is
created. Later users are best created through the admin API
('bulwark admin users create'). The change is recorded in the audit log.`,
		Example: `  bulwark admin create-user alice --role admin --config bulwark.yaml < alice-password.txt`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if config == "" {
				return usagef("--config is required")
			}
			cfg, err := gateway.LoadConfig(config, os.Getenv)
			if err != nil {
				return usageError{fmt.Errorf("configuration: %w", err)}
			}
			password, err := readSecret(e, "password")
			if err != nil {
				return err
			}
			u, err := serve.CreateUser(cmd.Context(), cfg, serve.Options{}, args[0], password, role)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", u.ID, u.Username, u.Role)
			return nil
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "the gateway's configuration file")
	cmd.Flags().StringVar(&role, "role", "user", "role: user or admin")
	return cmd
}

func newAdminRotateMasterKey(e *env) *cobra.Command {
	var config, newKeyFile string
	cmd := &cobra.Command{
		Use:   "rotate-master-key --config FILE --new-key-file NEW",
		Short: "Re-seal every stored secret under a new master key",
		Long: `Rotate-master-key re-wraps, in one transaction, the data keys of every
secret in the database (provider keys, token signing keys, audit signing
keys) from the master key the configuration names to the key in NEW
(written by 'bulwark admin genkey NEW'). Stop the gateways first; after it
succeeds, point the configuration at NEW and start them again. Audit text
kept under the old key stays sealed under it (the hash chain forbids
rewriting records): keep the old key if that text must stay readable.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if config == "" || newKeyFile == "" {
				return usagef("--config and --new-key-file are required")
			}
			cfg, err := gateway.LoadConfig(config, os.Getenv)
			if err != nil {
				return usageError{fmt.Errorf("configuration: %w", err)}
			}
			key, err := envelope.LoadKeyFile(newKeyFile)
			if err != nil {
				return err
			}
			next, err := envelope.New(key)
			if err != nil {
				return err
			}
			n, err := serve.RotateMasterKey(cmd.Context(), cfg, os.Getenv, next)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "re-sealed %d secrets under master key %s; now point secrets.master_key_file at %s\n", n, next.KeyID(), newKeyFile)
			return nil
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "the gateway's configuration file (names the database and the current key)")
	cmd.Flags().StringVar(&newKeyFile, "new-key-file", "", "the new master key file")
	return cmd
}
