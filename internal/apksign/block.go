package apksign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"runtime"
	"sync"
)

// Block ids of the APK Signing Block.
const (
	blockV2      = 0x7109871a
	blockV3      = 0xf05368c0
	blockV31     = 0x1b93ad61
	eocdLen      = 22
	blockMagic   = "APK Sig Block 42"
	chunkSize    = 1 << 20
	maxSigners   = 16
	maxEntries   = 64 // digests, certificates, signatures per signer
	maxCertBytes = 64 << 10
)

// Signature algorithm ids of schemes v2 and v3.
var sigAlgs = map[uint32]struct {
	name    string
	key     string
	hash    crypto.Hash
	pss     bool
	content string // content digest: "sha256", "sha512", "verity" (not checked)
}{
	0x0101: {"RSA-PSS-SHA256", "RSA", crypto.SHA256, true, "sha256"},
	0x0102: {"RSA-PSS-SHA512", "RSA", crypto.SHA512, true, "sha512"},
	0x0103: {"RSA-PKCS1v15-SHA256", "RSA", crypto.SHA256, false, "sha256"},
	0x0104: {"RSA-PKCS1v15-SHA512", "RSA", crypto.SHA512, false, "sha512"},
	0x0201: {"ECDSA-SHA256", "ECDSA", crypto.SHA256, false, "sha256"},
	0x0202: {"ECDSA-SHA512", "ECDSA", crypto.SHA512, false, "sha512"},
	0x0301: {"DSA-SHA256", "DSA", crypto.SHA256, false, "sha256"},
	0x0421: {"RSA-PKCS1v15-SHA256-verity", "RSA", crypto.SHA256, false, "verity"},
	0x0423: {"ECDSA-SHA256-verity", "ECDSA", crypto.SHA256, false, "verity"},
	0x0425: {"DSA-SHA256-verity", "DSA", crypto.SHA256, false, "verity"},
}

// zipLayout locates the sections of an APK that v2+ digests cover.
type zipLayout struct {
	blockOffset int64 // start of the APK Signing Block
	cdOffset    int64
	eocdOffset  int64
	eocd        []byte
}

// findEOCD finds the end of central directory record (it may be followed
// by a comment of up to 65535 bytes).
func findEOCD(ra io.ReaderAt, size int64) (zipLayout, error) {
	n := min(size, eocdLen+65535)
	if n < eocdLen {
		return zipLayout{}, fmt.Errorf("%w: file too short for a ZIP", ErrFormat)
	}
	buf := make([]byte, n)
	if _, err := ra.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return zipLayout{}, err
	}
	for i := len(buf) - eocdLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(buf[i:]) != 0x06054b50 {
			continue
		}
		commentLen := int(binary.LittleEndian.Uint16(buf[i+20:]))
		if i+eocdLen+commentLen != len(buf) {
			continue
		}
		cdSize := int64(binary.LittleEndian.Uint32(buf[i+12:]))
		cdOffset := int64(binary.LittleEndian.Uint32(buf[i+16:]))
		eocdOffset := size - n + int64(i)
		if cdOffset+cdSize != eocdOffset {
			return zipLayout{}, fmt.Errorf("%w: central directory does not end at the end record", ErrFormat)
		}
		return zipLayout{cdOffset: cdOffset, eocdOffset: eocdOffset, eocd: bytes.Clone(buf[i:])}, nil
	}
	return zipLayout{}, fmt.Errorf("%w: no end of central directory", ErrFormat)
}

// readSigningBlock returns the id-value pairs of the APK Signing Block.
func readSigningBlock(ra io.ReaderAt, size int64, max int64) (map[uint32][]byte, zipLayout, error) {
	zl, err := findEOCD(ra, size)
	if err != nil {
		return nil, zl, err
	}
	if zl.cdOffset < 32 {
		return nil, zl, ErrNoSigningBlock
	}
	var footer [24]byte
	if _, err := ra.ReadAt(footer[:], zl.cdOffset-24); err != nil {
		return nil, zl, err
	}
	if string(footer[8:]) != blockMagic {
		return nil, zl, ErrNoSigningBlock
	}
	blockSize := binary.LittleEndian.Uint64(footer[:8])
	if blockSize < 24 || blockSize > uint64(max) || int64(blockSize)+8 > zl.cdOffset {
		return nil, zl, fmt.Errorf("%w: signing block size %d", ErrFormat, blockSize)
	}
	zl.blockOffset = zl.cdOffset - int64(blockSize) - 8
	block := make([]byte, blockSize+8)
	if _, err := ra.ReadAt(block, zl.blockOffset); err != nil {
		return nil, zl, err
	}
	if binary.LittleEndian.Uint64(block) != blockSize {
		return nil, zl, fmt.Errorf("%w: signing block sizes disagree", ErrFormat)
	}
	pairs, err := parsePairs(block[8 : len(block)-24])
	return pairs, zl, err
}

// parsePairs reads uint64-length-prefixed id-value pairs.
func parsePairs(b []byte) (map[uint32][]byte, error) {
	out := make(map[uint32][]byte)
	for len(b) > 0 {
		if len(b) < 8 {
			return nil, fmt.Errorf("%w: truncated pair length", ErrFormat)
		}
		n := binary.LittleEndian.Uint64(b)
		b = b[8:]
		if n < 4 || n > uint64(len(b)) {
			return nil, fmt.Errorf("%w: pair of %d bytes in %d", ErrFormat, n, len(b))
		}
		id := binary.LittleEndian.Uint32(b)
		if _, dup := out[id]; !dup {
			out[id] = b[4:n]
		}
		b = b[n:]
	}
	return out, nil
}

// lp reads one uint32-length-prefixed field.
func lp(b []byte) (field, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("%w: truncated length prefix", ErrFormat)
	}
	n := binary.LittleEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, fmt.Errorf("%w: field of %d bytes in %d", ErrFormat, n, len(b)-4)
	}
	return b[4 : 4+n], b[4+n:], nil
}

// lpSeq splits a length-prefixed sequence of length-prefixed items.
func lpSeq(b []byte, max int) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(out) == max {
			return nil, fmt.Errorf("%w: more than %d items", ErrFormat, max)
		}
		item, rest, err := lp(b)
		if err != nil {
			return nil, err
		}
		out = append(out, item)
		b = rest
	}
	return out, nil
}

// inspectBlock parses and verifies the v2/v3/v3.1 signers. It reports
// whether a verified signer's whole-file digest matched, which covers every
// entry.
func inspectBlock(ra io.ReaderAt, size int64, opt Options, res *Result) (bool, error) {
	pairs, zl, err := readSigningBlock(ra, size, opt.MaxSigningBlock)
	if err != nil {
		return false, err
	}
	covered := false
	for _, scheme := range []struct {
		id     uint32
		number int
	}{{blockV2, 2}, {blockV3, 3}, {blockV31, 31}} {
		value, ok := pairs[scheme.id]
		if !ok {
			continue
		}
		res.addScheme(scheme.number)
		signers, err := parseSigners(value, scheme.number)
		if err != nil {
			res.Problems = append(res.Problems, Problem{Kind: ProblemSignature, Scheme: scheme.number, Detail: err.Error()})
			res.Signers = append(res.Signers, Signer{Scheme: scheme.number, Err: err})
			continue
		}
		for _, ps := range signers {
			s := ps.verify()
			if s.Err != nil {
				res.Problems = append(res.Problems, Problem{Kind: ProblemSignature, Scheme: scheme.number, Detail: s.Err.Error()})
			}
			if s.Verified && opt.VerifyContent {
				ok, detail := checkContent(ra, zl, ps.digests)
				switch {
				case detail != "":
					res.warnf("v%s: %s", schemeLabel(scheme.number), detail)
				case ok:
					covered = true
				default:
					res.Problems = append(res.Problems, Problem{Kind: ProblemContentDigest, Scheme: scheme.number, Detail: "the digest of the APK's contents does not match the signed digest"})
				}
			}
			res.Signers = append(res.Signers, s)
		}
	}
	return covered, nil
}

func schemeLabel(n int) string {
	if n == 31 {
		return "3.1"
	}
	return fmt.Sprint(n)
}

// parsedSigner is a v2/v3 signer before verification.
type parsedSigner struct {
	scheme     int
	signedData []byte
	digests    map[uint32][]byte
	certs      []*x509.Certificate
	sigs       map[uint32][]byte
	pubKey     []byte
	minSDK     int
	maxSDK     int
	err        error
}

func parseSigners(value []byte, scheme int) ([]parsedSigner, error) {
	seq, _, err := lp(value)
	if err != nil {
		return nil, err
	}
	raw, err := lpSeq(seq, maxSigners)
	if err != nil {
		return nil, fmt.Errorf("signers: %w", err)
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: no signers", ErrFormat)
	}
	out := make([]parsedSigner, 0, len(raw))
	for _, r := range raw {
		out = append(out, parseSigner(r, scheme))
	}
	return out, nil
}

func parseSigner(b []byte, scheme int) parsedSigner {
	ps := parsedSigner{scheme: scheme, digests: map[uint32][]byte{}, sigs: map[uint32][]byte{}}
	fail := func(err error) parsedSigner { ps.err = err; return ps }
	signed, rest, err := lp(b)
	if err != nil {
		return fail(fmt.Errorf("signed data: %w", err))
	}
	ps.signedData = signed
	if scheme != 2 {
		if len(rest) < 8 {
			return fail(fmt.Errorf("%w: truncated sdk bounds", ErrFormat))
		}
		ps.minSDK, ps.maxSDK = int(binary.LittleEndian.Uint32(rest)), int(binary.LittleEndian.Uint32(rest[4:]))
		rest = rest[8:]
	}
	sigSeq, rest, err := lp(rest)
	if err != nil {
		return fail(fmt.Errorf("signatures: %w", err))
	}
	ps.pubKey, _, err = lp(rest)
	if err != nil {
		return fail(fmt.Errorf("public key: %w", err))
	}
	sigs, err := lpSeq(sigSeq, maxEntries)
	if err != nil {
		return fail(fmt.Errorf("signatures: %w", err))
	}
	for _, s := range sigs {
		if len(s) < 4 {
			return fail(fmt.Errorf("%w: truncated signature record", ErrFormat))
		}
		v, _, err := lp(s[4:])
		if err != nil {
			return fail(fmt.Errorf("signature: %w", err))
		}
		ps.sigs[binary.LittleEndian.Uint32(s)] = v
	}
	// Signed data: digests, certificates, [v3: min/max sdk], attributes.
	digSeq, sd, err := lp(signed)
	if err != nil {
		return fail(fmt.Errorf("digests: %w", err))
	}
	certSeq, _, err := lp(sd)
	if err != nil {
		return fail(fmt.Errorf("certificates: %w", err))
	}
	digs, err := lpSeq(digSeq, maxEntries)
	if err != nil {
		return fail(fmt.Errorf("digests: %w", err))
	}
	for _, d := range digs {
		if len(d) < 4 {
			return fail(fmt.Errorf("%w: truncated digest record", ErrFormat))
		}
		v, _, err := lp(d[4:])
		if err != nil {
			return fail(fmt.Errorf("digest: %w", err))
		}
		ps.digests[binary.LittleEndian.Uint32(d)] = v
	}
	certs, err := lpSeq(certSeq, maxEntries)
	if err != nil {
		return fail(fmt.Errorf("certificates: %w", err))
	}
	for _, c := range certs {
		if len(c) > maxCertBytes {
			return fail(fmt.Errorf("%w: certificate of %d bytes", ErrFormat, len(c)))
		}
		cert, err := x509.ParseCertificate(c)
		if err != nil {
			return fail(fmt.Errorf("certificate: %w", err))
		}
		ps.certs = append(ps.certs, cert)
	}
	return ps
}

// verify checks the strongest signature of a parsed signer over its signed
// data with its public key, and that the key is the certificate's.
func (ps parsedSigner) verify() Signer {
	s := Signer{Scheme: ps.scheme, Certificates: ps.certs, MinSDK: ps.minSDK, MaxSDK: ps.maxSDK}
	if ps.err != nil {
		s.Err = ps.err
		return s
	}
	for id := range ps.digests {
		if a, ok := sigAlgs[id]; ok {
			s.DigestAlgorithms = appendUnique(s.DigestAlgorithms, hashName(a.hash))
		}
	}
	pub, err := x509.ParsePKIXPublicKey(ps.pubKey)
	if err != nil {
		s.Err = fmt.Errorf("public key: %w", err)
		return s
	}
	s.KeyAlgorithm, s.KeyBits = keyInfo(pub)
	if len(ps.certs) == 0 {
		s.Err = fmt.Errorf("%w: no certificate", ErrFormat)
		return s
	}
	if !bytes.Equal(ps.certs[0].RawSubjectPublicKeyInfo, ps.pubKey) {
		s.Err = errors.New("public key does not match the certificate")
		return s
	}
	// Prefer the strongest algorithm the signer offers.
	best := uint32(0)
	for id := range ps.sigs {
		if _, ok := sigAlgs[id]; ok && (best == 0 || preferred(id, best)) {
			best = id
		}
	}
	if best == 0 {
		s.Err = errors.New("no supported signature algorithm")
		return s
	}
	alg := sigAlgs[best]
	s.SignatureAlgorithm = alg.name
	if _, ok := ps.digests[best]; !ok {
		s.Err = fmt.Errorf("%w: no digest for %s", ErrFormat, alg.name)
		return s
	}
	if err := verifySig(pub, alg.hash, alg.pss, ps.signedData, ps.sigs[best]); err != nil {
		s.Err = fmt.Errorf("%s signature: %w", alg.name, err)
		return s
	}
	s.Verified = true
	return s
}

// preferred orders algorithms: non-verity first, then by id.
func preferred(a, b uint32) bool {
	va, vb := sigAlgs[a].content == "verity", sigAlgs[b].content == "verity"
	if va != vb {
		return !va
	}
	return a < b
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func hashName(h crypto.Hash) string {
	switch h {
	case crypto.MD5:
		return "MD5"
	case crypto.SHA1:
		return "SHA-1"
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	case crypto.SHA512:
		return "SHA-512"
	}
	return h.String()
}

func keyInfo(pub any) (string, int) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	return fmt.Sprintf("%T", pub), 0
}

// errDSA: DSA signatures are recognized but not verified (crypto/dsa is
// deprecated and DSA signing keys are no longer issued by Android tools).
var errDSA = errors.New("DSA signatures are not verified")

func verifySig(pub any, h crypto.Hash, pss bool, data, sig []byte) error {
	hh := h.New()
	hh.Write(data)
	sum := hh.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if pss {
			return rsa.VerifyPSS(k, h, sum, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		return rsa.VerifyPKCS1v15(k, h, sum, sig)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, sum, sig) {
			return errors.New("ECDSA verification failed")
		}
		return nil
	}
	if _, ok := pub.(ed25519.PublicKey); ok {
		return errors.New("Ed25519 is not a scheme v2/v3 algorithm")
	}
	return errDSA
}

// checkContent recomputes a content digest the signer signed and compares
// it. detail is non-empty when no digest could be checked.
func checkContent(ra io.ReaderAt, zl zipLayout, digests map[uint32][]byte) (bool, string) {
	var id uint32
	for d := range digests {
		if a, ok := sigAlgs[d]; ok && a.content != "verity" && (id == 0 || d < id) {
			id = d
		}
	}
	if id == 0 {
		return false, "content digest not checked (only verity digests)"
	}
	newHash := sha256.New
	if sigAlgs[id].content == "sha512" {
		newHash = sha512.New
	}
	eocd := bytes.Clone(zl.eocd)
	binary.LittleEndian.PutUint32(eocd[16:], uint32(zl.blockOffset))
	got, err := chunkedDigest(newHash, []io.ReaderAt{
		io.NewSectionReader(ra, 0, zl.blockOffset),
		io.NewSectionReader(ra, zl.cdOffset, zl.eocdOffset-zl.cdOffset),
		bytes.NewReader(eocd),
	}, []int64{zl.blockOffset, zl.eocdOffset - zl.cdOffset, int64(len(eocd))})
	if err != nil {
		return false, "content digest not checked: " + err.Error()
	}
	return bytes.Equal(got, digests[id]), ""
}

// chunkedDigest computes the v2 content digest: each 1 MiB chunk of each
// section is hashed with a 0xa5 prefix and its length; the chunk digests
// are hashed with a 0x5a prefix and their count. Chunks are hashed in
// parallel.
func chunkedDigest(newHash func() hash.Hash, sections []io.ReaderAt, sizes []int64) ([]byte, error) {
	type chunk struct {
		r   io.ReaderAt
		off int64
		n   int64
	}
	var chunks []chunk
	for i, r := range sections {
		for off := int64(0); off < sizes[i]; off += chunkSize {
			chunks = append(chunks, chunk{r, off, min(chunkSize, sizes[i]-off)})
		}
	}
	digestLen := newHash().Size()
	sums := make([]byte, len(chunks)*digestLen)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int)
	)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, chunkSize)
			h := newHash()
			for i := range next {
				c := chunks[i]
				b := buf[:c.n]
				if _, err := c.r.ReadAt(b, c.off); err != nil && !(err == io.EOF && int64(len(b)) == c.n) {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				h.Reset()
				var prefix [5]byte
				prefix[0] = 0xa5
				binary.LittleEndian.PutUint32(prefix[1:], uint32(c.n))
				h.Write(prefix[:])
				h.Write(b)
				h.Sum(sums[i*digestLen : i*digestLen])
			}
		}()
	}
	for i := range chunks {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	top := newHash()
	var prefix [5]byte
	prefix[0] = 0x5a
	binary.LittleEndian.PutUint32(prefix[1:], uint32(len(chunks)))
	top.Write(prefix[:])
	top.Write(sums)
	return top.Sum(nil), nil
}
