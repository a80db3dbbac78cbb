package dpop

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// maxURL bounds a URL normalized for comparison.
const maxURL = 4096

// matchHTU compares a proof's htu with the request URL, both without
// query and fragment, after the syntax- and scheme-based normalization
// of RFC 3986 §6.2.2 and §6.2.3 that RFC 9449 §4.3 asks for.
func matchHTU(htu, requestURL string) error {
	want, err := normalizeURL(requestURL)
	if err != nil {
		return refuse(ErrWrongURL, "request URL: %v", err)
	}
	got, err := normalizeURL(htu)
	if err != nil {
		return refuse(ErrWrongURL, "htu: %v", err)
	}
	if got != want {
		return refuse(ErrWrongURL, "htu %q, request %q", got, want)
	}
	return nil
}

// NormalizeURL returns the form of an absolute http(s) URL that proofs
// are compared in: scheme and host lower-cased, the default port dropped,
// percent-encoding normalized (hex digits upper-cased, unreserved
// characters decoded), dot segments removed, an empty path made "/", and
// query and fragment dropped. URLs with user information are refused.
func NormalizeURL(raw string) (string, error) { return normalizeURL(raw) }

func normalizeURL(raw string) (string, error) {
	if len(raw) > maxURL {
		return "", errors.New("URL too long")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("not a URL")
	}
	scheme := strings.ToLower(u.Scheme)
	var defaultPort int
	switch scheme {
	case "https":
		defaultPort = 443
	case "http":
		defaultPort = 80
	default:
		return "", errors.New("not an absolute http or https URL")
	}
	if u.Opaque != "" || u.Host == "" {
		return "", errors.New("no host")
	}
	if u.User != nil {
		return "", errors.New("user information is not allowed")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", errors.New("no host")
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", errors.New("bad port")
		}
		if n != defaultPort {
			host += ":" + strconv.Itoa(n)
		}
	}
	path, err := normalizePercent(u.EscapedPath())
	if err != nil {
		return "", err
	}
	return scheme + "://" + host + removeDotSegments(path), nil
}

// normalizePercent upper-cases the hex digits of percent-encodings and
// decodes those of unreserved characters (RFC 3986 §6.2.2.1, §6.2.2.2).
func normalizePercent(p string) (string, error) {
	if !strings.Contains(p, "%") {
		return p, nil
	}
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			b.WriteByte(p[i])
			continue
		}
		if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			return "", errors.New("bad percent-encoding")
		}
		c := unhex(p[i+1])<<4 | unhex(p[i+2])
		if isUnreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(p[i+1 : i+3]))
		}
		i += 2
	}
	return b.String(), nil
}

// removeDotSegments resolves "." and ".." segments of an absolute path
// (RFC 3986 §5.2.4) and makes an empty path "/" (§6.2.3).
func removeDotSegments(p string) string {
	if p == "" || p == "/" {
		return "/"
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
