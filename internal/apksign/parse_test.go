package apksign

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseManifest(t *testing.T) {
	t.Parallel()
	long := "assets/" + strings.Repeat("very-long-directory-name/", 6) + "file.bin"
	tests := []struct {
		name    string
		in      string
		main    map[string]string
		entries map[string]map[string]string
		mainRaw string
		wantErr bool
	}{
		{
			name:    "CRLF sections with Name attributes",
			in:      "Manifest-Version: 1.0\r\n\r\nName: a\r\nSHA-256-Digest: AAAA\r\n\r\n",
			main:    map[string]string{"manifest-version": "1.0"},
			entries: map[string]map[string]string{"a": {"name": "a", "sha-256-digest": "AAAA"}},
			mainRaw: "Manifest-Version: 1.0\r\n\r\n",
		},
		{
			name:    "72-byte continuation lines are joined",
			in:      "Manifest-Version: 1.0\r\n\r\nName: " + long[:66] + "\r\n " + long[66:] + "\r\nSHA1-Digest: x\r\n\r\n",
			main:    map[string]string{"manifest-version": "1.0"},
			entries: map[string]map[string]string{long: {"name": long, "sha1-digest": "x"}},
			mainRaw: "Manifest-Version: 1.0\r\n\r\n",
		},
		{
			name:    "LF and CR line endings, extra blank lines, no final newline",
			in:      "Signature-Version: 1.0\n\n\n\nName: b\rMD5-Digest: y",
			main:    map[string]string{"signature-version": "1.0"},
			entries: map[string]map[string]string{"b": {"name": "b", "md5-digest": "y"}},
			mainRaw: "Signature-Version: 1.0\n\n",
		},
		{
			name:    "attribute names are case-insensitive and the first of repeats wins",
			in:      "A: 1\r\na: 2\r\n\r\nNAME: c\r\n\r\n",
			main:    map[string]string{"a": "1"},
			entries: map[string]map[string]string{"c": {"name": "c"}},
			mainRaw: "A: 1\r\na: 2\r\n\r\n",
		},
		{name: "section without Name is refused", in: "M: 1\r\n\r\nX: 2\r\n\r\n", wantErr: true},
		{name: "duplicate section is refused", in: "M: 1\r\n\r\nName: a\r\n\r\nName: a\r\n\r\n", wantErr: true},
		{name: "continuation line first is refused", in: " orphan\r\n", wantErr: true},
		{name: "line without a colon is refused", in: "no colon here\r\n", wantErr: true},
		{name: "too many attributes in a section are refused", in: manyAttrs(maxAttrs + 1), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := parseManifest([]byte(tt.in))
			if tt.wantErr {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("parseManifest error = %v, want ErrFormat", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			entries := map[string]map[string]string{}
			for _, n := range m.order {
				entries[n] = m.entries[n].attrs
			}
			got := []any{m.main.attrs, entries, string(m.main.raw)}
			want := []any{tt.main, tt.entries, tt.mainRaw}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("main attributes, entries, main section bytes (-want +got):\n%s", diff)
			}
		})
	}
}

func manyAttrs(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "K%d: v\r\n", i)
	}
	return b.String()
}

// TestParseManifestLinearTime: a hostile manifest of continuation lines
// must not be joined quadratically.
func TestParseManifestLinearTime(t *testing.T) {
	in := "K: v\r\n" + strings.Repeat(" x\r\n", 4<<20) // 16 MiB, 4 Mi continuation lines
	allocs := testing.AllocsPerRun(1, func() {
		m, err := parseManifest([]byte(in))
		if err != nil || len(m.main.attrs["k"]) != 1+4<<20 {
			t.Fatalf("parseManifest: %v, value of %d bytes", err, len(m.main.attrs["k"]))
		}
	})
	if allocs > 1000 {
		t.Errorf("parseManifest made %v allocations for one continued attribute, want a few", allocs)
	}
}

func TestParsePKCS7(t *testing.T) {
	t.Parallel()
	k := keys(t)
	cert := selfSigned(t, k.rsa, releaseName, 7)
	sf := []byte("Signature-Version: 1.0\r\n\r\n")
	good := pkcs7Sign(t, sf, v1Options{key: k.rsa, cert: cert.Raw, hash: crypto.SHA256})
	notSigned, _ := asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}, asn1.RawValue{Tag: asn1.TagOctetString, Bytes: []byte("x")}})
	tests := []struct {
		name    string
		der     []byte
		wantErr error
	}{
		{"detached SignedData with one signer parses", good, nil},
		{"content type other than signedData is refused", notSigned, ErrFormat},
		{"truncated DER is refused", good[:len(good)/2], ErrFormat},
		{"garbage is refused", []byte("not DER at all"), ErrFormat},
		{"empty input is refused", nil, ErrFormat},
		{"block larger than the bound is refused", make([]byte, maxSignatureBlock+1), ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := parsePKCS7(tt.der)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("parsePKCS7 error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if len(p.certs) != 1 || len(p.signers) != 1 {
				t.Fatalf("certificates, signers = %d, %d; want 1, 1", len(p.certs), len(p.signers))
			}
			if v := p.verify(sf); v.err != nil || v.leaf == nil || !bytes.Equal(v.leaf.Raw, cert.Raw) {
				t.Errorf("verify: leaf %v, error %v; want the certificate and no error", v.leaf != nil, v.err)
			}
			if v := p.verify(append(sf, 'x')); !errors.Is(v.err, ErrBadSignature) {
				t.Errorf("verify of altered content: error %v, want ErrBadSignature", v.err)
			}
		})
	}
}

// TestChunkedDigest checks the parallel digest against a plain one on
// sizes around the chunk boundary, on one core and on several.
func TestChunkedDigest(t *testing.T) {
	data := make([]byte, 3*chunkSize+chunkSize/2)
	rand.Read(data)
	tests := []struct {
		name  string
		parts [][]byte
	}{
		{"no content", nil},
		{"one byte", [][]byte{data[:1]}},
		{"exactly one chunk", [][]byte{data[:chunkSize]}},
		{"one chunk and one byte", [][]byte{data[:chunkSize+1]}},
		{"three sections, chunks never span two", [][]byte{data[:2*chunkSize+5], data[:chunkSize-1], data[:22]}},
		{"several chunks", [][]byte{data}},
	}
	for _, procs := range []int{1, 4} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s on %d procs", tt.name, procs), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				var secs []section
				for _, p := range tt.parts {
					secs = append(secs, section{bytes.NewReader(p), 0, int64(len(p))})
				}
				for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA512} {
					got, err := chunkedDigest(h, secs)
					if err != nil {
						t.Fatal(err)
					}
					if want := testChunkedDigest(h, tt.parts...); !bytes.Equal(got, want) {
						t.Errorf("%s digest = %x, want %x", hashName(h), got, want)
					}
				}
			})
		}
	}
}

func TestChunkedDigestReadError(t *testing.T) {
	t.Parallel()
	errDisk := errors.New("disk on fire")
	_, err := chunkedDigest(crypto.SHA256, []section{{failingReaderAt{errDisk}, 0, 5 * chunkSize}})
	if !errors.Is(err, errDisk) {
		t.Errorf("chunkedDigest error = %v, want %v", err, errDisk)
	}
}

func TestFindEOCD(t *testing.T) {
	t.Parallel()
	apk := zipBytes(t, appFiles)
	_, cd, eocd := zipParts(t, apk)
	withComment := func(comment string) []byte {
		b := bytes.Clone(apk)
		binary.LittleEndian.PutUint16(b[len(b)-2:], uint16(len(comment)))
		return append(b, comment...)
	}
	fakeEOCD := string(eocd[:len(eocd)-2]) + "\x00\x00"
	tests := []struct {
		name    string
		in      []byte
		wantCD  int64
		wantErr bool
	}{
		{"end record at the end of the file", apk, int64(len(apk) - len(eocd) - len(cd)), false},
		{"end record followed by a comment", withComment("built by bulwark"), int64(len(apk) - len(eocd) - len(cd)), false},
		{"comment holding an end record signature that does not reach the end", withComment(fakeEOCD + "tail"), int64(len(apk) - len(eocd) - len(cd)), false},
		{"too short for a ZIP", []byte("PK"), 0, true},
		{"no end record", bytes.Repeat([]byte{0}, 100), 0, true},
		{"central directory that does not end at the end record", append(bytes.Clone(apk[:len(apk)-len(eocd)]), append([]byte("junk"), eocd...)...), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			zl, err := findEOCD(bytes.NewReader(tt.in), int64(len(tt.in)))
			if tt.wantErr {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("findEOCD error = %v, want ErrFormat", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if zl.cdOffset != tt.wantCD {
				t.Errorf("central directory offset = %d, want %d", zl.cdOffset, tt.wantCD)
			}
		})
	}
}

func TestDigests(t *testing.T) {
	t.Parallel()
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	tests := []struct {
		name  string
		attrs map[string]string
		want  []string // attribute names, in the order returned
	}{
		{"strongest first", map[string]string{"md5-digest": b64(16), "sha-256-digest": b64(32), "sha1-digest": b64(20), "sha-512-digest": b64(64)},
			[]string{"sha-512-digest", "sha-256-digest", "sha1-digest", "md5-digest"}},
		{"two names of SHA-1 in name order", map[string]string{"sha1-digest": b64(20), "sha-1-digest": b64(20)},
			[]string{"sha-1-digest", "sha1-digest"}},
		{"malformed base64, wrong length and unknown algorithms are skipped",
			map[string]string{"sha-256-digest": "!!!", "sha1-digest": b64(32), "sha-224-digest": b64(28), "sha-384-digest": " " + b64(48) + " "},
			[]string{"sha-384-digest"}},
		{"other suffixes are not digests of this kind", map[string]string{"sha-256-digest-manifest": b64(32), "name": "x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, d := range digests(tt.attrs, "-digest") {
				got = append(got, d.attr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("digests (-want +got):\n%s", diff)
			}
		})
	}
}
