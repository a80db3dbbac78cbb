package apksign

import (
	"crypto"
	"encoding/binary"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// chunkSize is the chunk of the v2+ content digest.
const chunkSize = 1 << 20

// section is a byte range of a ReaderAt.
type section struct {
	r      io.ReaderAt
	off, n int64
}

// contentDigest computes the v2+ digest of an APK: its ZIP entries (up to
// the signing block), its central directory, and its end record with the
// central directory offset replaced by the signing block's offset, as it
// was before the block was inserted.
func contentDigest(ra io.ReaderAt, zl zipLayout, h crypto.Hash) ([]byte, error) {
	eocd := make([]byte, len(zl.eocd))
	copy(eocd, zl.eocd)
	binary.LittleEndian.PutUint32(eocd[16:], uint32(zl.blockOffset))
	return chunkedDigest(h, []section{
		{ra, 0, zl.blockOffset},
		{ra, zl.cdOffset, zl.eocdOffset - zl.cdOffset},
		{bytesReaderAt(eocd), 0, int64(len(eocd))},
	})
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// chunkedDigest computes the v2+ chunked digest of sections: each section
// is cut into 1 MiB chunks (the last one shorter); each chunk is hashed
// after a 0xa5 byte and its length (uint32 LE); the result is the hash of
// a 0x5a byte, the chunk count (uint32 LE) and the chunk digests in order.
// Chunks are read with ReadAt and hashed on GOMAXPROCS goroutines.
func chunkedDigest(h crypto.Hash, sections []section) ([]byte, error) {
	type chunk struct {
		r      io.ReaderAt
		off, n int64
	}
	var chunks []chunk
	for _, s := range sections {
		for off := int64(0); off < s.n; off += chunkSize {
			chunks = append(chunks, chunk{s.r, s.off + off, min(chunkSize, s.n-off)})
		}
	}
	size := h.Size()
	sums := make([]byte, len(chunks)*size)
	bufSize := int64(0)
	for _, c := range chunks {
		bufSize = max(bufSize, c.n)
	}
	var (
		next    atomic.Int64
		failed  atomic.Bool
		errOnce sync.Once
		readErr error
	)
	work := func() {
		buf := make([]byte, bufSize)
		hh := h.New()
		prefix := [5]byte{0xa5}
		for !failed.Load() {
			i := next.Add(1) - 1
			if i >= int64(len(chunks)) {
				return
			}
			c := chunks[i]
			b := buf[:c.n]
			if err := readFull(c.r, b, c.off); err != nil {
				errOnce.Do(func() { readErr = err })
				failed.Store(true)
				return
			}
			hh.Reset()
			binary.LittleEndian.PutUint32(prefix[1:], uint32(c.n))
			hh.Write(prefix[:])
			hh.Write(b)
			hh.Sum(sums[i*int64(size) : i*int64(size)])
		}
	}
	if workers := min(runtime.GOMAXPROCS(0), len(chunks)); workers <= 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(work)
		}
		wg.Wait()
	}
	if readErr != nil {
		return nil, readErr
	}
	top := h.New()
	prefix := [5]byte{0x5a}
	binary.LittleEndian.PutUint32(prefix[1:], uint32(len(chunks)))
	top.Write(prefix[:])
	top.Write(sums)
	return top.Sum(nil), nil
}
