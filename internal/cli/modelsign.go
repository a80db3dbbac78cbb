package cli

import (
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulwark-security/bulwark/modelsign"
)

// notVerifiedError carries a failed model verification to Run, which maps
// it to exit code 1 (ExitFindings); every other error of model verify is
// exit code 2. It unwraps to the modelsign error, which matches
// modelsign.ErrNotVerified.
type notVerifiedError struct{ err error }

func (e notVerifiedError) Error() string { return e.err.Error() }
func (e notVerifiedError) Unwrap() error { return e.err }

// maxPEMFile bounds key and certificate files.
const maxPEMFile = 1 << 20

// modelHashFlags are the hashing flags shared by sign and verify.
type modelHashFlags struct {
	ignorePaths    []string
	ignoreGitPaths bool
}

func (f *modelHashFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.ignorePaths, "ignore-paths", nil, "a path (relative to the current directory) not to sign or verify; a directory covers everything under it (repeatable)")
	cmd.Flags().BoolVar(&f.ignoreGitPaths, "ignore-git-paths", true, "ignore .git, .gitattributes, .github and .gitignore")
}

// modelIgnores turns the paths given on the command line (relative to the
// working directory, as the reference CLI reads them) into paths relative
// to the model root; paths outside the model are dropped.
func modelIgnores(model string, paths []string) ([]string, error) {
	root, err := filepath.Abs(model)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || rel == "." {
			continue
		}
		out = append(out, filepath.ToSlash(rel))
	}
	return out, nil
}

func readPEMFile(flag, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	defer f.Close()
	data, err := readAllBounded(f, path, maxPEMFile)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	return data, nil
}

func newModelSign(e *env) *cobra.Command {
	var o struct {
		modelHashFlags
		key, signature string
		chain          []string
		hash           string
		shardSize      int64
		allowSymlinks  bool
	}
	cmd := &cobra.Command{
		Use:   "sign PATH --key PRIVATE.pem [--signature OUT.sig] [--certificate-chain CERT.pem]...",
		Short: "Sign a model (a directory or one file) in the OpenSSF Model Signing format",
		Long: `Sign hashes every file of the model (or fixed-size shards of every file with
--shard-size), writes the digests in an in-toto statement, signs it with an
ECDSA P-256, P-384 or P-521 key and writes a Sigstore bundle that the
reference model_signing tool verifies. With --certificate-chain the bundle
carries the signing certificate and its chain instead of a key hint.
See docs/model-signing.md.`,
		Example: `  bulwark model sign ./my-model --key signing-key.pem --signature my-model.sig
  bulwark model sign ./my-model --key signing-key.pem --certificate-chain signing-cert.pem --certificate-chain int-ca.pem`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			model := args[0]
			if o.key == "" {
				return usagef("--key is required")
			}
			if o.signature == "" {
				return usagef("--signature must not be empty")
			}
			alg := o.hash
			if alg == "blake2" {
				alg = modelsign.HashBLAKE2b
			}
			if alg != modelsign.HashSHA256 && alg != modelsign.HashBLAKE2b {
				return usagef("--hash %q: want sha256 or blake2b", o.hash)
			}
			if o.shardSize < 0 {
				return usagef("--shard-size must be positive")
			}
			pemKey, err := readPEMFile("key", o.key)
			if err != nil {
				return err
			}
			key, err := modelsign.ParsePrivateKeyPEM(pemKey)
			if err != nil {
				return fmt.Errorf("--key %s: %w", o.key, err)
			}
			var certs []*x509.Certificate
			for _, p := range o.chain {
				data, err := readPEMFile("certificate-chain", p)
				if err != nil {
					return err
				}
				c, err := modelsign.ParseCertificatesPEM(data)
				if err != nil {
					return fmt.Errorf("--certificate-chain %s: %w", p, err)
				}
				certs = append(certs, c...)
			}
			if certs, err = leafFirst(certs, key.Public().(*ecdsa.PublicKey)); err != nil {
				return err
			}
			ignores, err := modelIgnores(model, append(append([]string{}, o.ignorePaths...), o.signature))
			if err != nil {
				return err
			}
			ho := modelsign.HashOptions{
				Method:          modelsign.MethodFiles,
				Algorithm:       alg,
				IgnorePaths:     ignores,
				IncludeGitPaths: !o.ignoreGitPaths,
				AllowSymlinks:   o.allowSymlinks,
			}
			if o.shardSize > 0 {
				ho.Method, ho.ShardSize = modelsign.MethodShards, o.shardSize
			}
			bundle, err := modelsign.Sign(cmd.Context(), model, key, modelsign.SignOptions{HashOptions: ho, Certificates: certs})
			if err != nil {
				return err
			}
			if err := writeFileAtomic(o.signature, bundle); err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "Signed %s: %s\n", model, o.signature)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "the ECDSA private key (PEM, unencrypted)")
	f.StringVar(&o.signature, "signature", "model.sig", "where to write the signature bundle")
	f.StringArrayVar(&o.chain, "certificate-chain", nil, "PEM certificates to ship in the bundle: the signing key's certificate and its intermediates (repeatable)")
	f.StringVar(&o.hash, "hash", modelsign.HashSHA256, "digest of files or shards: sha256 or blake2b")
	f.Int64Var(&o.shardSize, "shard-size", 0, "hash fixed-size shards of this many bytes instead of whole files (the reference's default is 1000000000)")
	f.BoolVar(&o.allowSymlinks, "allow-symlinks", false, "hash the files symbolic links point to instead of refusing them")
	o.register(cmd)
	return cmd
}

// leafFirst moves the certificate of the signing key to the front.
func leafFirst(certs []*x509.Certificate, pub *ecdsa.PublicKey) ([]*x509.Certificate, error) {
	if len(certs) == 0 {
		return nil, nil
	}
	for i, c := range certs {
		if k, ok := c.PublicKey.(*ecdsa.PublicKey); ok && k.Equal(pub) {
			out := append([]*x509.Certificate{c}, certs[:i]...)
			return append(out, certs[i+1:]...), nil
		}
	}
	return nil, usagef("--certificate-chain: no certificate is for the signing key")
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".model-sig-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func newModelVerify(e *env) *cobra.Command {
	var o struct {
		modelHashFlags
		key, signature string
		roots          []string
	}
	cmd := &cobra.Command{
		Use:   "verify PATH (--key PUBLIC.pem | --certificate-root CA.pem) [--signature IN.sig]",
		Short: "Verify a model's OpenSSF Model Signing bundle (exit 0 verified, 1 not verified, 2 error)",
		Long: `Verify checks the bundle's signature with a public key, or its certificate
chain against trusted certificates, then hashes the model again and names
every file added, removed or modified since it was signed. Bundles made by
model_signing v1.1 or later record the paths they ignored; for older ones
pass the same --ignore-paths as when signing. Keyless Sigstore bundles are
not supported. See docs/model-signing.md.`,
		Example: `  bulwark model verify ./my-model --key signing-key-pub.pem --signature my-model.sig
  bulwark model verify ./my-model --certificate-root ca-cert.pem --signature my-model.sig`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			model := args[0]
			if (o.key == "") == (len(o.roots) == 0) {
				return usagef("give exactly one of --key and --certificate-root")
			}
			var vo modelsign.VerifyOptions
			if o.key != "" {
				data, err := readPEMFile("key", o.key)
				if err != nil {
					return err
				}
				if vo.PublicKey, err = modelsign.ParsePublicKeyPEM(data); err != nil {
					return fmt.Errorf("--key %s: %w", o.key, err)
				}
			}
			for _, p := range o.roots {
				data, err := readPEMFile("certificate-root", p)
				if err != nil {
					return err
				}
				c, err := modelsign.ParseCertificatesPEM(data)
				if err != nil {
					return fmt.Errorf("--certificate-root %s: %w", p, err)
				}
				vo.Roots = append(vo.Roots, c...)
			}
			f, err := os.Open(o.signature)
			if err != nil {
				return fmt.Errorf("--signature: %w", err)
			}
			defer f.Close()
			b, err := readAllBounded(f, o.signature, modelsign.MaxBundleSize)
			if err != nil {
				return fmt.Errorf("--signature: %w", err)
			}
			if vo.IgnorePaths, err = modelIgnores(model, append(append([]string{}, o.ignorePaths...), o.signature)); err != nil {
				return err
			}
			vo.IncludeGitPaths = !o.ignoreGitPaths
			res, err := modelsign.Verify(cmd.Context(), model, b, vo)
			if errors.Is(err, modelsign.ErrNotVerified) {
				return notVerifiedError{fmt.Errorf("%s: %w", model, err)}
			}
			if err != nil {
				return err
			}
			by := "key " + res.Signer.KeyHint
			if c := res.Signer.Certificate; c != nil {
				by = fmt.Sprintf("certificate %q (issuer %q)", c.Subject.String(), c.Issuer.String())
			}
			_, err = fmt.Fprintf(e.stdout, "Verified %s: %d %s signed by %s\n", model, len(res.Manifest.Resources), resourceWord(res.Manifest), by)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "the signer's public key (PEM)")
	f.StringArrayVar(&o.roots, "certificate-root", nil, "trusted CA certificates (PEM); the bundle's chain must lead to one (repeatable)")
	f.StringVar(&o.signature, "signature", "model.sig", "the signature bundle to verify")
	o.register(cmd)
	return cmd
}

func resourceWord(m *modelsign.Manifest) string {
	w := "files"
	if m.Serialization.Method == modelsign.MethodShards {
		w = "shards"
	}
	if len(m.Resources) == 1 {
		w = strings.TrimSuffix(w, "s")
	}
	return w
}

// readAllBounded reads r to its end, failing beyond limit bytes.
func readAllBounded(r io.Reader, name string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return b, nil
}
