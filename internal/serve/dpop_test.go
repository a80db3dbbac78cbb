package serve_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/bulwark-security/bulwark/internal/gateway"
)

// publicURL is the gateway's configured public origin: what proofs name
// in htu, whatever address the test server listens on.
const publicURL = "https://gw.example"

// rfcProof builds a DPoP proof the way RFC 9449 §4 describes, with the JOSE
// library directly (not internal/dpop): a JWS of type dpop+jwt whose header
// carries the public JWK, over jti, htm, htu, iat and, with an access
// token, ath.
func rfcProof(t *testing.T, key *ecdsa.PrivateKey, method, url, accessToken string) string {
	t.Helper()
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt")
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	jti := make([]byte, 16)
	rand.Read(jti)
	claims := map[string]any{"jti": hex.EncodeToString(jti), "htm": method, "htu": url, "iat": time.Now().Unix()}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// send is harness.call with explicit Authorization and DPoP headers.
func send(t *testing.T, h *harness, method, path, authz, proof string, body any) (int, http.Header, []byte) {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, h.url+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func TestDPoPBoundTokens(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) { c.Server.PublicURL = publicURL })
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	thief, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	loginBody := map[string]string{"username": testUser, "password": testPassword, "app_id": testApp, "device_id": "pixel"}
	status, _, body := send(t, h, "POST", "/v1/auth/login", "", rfcProof(t, key, "POST", publicURL+"/v1/auth/login", ""), loginBody)
	var tk tokens
	if status != http.StatusOK || json.Unmarshal(body, &tk) != nil || tk.TokenType != "DPoP" {
		t.Fatalf("DPoP login: %d %s", status, body)
	}
	chatURL := publicURL + "/v1/chat/completions"
	chat := map[string]any{"model": "chat", "messages": []map[string]string{{"role": "user", "content": "hello"}}}
	proof := rfcProof(t, key, "POST", chatURL, tk.AccessToken)
	if status, _, body := send(t, h, "POST", "/v1/chat/completions", "DPoP "+tk.AccessToken, proof, chat); status != http.StatusOK {
		t.Fatalf("AI call with a proof: %d %s", status, body)
	}
	refused := []struct {
		name, authz, proof, code string
	}{
		{"the same proof replayed", "DPoP " + tk.AccessToken, proof, "invalid_dpop_proof"},
		{"the token without a proof", "DPoP " + tk.AccessToken, "", "invalid_dpop_proof"},
		{"the token sent as a bearer token", "Bearer " + tk.AccessToken, "", "dpop_required"},
		{"a proof by another key (a stolen token)", "DPoP " + tk.AccessToken, rfcProof(t, thief, "POST", chatURL, tk.AccessToken), "invalid_token"},
		{"a proof for another URL", "DPoP " + tk.AccessToken, rfcProof(t, key, "POST", publicURL+"/v1/embeddings", tk.AccessToken), "invalid_dpop_proof"},
		{"a proof for another method", "DPoP " + tk.AccessToken, rfcProof(t, key, "GET", chatURL, tk.AccessToken), "invalid_dpop_proof"},
		{"a proof for another access token", "DPoP " + tk.AccessToken, rfcProof(t, key, "POST", chatURL, "other-token"), "invalid_dpop_proof"},
	}
	for _, tc := range refused {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			status, hdr, body := send(t, h, "POST", "/v1/chat/completions", tc.authz, tc.proof, chat)
			if status != http.StatusUnauthorized || decodeError(t, body).Error.Code != tc.code {
				t.Errorf("%d %s, want 401 %s", status, body, tc.code)
			}
			if !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "DPoP") {
				t.Errorf("WWW-Authenticate = %q, want a DPoP challenge", hdr.Get("WWW-Authenticate"))
			}
		})
	}
	t.Run("the refresh token rotates only with a proof by the same key", func(t *testing.T) {
		refreshURL := publicURL + "/v1/auth/refresh"
		rb := map[string]string{"refresh_token": tk.RefreshToken}
		for _, p := range []string{"", rfcProof(t, thief, "POST", refreshURL, "")} {
			if status, _, body := send(t, h, "POST", "/v1/auth/refresh", "", p, rb); status != http.StatusBadRequest || decodeError(t, body).Error.Code != "invalid_dpop_proof" {
				t.Errorf("refresh with proof %.10q: %d %s, want 400 invalid_dpop_proof", p, status, body)
			}
		}
		status, _, body := send(t, h, "POST", "/v1/auth/refresh", "", rfcProof(t, key, "POST", refreshURL, ""), rb)
		var next tokens
		if status != http.StatusOK || json.Unmarshal(body, &next) != nil || next.TokenType != "DPoP" {
			t.Fatalf("refresh with the key's proof: %d %s", status, body)
		}
	})
	t.Run("a bearer token is not accepted under the DPoP scheme", func(t *testing.T) {
		bearerTok := h.login(testUser, testApp, "web").AccessToken
		if status, _, body := send(t, h, "POST", "/v1/chat/completions", "DPoP "+bearerTok, rfcProof(t, key, "POST", chatURL, bearerTok), chat); status != http.StatusUnauthorized {
			t.Errorf("%d %s", status, body)
		}
	})
}

func TestAppsCanRequireDPoP(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) {
		c.Server.PublicURL = publicURL
		c.Apps = append(c.Apps, gateway.AppConfig{ID: "strict-app", Models: []string{"*"}, RequireDPoP: true})
	})
	body := map[string]string{"username": testUser, "password": testPassword, "app_id": "strict-app", "device_id": "d"}
	if status, _, b := send(t, h, "POST", "/v1/auth/login", "", "", body); status != http.StatusBadRequest || decodeError(t, b).Error.Code != "invalid_dpop_proof" {
		t.Errorf("login without a proof: %d %s, want 400 invalid_dpop_proof", status, b)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if status, _, b := send(t, h, "POST", "/v1/auth/login", "", rfcProof(t, key, "POST", publicURL+"/v1/auth/login", ""), body); status != http.StatusOK {
		t.Errorf("login with a proof: %d %s", status, b)
	}
}

func TestDPoPServerNonces(t *testing.T) {
	h := newHarness(t, func(c *gateway.Config) {
		c.Server.PublicURL = publicURL
		c.Auth.DPoP.Nonces = true
	})
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	body := map[string]string{"username": testUser, "password": testPassword, "app_id": testApp, "device_id": "d"}
	status, hdr, b := send(t, h, "POST", "/v1/auth/login", "", rfcProof(t, key, "POST", publicURL+"/v1/auth/login", ""), body)
	nonce := hdr.Get("DPoP-Nonce")
	if status != http.StatusBadRequest || decodeError(t, b).Error.Code != "use_dpop_nonce" || nonce == "" {
		t.Fatalf("login without a nonce: %d %s (nonce %q), want 400 use_dpop_nonce with a DPoP-Nonce", status, b, nonce)
	}
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt")
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	payload, _ := json.Marshal(map[string]any{"jti": "n-1", "htm": "POST", "htu": publicURL + "/v1/auth/login", "iat": time.Now().Unix(), "nonce": nonce})
	jws, _ := signer.Sign(payload)
	proof, _ := jws.CompactSerialize()
	if status, hdr, b := send(t, h, "POST", "/v1/auth/login", "", proof, body); status != http.StatusOK || hdr.Get("DPoP-Nonce") == "" {
		t.Errorf("login with the nonce: %d %s; next nonce %q", status, b, hdr.Get("DPoP-Nonce"))
	}
}
