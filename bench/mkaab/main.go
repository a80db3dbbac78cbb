// Command mkaab turns an APK into an Android App Bundle laid out as
// bundletool lays one out (protobuf manifest and resources, base/ module),
// for the scanner benchmark: bench/scan.sh.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/bulwark-security/bulwark/internal/androidres/prototest"
)

func main() {
	in := flag.String("in", "", "APK to convert")
	out := flag.String("o", "", "App Bundle to write")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: mkaab -in app.apk -o app.aab")
		os.Exit(2)
	}
	apk, err := os.ReadFile(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkaab:", err)
		os.Exit(1)
	}
	aab, err := prototest.BundleFromAPK(apk)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkaab:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, aab, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "mkaab:", err)
		os.Exit(1)
	}
}
