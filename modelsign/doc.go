// Package modelsign signs and verifies machine-learning models in the
// OpenSSF Model Signing (OMS) format, the format of the reference
// model_signing tool (sigstore/model-transparency).
//
// A model is a directory of files, or one file. [Hash] serializes it to a
// [Manifest]: one digest per file (method "files") or per fixed-size
// shard of each file (method "shards"), in a canonical order. [Sign]
// wraps the manifest in an in-toto Statement v1, signs its DSSE
// pre-authentication encoding with an ECDSA key and writes a Sigstore
// bundle (v0.3) that carries either a hint of the public key or the
// signing certificate chain. [Verify] checks the bundle's signature with a
// public key or against trusted root certificates, recomputes the model's
// digests and reports exactly which files were added, removed or modified.
//
// Every failure to verify matches [ErrNotVerified] with errors.Is; the
// reason is a [*MismatchError], [ErrBadSignature], [ErrUntrusted] or a
// [*BundleError]. Inputs this package does not handle (keyless Sigstore
// bundles, BLAKE3, Ed25519 keys) give an error matching [ErrUnsupported].
// All parsing of outside bytes is bounded: bundle size, resource and file
// counts.
package modelsign
