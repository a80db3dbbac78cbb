package apksign

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Ids and constants of the APK Signing Block.
const (
	blockIDV2  = 0x7109871a
	blockIDV3  = 0xf05368c0
	blockIDV31 = 0x1b93ad61
	// attrStrippingProtection is the v2 signed attribute naming a newer
	// scheme that was also applied (its value: 3).
	attrStrippingProtection = 0xbeeff00d

	blockMagic    = "APK Sig Block 42"
	eocdSignature = 0x06054b50
	eocdLen       = 22
	maxCommentLen = 0xffff

	maxSigners = 16 // per scheme
	maxRecords = 64 // digests, certificates, signatures, attributes per signer
)

// blockSchemes are the signature schemes of the APK Signing Block, in the
// order they are reported.
var blockSchemes = []struct {
	id     uint32
	scheme int
}{{blockIDV2, 2}, {blockIDV3, 3}, {blockIDV31, 31}}

// contentAlg is how a v2/v3 signature algorithm digests the file.
type contentAlg int

const (
	contentVerity contentAlg = iota + 1 // Merkle tree over 4 KiB pages; not recomputed
	contentSHA256                       // 1 MiB chunks, SHA-256
	contentSHA512                       // 1 MiB chunks, SHA-512
)

func (c contentAlg) hash() crypto.Hash {
	if c == contentSHA512 {
		return crypto.SHA512
	}
	return crypto.SHA256
}

// sigAlg is a signature algorithm of schemes v2 and v3.
type sigAlg struct {
	name    string
	hash    crypto.Hash // digest of the signed data
	pss     bool
	content contentAlg
}

var sigAlgs = map[uint32]sigAlg{
	0x0101: {"RSA-PSS-SHA256", crypto.SHA256, true, contentSHA256},
	0x0102: {"RSA-PSS-SHA512", crypto.SHA512, true, contentSHA512},
	0x0103: {"RSA-PKCS1v15-SHA256", crypto.SHA256, false, contentSHA256},
	0x0104: {"RSA-PKCS1v15-SHA512", crypto.SHA512, false, contentSHA512},
	0x0201: {"ECDSA-SHA256", crypto.SHA256, false, contentSHA256},
	0x0202: {"ECDSA-SHA512", crypto.SHA512, false, contentSHA512},
	0x0301: {"DSA-SHA256", crypto.SHA256, false, contentSHA256},
	0x0421: {"RSA-PKCS1v15-SHA256-verity", crypto.SHA256, false, contentVerity},
	0x0423: {"ECDSA-SHA256-verity", crypto.SHA256, false, contentVerity},
	0x0425: {"DSA-SHA256-verity", crypto.SHA256, false, contentVerity},
}

// better reports whether algorithm a is preferred to b, as Android
// prefers them: the stronger content digest, then the lower id.
func better(a, b uint32) bool {
	ca, cb := sigAlgs[a].content, sigAlgs[b].content
	if ca != cb {
		return ca > cb
	}
	return a < b
}

// zipLayout locates the parts of an APK that v2+ digests cover.
type zipLayout struct {
	blockOffset int64 // start of the APK Signing Block
	cdOffset    int64 // start of the central directory
	eocdOffset  int64 // start of the end of central directory record
	eocd        []byte
}

// readFull reads exactly len(b) bytes at off.
func readFull(ra io.ReaderAt, b []byte, off int64) error {
	n, err := ra.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// findEOCD finds the end of central directory record, which a comment of
// up to 65535 bytes may follow: the last signature, searching backwards,
// whose comment length reaches exactly the end of the file.
func findEOCD(ra io.ReaderAt, size int64) (zipLayout, error) {
	if size < eocdLen {
		return zipLayout{}, fmt.Errorf("%w: %d bytes is too short for a ZIP file", ErrFormat, size)
	}
	n := min(size, eocdLen+maxCommentLen)
	buf := make([]byte, n)
	if err := readFull(ra, buf, size-n); err != nil {
		return zipLayout{}, err
	}
	for i := int(n) - eocdLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(buf[i:]) != eocdSignature {
			continue
		}
		if i+eocdLen+int(binary.LittleEndian.Uint16(buf[i+20:])) != len(buf) {
			continue
		}
		cdSize := int64(binary.LittleEndian.Uint32(buf[i+12:]))
		cdOffset := int64(binary.LittleEndian.Uint32(buf[i+16:]))
		eocdOffset := size - n + int64(i)
		if cdOffset+cdSize != eocdOffset {
			return zipLayout{}, fmt.Errorf("%w: the central directory does not end where the end record starts", ErrFormat)
		}
		return zipLayout{cdOffset: cdOffset, eocdOffset: eocdOffset, eocd: bytes.Clone(buf[i:])}, nil
	}
	return zipLayout{}, fmt.Errorf("%w: no end of central directory record", ErrFormat)
}

// readSigningBlock reads the APK Signing Block that ends where the central
// directory starts, and records its offset in zl.
func readSigningBlock(ra io.ReaderAt, zl *zipLayout, maxSize int64) ([]byte, error) {
	if zl.cdOffset < 32 {
		return nil, ErrNoSigningBlock
	}
	var footer [24]byte
	if err := readFull(ra, footer[:], zl.cdOffset-24); err != nil {
		return nil, err
	}
	if string(footer[8:]) != blockMagic {
		return nil, ErrNoSigningBlock
	}
	size := binary.LittleEndian.Uint64(footer[:8])
	if size < 24 || size > uint64(maxSize) || size > uint64(zl.cdOffset-8) {
		return nil, fmt.Errorf("%w: signing block of %d bytes before a central directory at %d (limit %d)", ErrFormat, size, zl.cdOffset, maxSize)
	}
	block := make([]byte, size+8)
	zl.blockOffset = zl.cdOffset - int64(len(block))
	if err := readFull(ra, block, zl.blockOffset); err != nil {
		return nil, err
	}
	return block, nil
}

// parseBlock checks the framing of an APK Signing Block (the size at both
// ends, the magic) and returns its id-value pairs.
func parseBlock(block []byte) (map[uint32][]byte, error) {
	if len(block) < 32 {
		return nil, fmt.Errorf("%w: signing block of %d bytes", ErrFormat, len(block))
	}
	head := binary.LittleEndian.Uint64(block)
	tail := binary.LittleEndian.Uint64(block[len(block)-24:])
	if head != tail || head != uint64(len(block)-8) {
		return nil, fmt.Errorf("%w: signing block sizes disagree (%d, %d)", ErrFormat, head, tail)
	}
	if string(block[len(block)-16:]) != blockMagic {
		return nil, fmt.Errorf("%w: signing block magic", ErrFormat)
	}
	return parsePairs(block[8 : len(block)-24])
}

// parsePairs reads uint64-length-prefixed id-value pairs. Unknown ids
// (padding, source stamps, store metadata) are kept and ignored by the
// caller; of repeated ids the first wins.
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

// lpSeq splits a sequence of length-prefixed items, at most max of them.
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

// record is an algorithm id with a value: a digest or a signature.
type record struct {
	id    uint32
	value []byte
}

// records reads a sequence of length-prefixed (uint32 id, length-prefixed
// value) records.
func records(b []byte) ([]record, error) {
	items, err := lpSeq(b, maxRecords)
	if err != nil {
		return nil, err
	}
	out := make([]record, 0, len(items))
	for _, it := range items {
		if len(it) < 4 {
			return nil, fmt.Errorf("%w: record of %d bytes", ErrFormat, len(it))
		}
		v, _, err := lp(it[4:])
		if err != nil {
			return nil, err
		}
		out = append(out, record{binary.LittleEndian.Uint32(it), v})
	}
	return out, nil
}

func findRecord(rs []record, id uint32) ([]byte, bool) {
	for _, r := range rs {
		if r.id == id {
			return r.value, true
		}
	}
	return nil, false
}

// inspectBlock parses and verifies the v2/v3/v3.1 signers. wholeFile
// reports whether a verified signer covers every byte of the file: its
// content digest matched or, without VerifyContent, its signature
// verified. Only errors reading the file are returned.
func (in *inspection) inspectBlock() (wholeFile bool, err error) {
	if in.size < 0 {
		return false, fmt.Errorf("negative size %d", in.size)
	}
	res := in.res
	zl, err := findEOCD(in.ra, in.size)
	if errors.Is(err, ErrFormat) {
		res.warnf("APK Signing Block not looked for: %v", err)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	block, err := readSigningBlock(in.ra, &zl, in.opt.MaxSigningBlock)
	if errors.Is(err, ErrNoSigningBlock) {
		return false, nil
	}
	if errors.Is(err, ErrFormat) {
		res.problem(ProblemMalformed, 0, "", err.Error())
		return false, nil
	}
	if err != nil {
		return false, err
	}
	pairs, err := parseBlock(block)
	if err != nil {
		res.problem(ProblemMalformed, 0, "", err.Error())
		return false, nil
	}
	for _, bs := range blockSchemes {
		value, ok := pairs[bs.id]
		if !ok {
			continue
		}
		res.addScheme(bs.scheme)
		signers, err := parseSigners(value, bs.scheme)
		if err != nil {
			err = fmt.Errorf("v%s signers: %w", schemeLabel(bs.scheme), err)
			res.Signers = append(res.Signers, Signer{Scheme: bs.scheme, Err: err})
			res.problem(ProblemSignature, bs.scheme, "", err.Error())
			continue
		}
		for _, ps := range signers {
			s := ps.verify()
			if ps.lenient > 0 {
				res.warnf("v%s: a certificate crypto/x509 refuses was read leniently", schemeLabel(bs.scheme))
			}
			if !s.Verified {
				res.problem(ProblemSignature, bs.scheme, "", s.Err.Error())
				res.Signers = append(res.Signers, s)
				continue
			}
			if bs.scheme == 2 {
				for _, a := range ps.attrs {
					if a.id == attrStrippingProtection && len(a.value) >= 4 {
						in.declare(int(binary.LittleEndian.Uint32(a.value)), 2)
					}
				}
			}
			if !in.opt.VerifyContent {
				wholeFile = true
				res.Signers = append(res.Signers, s)
				continue
			}
			ok, checked, err := in.checkContent(zl, ps.digests)
			switch {
			case err != nil:
				return false, err
			case !checked:
				res.warnf("v%s: content digest not checked: the signer has only verity digests", schemeLabel(bs.scheme))
			case ok:
				s.ContentVerified, wholeFile = true, true
			default:
				res.problem(ProblemContentDigest, bs.scheme, "", "the digest of the APK's contents does not match the signed digest: the file changed after signing")
			}
			res.Signers = append(res.Signers, s)
		}
	}
	return wholeFile, nil
}

// parsedSigner is a v2/v3 signer before verification.
type parsedSigner struct {
	scheme     int
	signedData []byte
	digests    []record
	certs      []*x509.Certificate
	lenient    int
	attrs      []record // additional attributes: id and raw value
	sigs       []record
	pubKey     []byte
	minSDK     int
	maxSDK     int
	err        error // why the signer did not parse
}

func parseSigners(value []byte, scheme int) ([]parsedSigner, error) {
	seq, _, err := lp(value)
	if err != nil {
		return nil, err
	}
	raw, err := lpSeq(seq, maxSigners)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: no signers", ErrFormat)
	}
	out := make([]parsedSigner, 0, len(raw))
	for _, r := range raw {
		ps := parsedSigner{scheme: scheme}
		if err := ps.parse(r); err != nil {
			ps.err = err
		}
		out = append(out, ps)
	}
	return out, nil
}

// parse reads a signer:
//
//	v2:   signed data, signatures, public key
//	v3:   signed data, minSdk, maxSdk, signatures, public key
//	signed data v2: digests, certificates, additional attributes
//	signed data v3: digests, certificates, minSdk, maxSdk, additional attributes
func (ps *parsedSigner) parse(b []byte) error {
	signed, rest, err := lp(b)
	if err != nil {
		return fmt.Errorf("signed data: %w", err)
	}
	ps.signedData = signed
	if ps.scheme != 2 {
		if ps.minSDK, ps.maxSDK, rest, err = sdkBounds(rest); err != nil {
			return err
		}
	}
	sigSeq, rest, err := lp(rest)
	if err != nil {
		return fmt.Errorf("signatures: %w", err)
	}
	if ps.pubKey, _, err = lp(rest); err != nil {
		return fmt.Errorf("public key: %w", err)
	}
	if ps.sigs, err = records(sigSeq); err != nil {
		return fmt.Errorf("signatures: %w", err)
	}

	digSeq, sd, err := lp(signed)
	if err != nil {
		return fmt.Errorf("digests: %w", err)
	}
	certSeq, sd, err := lp(sd)
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	if ps.scheme != 2 {
		var minSDK, maxSDK int
		if minSDK, maxSDK, sd, err = sdkBounds(sd); err != nil {
			return fmt.Errorf("signed data: %w", err)
		}
		if minSDK != ps.minSDK || maxSDK != ps.maxSDK {
			return fmt.Errorf("%w: SDK bounds %d-%d differ from the signed %d-%d", ErrFormat, ps.minSDK, ps.maxSDK, minSDK, maxSDK)
		}
	}
	attrSeq, _, err := lp(sd)
	if err != nil {
		return fmt.Errorf("additional attributes: %w", err)
	}
	if ps.digests, err = records(digSeq); err != nil {
		return fmt.Errorf("digests: %w", err)
	}
	certs, err := lpSeq(certSeq, maxRecords)
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	for _, c := range certs {
		cert, lenient, err := parseCertificate(c)
		if err != nil {
			return err
		}
		if lenient {
			ps.lenient++
		}
		ps.certs = append(ps.certs, cert)
	}
	attrs, err := lpSeq(attrSeq, maxRecords)
	if err != nil {
		return fmt.Errorf("additional attributes: %w", err)
	}
	for _, a := range attrs {
		if len(a) < 4 {
			return fmt.Errorf("%w: additional attribute of %d bytes", ErrFormat, len(a))
		}
		ps.attrs = append(ps.attrs, record{binary.LittleEndian.Uint32(a), a[4:]})
	}
	return nil
}

func sdkBounds(b []byte) (minSDK, maxSDK int, rest []byte, err error) {
	if len(b) < 8 {
		return 0, 0, nil, fmt.Errorf("%w: truncated SDK bounds", ErrFormat)
	}
	minSDK, maxSDK = int(binary.LittleEndian.Uint32(b)), int(binary.LittleEndian.Uint32(b[4:]))
	if minSDK > maxSDK {
		return 0, 0, nil, fmt.Errorf("%w: minSdk %d above maxSdk %d", ErrFormat, minSDK, maxSDK)
	}
	return minSDK, maxSDK, b[8:], nil
}

// verify checks the preferred signature of a parsed signer over its signed
// data with its public key, that the key is the first certificate's, and
// that the signatures and digests name the same algorithms.
func (ps *parsedSigner) verify() Signer {
	s := Signer{Scheme: ps.scheme, Certificates: ps.certs, MinSDK: ps.minSDK, MaxSDK: ps.maxSDK}
	if ps.err != nil {
		s.Err = ps.err
		return s
	}
	var hs []crypto.Hash
	for _, d := range ps.digests {
		if a, ok := sigAlgs[d.id]; ok {
			hs = append(hs, a.content.hash())
		}
	}
	s.DigestAlgorithms = sortedHashNames(hs)
	pub, err := x509.ParsePKIXPublicKey(ps.pubKey)
	if err != nil {
		s.Err = fmt.Errorf("%w: public key: %v", ErrFormat, err)
		return s
	}
	s.KeyAlgorithm, s.KeyBits = keyInfo(pub)
	if len(ps.certs) == 0 {
		s.Err = fmt.Errorf("%w: no certificate", ErrFormat)
		return s
	}
	if len(ps.sigs) == 0 {
		s.Err = fmt.Errorf("%w: no signature", ErrFormat)
		return s
	}
	best := uint32(0)
	for _, r := range ps.sigs {
		if _, ok := sigAlgs[r.id]; ok && (best == 0 || better(r.id, best)) {
			best = r.id
		}
	}
	if best == 0 {
		s.Err = fmt.Errorf("%w: no known signature algorithm among %d", ErrUnsupported, len(ps.sigs))
		return s
	}
	alg := sigAlgs[best]
	s.SignatureAlgorithm = alg.name
	if keyFamily(alg.name) != s.KeyAlgorithm {
		s.Err = fmt.Errorf("%w: %s signature with a %s key", ErrBadSignature, alg.name, s.KeyAlgorithm)
		return s
	}
	sig, _ := findRecord(ps.sigs, best)
	if err := verifySignature(pub, alg.hash, alg.pss, ps.signedData, sig); err != nil {
		s.Err = fmt.Errorf("%s: %w", alg.name, err)
		return s
	}
	if !bytes.Equal(ps.certs[0].RawSubjectPublicKeyInfo, ps.pubKey) {
		s.Err = fmt.Errorf("%w: the public key is not the first certificate's", ErrBadSignature)
		return s
	}
	if !slices.EqualFunc(ps.sigs, ps.digests, func(a, b record) bool { return a.id == b.id }) {
		s.Err = fmt.Errorf("%w: signatures and digests name different algorithms", ErrFormat)
		return s
	}
	s.Verified = true
	return s
}

// checkContent recomputes the strongest content digest the signer signed
// that is not a verity digest, and compares it. checked is false when the
// signer has only verity digests.
func (in *inspection) checkContent(zl zipLayout, digests []record) (ok, checked bool, err error) {
	var id uint32
	for _, d := range digests {
		if a, known := sigAlgs[d.id]; known && a.content != contentVerity && (id == 0 || better(d.id, id)) {
			id = d.id
		}
	}
	if id == 0 {
		return false, false, nil
	}
	want, _ := findRecord(digests, id)
	content := sigAlgs[id].content
	got, cached := in.contentDigests[content]
	if !cached {
		if got, err = contentDigest(in.ra, zl, content.hash()); err != nil {
			return false, false, err
		}
		if in.contentDigests == nil {
			in.contentDigests = map[contentAlg][]byte{}
		}
		in.contentDigests[content] = got
	}
	return bytes.Equal(got, want), true, nil
}
