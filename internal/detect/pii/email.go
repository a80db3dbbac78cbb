package pii

import "bytes"

// E-mail addresses: found from each '@' by walking out over the characters
// an address may hold, with the lengths of RFC 5321 as bounds (local part
// 64, domain 253, label 63), a letters-only TLD, and no file extension as TLD
// ("icon@2x.png" is an asset, not an address).

func isLocalByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\''
}

// fileTLDs are file extensions that would otherwise pass for a TLD.
var fileTLDs = map[string]bool{
	"png": true, "jpg": true, "jpeg": true, "gif": true, "svg": true, "webp": true, "ico": true, "bmp": true,
	"js": true, "ts": true, "css": true, "map": true, "json": true, "html": true, "htm": true, "xml": true,
	"txt": true, "md": true, "pdf": true, "zip": true, "gz": true, "tgz": true, "jar": true, "apk": true,
	"so": true, "dll": true, "exe": true, "py": true, "go": true, "rb": true, "java": true, "kt": true,
	"swift": true, "lock": true, "yaml": true, "yml": true, "toml": true, "ttf": true, "woff": true, "woff2": true,
	"mp3": true, "mp4": true, "wav": true, "mov": true,
}

func findEmails(d *doc, rc *recognizer) {
	l := d.lower
	for off := 0; off < len(l); {
		k := bytes.IndexByte(l[off:], '@')
		if k < 0 {
			return
		}
		at := off + k
		off = at + 1
		s := at
		for s > 0 && at-s < 64 && isLocalByte(l[s-1]) {
			s--
		}
		for s < at && (l[s] == '.' || l[s] == '\'' || l[s] == '-') {
			s++
		}
		if s == at || l[at-1] == '.' {
			continue
		}
		if s > 0 && (l[s-1] >= 0x80 || l[s-1] == '@') {
			continue
		}
		e, lastDot, labelStart := at+1, -1, at+1
		for e < len(l) && e-at <= 253 {
			c := l[e]
			if c == '.' {
				if e == labelStart || l[e-1] == '-' || e+1 >= len(l) || !isAlnum(l[e+1]) {
					break
				}
				lastDot = e
				labelStart = e + 1
			} else if !(isAlnum(c) || c == '-') || (c == '-' && e == labelStart) || e-labelStart >= 63 {
				break
			}
			e++
		}
		for e > at+1 && l[e-1] == '-' {
			e--
		}
		if lastDot < 0 || e-lastDot-1 < 2 {
			continue
		}
		tld := l[lastDot+1 : e]
		if !allAlpha(tld) || fileTLDs[string(tld)] {
			continue
		}
		if e < len(l) && (l[e] == '@' || l[e] >= 0x80) {
			continue
		}
		d.emit(rc, s, e, rc.score)
		off = e
	}
}

func allAlpha(b []byte) bool {
	for _, c := range b {
		if !isAlpha(c) {
			return false
		}
	}
	return len(b) > 0
}
