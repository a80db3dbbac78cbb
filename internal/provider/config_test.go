package provider

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestConfigNeverShowsTheKey(t *testing.T) {
	t.Parallel()
	cfg := Config{Name: "openai", Type: TypeOpenAI, APIKey: testKey, Headers: map[string]string{"X-Custom-Token": "tok-" + testKey}}.WithDefaults()
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("provider", "config", cfg)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("provider", "config", cfg)
	for _, s := range []string{cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), fmt.Sprintf("%v", &cfg), logs.String()} {
		if strings.Contains(s, testKey) {
			t.Errorf("the key shows in %s", s)
		}
	}
	if !strings.Contains(cfg.String(), redacted) || !strings.Contains(logs.String(), "api_key_set") {
		t.Errorf("String = %s; logs = %s", cfg, logs.String())
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	valid := Config{Name: "p", Type: TypeOpenAI}
	tests := []struct {
		name   string
		change func(c *Config)
		field  string // "" when valid
	}{
		{"defaults are valid", func(c *Config) {}, ""},
		{"azure placeholder", func(c *Config) { c.BaseURL = "https://r.openai.azure.com/openai/deployments/{model}" }, ""},
		{"no name", func(c *Config) { c.Name = "" }, "name"},
		{"unknown type", func(c *Config) { c.Type = "gemini" }, "type"},
		{"ftp URL", func(c *Config) { c.BaseURL = "ftp://x" }, "base_url"},
		{"URL with credentials", func(c *Config) { c.BaseURL = "https://u:p@x/v1" }, "base_url"},
		{"placeholder in host", func(c *Config) { c.BaseURL = "https://{model}.example.com/v1" }, "base_url"},
		{"placeholder for anthropic", func(c *Config) { c.Type = TypeAnthropic; c.BaseURL = "https://x/{model}" }, "base_url"},
		{"auth style", func(c *Config) { c.AuthStyle = "basic" }, "auth_style"},
		{"key with a newline", func(c *Config) { c.APIKey = "sk-1\nX-Evil: 1" }, "api_key"},
		{"bad header name", func(c *Config) { c.Headers = map[string]string{"a b": "c"} }, "headers"},
		{"reserved header", func(c *Config) { c.Headers = map[string]string{"host": "c"} }, "headers"},
		{"retries", func(c *Config) { c.MaxRetries = 6 }, "max_retries"},
		{"negative timeout", func(c *Config) { c.Timeout = -1 }, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := valid
			tt.change(&c)
			err := c.WithDefaults().Validate()
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tt.field != "" && (err == nil || !strings.Contains(err.Error(), tt.field+":")):
				t.Errorf("Validate = %v, want an error naming %s", err, tt.field)
			}
			if err != nil && strings.Contains(err.Error(), "sk-1") {
				t.Errorf("the error shows the key: %v", err)
			}
		})
	}
}
