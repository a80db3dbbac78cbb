// Command mkapk builds a large synthetic APK for scanner benchmarks: it
// takes a real APK and adds copies of its DEX files (as classes2.dex …),
// its native libraries under more ABIs, a stored high-entropy "model" and
// text assets, until the package reaches the requested size.
//
//	go run ./bench/mkapk -in ../shared/corpus/android/insecurebankv2.apk -size 100 -o /tmp/big.apk
package main

import (
	"archive/zip"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
)

func main() {
	in := flag.String("in", "", "source APK")
	out := flag.String("o", "big.apk", "output APK")
	sizeMB := flag.Int("size", 100, "target size in MB")
	flag.Parse()
	if err := run(*in, *out, int64(*sizeMB)<<20); err != nil {
		fmt.Fprintln(os.Stderr, "mkapk:", err)
		os.Exit(1)
	}
}

func run(in, out string, target int64) error {
	zr, err := zip.OpenReader(in)
	if err != nil {
		return err
	}
	defer zr.Close()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	w := zip.NewWriter(f)
	var dex [][]byte
	for _, e := range zr.File {
		if strings.HasPrefix(e.Name, "META-INF/") {
			continue // the copy is unsigned
		}
		rc, err := e.Open()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		if strings.HasSuffix(e.Name, ".dex") {
			dex = append(dex, data)
		}
		if err := add(w, e.Name, data, zip.Deflate); err != nil {
			return err
		}
	}
	// A stored, high-entropy model of a third of the target size.
	r := rand.New(rand.NewPCG(1, 2))
	model := make([]byte, target/3)
	for i := range model {
		model[i] = byte(r.Uint32())
	}
	if err := add(w, "assets/models/encoder.tflite", model, zip.Store); err != nil {
		return err
	}
	text := []byte(strings.Repeat("{\"endpoint\": \"https://api.example.com/v1\", \"retries\": 3, \"label\": \"hello world\"}\n", 20000))
	for i := 0; i < 5; i++ {
		if err := add(w, fmt.Sprintf("assets/config/part%d.json", i), text, zip.Deflate); err != nil {
			return err
		}
	}
	for n := 2; ; n++ {
		st, _ := f.Stat()
		if st.Size() >= target || len(dex) == 0 {
			break
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if err := add(w, fmt.Sprintf("classes%d.dex", n), dex[0], zip.Deflate); err != nil {
			return err
		}
	}
	return w.Close()
}

func add(w *zip.Writer, name string, data []byte, method uint16) error {
	fw, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: method})
	if err != nil {
		return err
	}
	_, err = fw.Write(data)
	return err
}
