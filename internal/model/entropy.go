package model

import (
	"bytes"
	"math"
)

// Entropy returns the Shannon entropy of sample in bits per byte, from 0
// (one byte value repeated) to 8 (every value equally frequent). An empty
// sample has entropy 0.
func Entropy(sample []byte) float64 {
	if len(sample) == 0 {
		return 0
	}
	var counts [256]int
	for _, b := range sample {
		counts[b]++
	}
	n := float64(len(sample))
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// Parameters of LooksEncrypted.
const (
	// EncryptedMinSample is the smallest sample LooksEncrypted judges:
	// below it the entropy of even random bytes is too far from 8 to tell.
	EncryptedMinSample = 4096
	// EncryptedMaxSample is how much of the sample LooksEncrypted reads.
	EncryptedMaxSample = 64 << 10
	// EncryptedThreshold is the entropy, in bits per byte, from which a
	// sample looks encrypted. Random bytes reach about 7.955 over 4 KiB and
	// 7.997 over 64 KiB (the estimate falls short of 8 by about
	// 255/(2·n·ln 2)); float32 weights stay below 7.6, quantized weights
	// lower still.
	EncryptedThreshold = 7.9
)

// compressedMagics start formats that are compressed or encoded media:
// their entropy is as high as ciphertext's, but they are not secrets.
var compressedMagics = [][]byte{
	[]byte("PK\x03\x04"), []byte("PK\x05\x06"), // zip
	{0x1f, 0x8b},                       // gzip
	{0x28, 0xb5, 0x2f, 0xfd},           // zstd
	{0xfd, '7', 'z', 'X', 'Z', 0},      // xz
	[]byte("BZh"),                      // bzip2
	{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}, // 7z
	{0x04, 0x22, 0x4d, 0x18},           // lz4 frame
	[]byte("Rar!"),
	{0x89, 'P', 'N', 'G'},
	{0xff, 0xd8, 0xff}, // JPEG
	[]byte("GIF8"),
	[]byte("RIFF"), // WebP, WAV, AVI
	[]byte("OggS"),
	[]byte("fLaC"),
	[]byte("ID3"), // MP3
	[]byte("wOFF"), []byte("wOF2"), []byte("OTTO"),
	[]byte("\x00\x01\x00\x00"), // TrueType
	[]byte("dex\n"),
	[]byte("\x7fELF"),
}

// LooksEncrypted reports whether sample, the beginning of a file, looks
// like ciphertext: at least EncryptedMinSample bytes, an entropy of at
// least EncryptedThreshold over its first EncryptedMaxSample bytes, no
// recognized model format and no compressed or media format. Apps that
// encrypt their models produce such files; so do other encrypted assets.
func LooksEncrypted(sample []byte) bool {
	if len(sample) < EncryptedMinSample {
		return false
	}
	sample = sample[:min(len(sample), EncryptedMaxSample)]
	for _, m := range compressedMagics {
		if bytes.HasPrefix(sample, m) {
			return false
		}
	}
	if len(sample) >= 12 && string(sample[4:8]) == "ftyp" { // MP4, HEIF
		return false
	}
	if Entropy(sample) < EncryptedThreshold {
		return false
	}
	// The sample is the start of a file of unknown size: judge its
	// structures as if the file were as large as they claim.
	_, known := Identify(sample, math.MaxInt64/2)
	return !known
}
