package gateway

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// configKeys lists every key of the configuration, as docs write them:
// "server.addr", "providers[].base_url", "apps[].limits.user.tokens_per_day".
func configKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		ft, name := f.Type, prefix+tag
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			ft, name = ft.Elem(), name+"[]"
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(time.Duration(0)) {
			keys = append(keys, configKeys(ft, name+".")...)
			continue
		}
		keys = append(keys, name)
	}
	return keys
}

// TestConfigurationReferenceIsComplete fails when a configuration key is
// missing from docs/configuration.md.
func TestConfigurationReferenceIsComplete(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	keys := configKeys(reflect.TypeOf(Config{}), "")
	if len(keys) < 50 {
		t.Fatalf("only %d keys found: the walk is broken", len(keys))
	}
	for _, k := range keys {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/configuration.md does not document `%s`", k)
		}
	}
}
