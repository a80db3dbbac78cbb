// Package audit is the gateway's tamper-evident event log. Every decision
// the gateway takes (a call allowed, denied and why, limited, an upstream
// failure, a login, a refresh, an admin action) becomes one Event. Events
// are written asynchronously, in order, to an append-only hash chain: each
// record carries the SHA-256 of the previous one, and signed checkpoints
// (Ed25519) are written periodically, so that Verify detects any record
// edited, removed or reordered.
//
// # Records
//
// A record is (seq, time, event, prev_hash, hash) plus copies of the
// event's time, app, user, decision and request id in indexed columns for
// queries. seq is 1, 2, 3, … with no gap. event is the encoding/json
// encoding of the Event (time in UTC, non-finite floats replaced by 0),
// stored and hashed byte for byte; Verify never re-encodes it. The record
// hash is
//
//	hash = SHA-256( field("bulwark/audit/record/v1")
//	             || field(uint64be(seq))
//	             || field(prev_hash)
//	             || field(event) )
//
// where field(b) = uint64be(len(b)) || b. prev_hash of record 1 is the
// genesis value SHA-256("bulwark/audit/genesis/v1") (see Genesis); prev_hash
// of record n is the hash of record n-1. The indexed columns are not hashed:
// Verify checks that they agree with the hashed event.
//
// # Checkpoints
//
// A checkpoint is (seq, hash, time, key id, signature): the hash of the
// record at seq, signed with Ed25519 (pure, RFC 8032) over
//
//	message = field("bulwark/audit/checkpoint/v1")
//	       || field(uint64be(seq))
//	       || field(hash)
//	       || field(int64be(time in Unix milliseconds))
//	       || field(key id)
//
// The key id is the lowercase hex of the first 8 bytes of SHA-256 of the
// 32-byte public key (see KeyID), so a verifier holding only a public key
// file knows which checkpoints it signed. The writer adds a checkpoint every
// Options.CheckpointEvery records, at least every Options.CheckpointInterval
// while records are being added, when it opens on a chain whose last
// records are not checkpointed, and when it closes.
//
// # Writing
//
// Log is the writer: Record and Slot.Record enqueue, one goroutine writes
// batches in transactions through Store.AppendAudit, which serializes
// writers (several gateways may share one database and extend one chain).
// A failed write is retried with backoff, keeping the events in memory and
// in order; the bounded queue then fills and Record blocks or fails
// (Options.OnFull), so that an accepted event is never lost while the
// process lives. Reserve takes room in advance so that a request can be
// refused before any work is done (fail closed) and its event can then be
// recorded without failure.
//
// # Verifying
//
// Verify streams the chain in seq order in bounded memory and reports the
// first record or checkpoint that does not verify and why (a Reason).
// What it cannot detect: records appended after the last checkpoint can be
// removed from the tail, or forged and appended, without trace, since the
// record hash is not keyed; and whoever holds the master key (which opens
// the sealed signing key) can rewrite the chain and sign it again. See
// docs/audit.md.
package audit
