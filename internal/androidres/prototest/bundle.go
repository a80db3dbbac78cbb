package prototest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/bulwark-security/bulwark/internal/androidres"
)

// BundleFromAPK converts an APK into an Android App Bundle with one base
// module, laid out as bundletool lays one out: the manifest (as a proto
// XmlNode) in base/manifest/, resources.arsc as base/resources.pb, DEX
// files in base/dex/, res/ (binary XML converted to proto), assets/ and
// lib/ under base/, the JAR signature files in META-INF/, every other
// file in base/root/, and a BundleConfig.pb. The signature files are
// copied as they are: they name APK paths, so they do not verify the
// bundle.
func BundleFromAPK(apk []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(apk), int64(len(apk)))
	if err != nil {
		return nil, fmt.Errorf("read apk: %w", err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	seen := map[string]bool{}
	add := func(name string, data []byte) error {
		if seen[name] {
			return nil
		}
		seen[name] = true
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		name, data, err := bundleEntry(f.Name, data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		if err := add(name, data); err != nil {
			return nil, err
		}
	}
	// BundleConfig { bundletool { version = "1.15.6" } }
	if err := add("BundleConfig.pb", msg(nil, 1, str(nil, 2, "1.15.6"))); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// bundleEntry gives the bundle path and content of an APK entry.
func bundleEntry(name string, data []byte) (string, []byte, error) {
	switch {
	case name == "AndroidManifest.xml":
		doc, err := androidres.ParseXML(data, androidres.XMLLimits{})
		if err != nil {
			return "", nil, err
		}
		return "base/manifest/AndroidManifest.xml", EncodeXML(doc), nil
	case name == "resources.arsc":
		t, err := androidres.ParseTable(data, androidres.TableLimits{})
		if err != nil {
			return "", nil, err
		}
		return "base/resources.pb", EncodeTable(t), nil
	case !strings.Contains(name, "/") && strings.HasPrefix(name, "classes") && strings.HasSuffix(name, ".dex"):
		return "base/dex/" + name, data, nil
	case strings.HasPrefix(name, "res/"):
		if androidres.IsBinaryXML(data) {
			doc, err := androidres.ParseXML(data, androidres.XMLLimits{})
			if err == nil {
				data = EncodeXML(doc)
			}
		}
		return "base/" + name, data, nil
	case strings.HasPrefix(name, "assets/"), strings.HasPrefix(name, "lib/"):
		return "base/" + name, data, nil
	case strings.HasPrefix(name, "META-INF/") && isSignatureFile(name):
		return name, data, nil
	default:
		return "base/root/" + name, data, nil
	}
}

// isSignatureFile reports the files of a JAR signature.
func isSignatureFile(name string) bool {
	if name == "META-INF/MANIFEST.MF" {
		return true
	}
	if path.Dir(name) != "META-INF" {
		return false
	}
	switch strings.ToUpper(path.Ext(name)) {
	case ".SF", ".RSA", ".DSA", ".EC":
		return true
	}
	return false
}
