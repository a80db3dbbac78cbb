package modelsign

import (
	"bytes"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// In-toto and OMS identifiers.
const (
	StatementType = "https://in-toto.io/Statement/v1"
	PredicateType = "https://model_signing/signature/v1.0"
	// predicateTypeV02 is the predicate of bundles written by model_signing
	// v0.2, which listed every file as a subject.
	predicateTypeV02 = "https://model_signing/Digests/v0.1"
)

// Statement is an in-toto Statement v1.
type Statement struct {
	Type          string          `json:"_type"`
	Subject       []Subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

// Subject is an in-toto resource descriptor naming the model.
type Subject struct {
	Name        string            `json:"name"`
	Digest      map[string]string `json:"digest"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// predicate is the OMS v1.0 predicate; other fields are ignored, as the
// predicate's definition asks of verifiers.
type predicate struct {
	Serialization *Serialization `json:"serialization"`
	Resources     []Resource     `json:"resources"`
}

// UnmarshalJSON accepts shard_size written as a JSON float (the reference
// writes the predicate through a protobuf Struct, whose numbers are
// doubles) as long as it is a whole number.
func (s *Serialization) UnmarshalJSON(data []byte) error {
	var aux struct {
		Method        string      `json:"method"`
		HashType      string      `json:"hash_type"`
		ShardSize     json.Number `json:"shard_size"`
		AllowSymlinks bool        `json:"allow_symlinks"`
		IgnorePaths   []string    `json:"ignore_paths"`
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*s = Serialization{Method: aux.Method, HashType: aux.HashType, AllowSymlinks: aux.AllowSymlinks, IgnorePaths: aux.IgnorePaths}
	if aux.ShardSize != "" {
		n, err := strconv.ParseInt(string(aux.ShardSize), 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(string(aux.ShardSize), 64)
			if ferr != nil || f != math.Trunc(f) || f < 1 || f > 1<<53 {
				return fmt.Errorf("shard_size %s is not a positive whole number", aux.ShardSize)
			}
			n = int64(f)
		}
		if n < 1 {
			return fmt.Errorf("shard_size %s is not a positive whole number", aux.ShardSize)
		}
		s.ShardSize = n
	}
	return nil
}

// newStatement builds the statement that signs m.
func newStatement(m *Manifest) ([]byte, error) {
	digest, err := m.Digest()
	if err != nil {
		return nil, err
	}
	res := m.Resources
	if res == nil {
		res = []Resource{}
	}
	pred, err := json.Marshal(predicate{Serialization: &m.Serialization, Resources: res})
	if err != nil {
		return nil, err
	}
	st := Statement{
		Type:          StatementType,
		Subject:       []Subject{{Name: m.Name, Digest: map[string]string{"sha256": digest}}},
		PredicateType: PredicateType,
		Predicate:     pred,
	}
	return json.MarshalIndent(st, "", "  ")
}

// parseStatement reads the signed payload into the manifest it describes.
// It checks the statement's type, its one subject, and that the subject's
// digest is the digest of the listed resources.
func parseStatement(payload []byte) (*Manifest, error) {
	var st Statement
	if err := strictJSON(payload, &st); err != nil {
		return nil, bundleErr("statement", "not JSON: %v", err)
	}
	if st.Type != StatementType {
		return nil, bundleErr("statement._type", "%q, want %q", st.Type, StatementType)
	}
	switch st.PredicateType {
	case PredicateType:
	case predicateTypeV02:
		return parseV02(&st)
	default:
		return nil, unsupported("predicate type %q (want %q)", st.PredicateType, PredicateType)
	}
	if len(st.Subject) != 1 {
		return nil, bundleErr("statement.subject", "%d subjects, want 1", len(st.Subject))
	}
	var p predicate
	if err := strictJSON(st.Predicate, &p); err != nil {
		return nil, bundleErr("statement.predicate", "%v", err)
	}
	if p.Serialization == nil {
		return nil, bundleErr("statement.predicate.serialization", "missing")
	}
	if len(p.Resources) > MaxResources {
		return nil, bundleErr("statement.predicate.resources", "more than %d resources", MaxResources)
	}
	if len(p.Serialization.IgnorePaths) > MaxIgnorePaths {
		return nil, bundleErr("statement.predicate.serialization.ignore_paths", "more than %d paths", MaxIgnorePaths)
	}
	m := &Manifest{Name: st.Subject[0].Name, Serialization: *p.Serialization, Resources: p.Resources}
	if err := checkSerialization(&m.Serialization); err != nil {
		return nil, err
	}
	if err := checkResources(m); err != nil {
		return nil, err
	}
	got, err := m.Digest()
	if err != nil {
		return nil, err
	}
	want := strings.ToLower(st.Subject[0].Digest["sha256"])
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return nil, bundleErr("statement.subject.digest", "sha256 %q is not the digest of the listed resources (%s)", want, got)
	}
	return m, nil
}

// parseV02 reads a model_signing v0.2 statement: one subject per file,
// SHA-256 digests, method "files".
func parseV02(st *Statement) (*Manifest, error) {
	if len(st.Subject) > MaxResources {
		return nil, bundleErr("statement.subject", "more than %d subjects", MaxResources)
	}
	m := &Manifest{Name: "", Serialization: Serialization{Method: MethodFiles, HashType: HashSHA256}}
	for _, s := range st.Subject {
		m.Resources = append(m.Resources, Resource{Name: s.Name, Algorithm: HashSHA256, Digest: strings.ToLower(s.Digest["sha256"])})
	}
	if err := checkResources(m); err != nil {
		return nil, err
	}
	return m, nil
}

func checkSerialization(s *Serialization) error {
	switch s.Method {
	case MethodFiles:
	case MethodShards:
		if s.ShardSize < minShardSize {
			return unsupported("shard size %d (below %d bytes)", s.ShardSize, minShardSize)
		}
	default:
		return unsupported("serialization method %q", s.Method)
	}
	if newHash(s.HashType) == nil {
		return unsupported("hash type %q", s.HashType)
	}
	return nil
}

// checkResources checks each resource's algorithm and digest, and that
// names are unique and relative.
func checkResources(m *Manifest) error {
	alg := m.Serialization.HashType
	if m.Serialization.Method == MethodShards {
		alg += "-sharded-" + strconv.FormatInt(m.Serialization.ShardSize, 10)
	}
	size := newHash(m.Serialization.HashType).Size()
	seen := make(map[string]bool, len(m.Resources))
	for _, r := range m.Resources {
		if r.Algorithm != alg {
			return bundleErr("statement.predicate.resources", "%q has algorithm %q, want %q", r.Name, r.Algorithm, alg)
		}
		d, err := hex.DecodeString(r.Digest)
		if err != nil || len(d) != size {
			return bundleErr("statement.predicate.resources", "%q has a malformed %s digest", r.Name, m.Serialization.HashType)
		}
		p := r.Name
		if m.Serialization.Method == MethodShards {
			var ok bool
			if p, _, _, ok = splitShard(r.Name); !ok {
				return bundleErr("statement.predicate.resources", "shard name %q is not path:start:end", r.Name)
			}
		}
		if c, ok := cleanRel(p); !ok || c != p {
			return bundleErr("statement.predicate.resources", "name %q is not a clean path inside the model", r.Name)
		}
		if seen[r.Name] {
			return bundleErr("statement.predicate.resources", "%q listed twice", r.Name)
		}
		seen[r.Name] = true
	}
	return nil
}

// splitShard splits "path:start:end".
func splitShard(name string) (p string, start, end int64, ok bool) {
	i := strings.LastIndexByte(name, ':')
	if i < 0 {
		return "", 0, 0, false
	}
	j := strings.LastIndexByte(name[:i], ':')
	if j < 0 {
		return "", 0, 0, false
	}
	s, err1 := strconv.ParseInt(name[j+1:i], 10, 64)
	e, err2 := strconv.ParseInt(name[i+1:], 10, 64)
	if err1 != nil || err2 != nil || s < 0 || e <= s {
		return "", 0, 0, false
	}
	return name[:j], s, e, true
}

// strictJSON decodes one JSON value and refuses trailing data.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}
