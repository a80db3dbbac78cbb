package finding

import "time"

// Tool names the program that produced a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	URI     string `json:"informationUri,omitempty"`
}

// AppInfo is what a scan learned about the application itself.
type AppInfo struct {
	Platform    string `json:"platform"`
	ID          string `json:"id,omitempty"` // Android package name or iOS bundle id
	VersionName string `json:"versionName,omitempty"`
	VersionCode string `json:"versionCode,omitempty"`
	// MinOS is an iOS app's MinimumOSVersion.
	MinOS     string `json:"minOS,omitempty"`
	MinSDK    int    `json:"minSdk,omitempty"`
	TargetSDK int    `json:"targetSdk,omitempty"`
}

// Target is one artifact a scan read.
type Target struct {
	Path   string   `json:"path"`
	Type   string   `json:"type"`
	Size   int64    `json:"size"`
	SHA256 string   `json:"sha256,omitempty"`
	App    *AppInfo `json:"app,omitempty"`
	// Model is the verdict of a model file's scan; set for model targets.
	Model *ModelInfo `json:"model,omitempty"`
}

// ModelInfo is what a scan decided about a model file.
type ModelInfo struct {
	// Format is the model format recognized by content ("pickle", "onnx", …).
	Format string `json:"format"`
	// Verdict is "safe", "suspicious" or "dangerous": the worst of the
	// reasons found (each one a finding of the report).
	Verdict string `json:"verdict"`
}

// Warning reports input the scan could not read completely. A scan with
// warnings still reports what it found elsewhere.
type Warning struct {
	Artifact string `json:"artifact"`
	Path     string `json:"path,omitempty"`
	Message  string `json:"message"`
}

// Suppression counts findings removed by a baseline or by configuration.
type Suppression struct {
	Baseline int `json:"baseline"`
	Config   int `json:"config"`
}

// Report is the complete result of one scan, in the order writers print it.
type Report struct {
	SchemaVersion string        `json:"schemaVersion"`
	Tool          Tool          `json:"tool"`
	StartedAt     time.Time     `json:"startedAt"`
	Duration      time.Duration `json:"durationNanos"`
	Targets       []Target      `json:"targets"`
	Findings      []Finding     `json:"findings"`
	Warnings      []Warning     `json:"warnings"`
	Suppressed    Suppression   `json:"suppressed"`
	// Rules holds the catalogue entry of every rule that has a finding in
	// the report, for writers that describe rules (SARIF, HTML).
	Rules []Rule `json:"-"`
}

// SchemaVersion is the version of the JSON report schema (docs/report-schema.md).
const SchemaVersion = "1"

// CountBySeverity returns how many findings there are at each severity.
func (r *Report) CountBySeverity() map[Severity]int {
	out := make(map[Severity]int)
	for _, f := range r.Findings {
		out[f.Severity]++
	}
	return out
}

// AtOrAbove reports whether any weakness finding has severity s or higher.
// Protections and inventory never fail a build.
func (r *Report) AtOrAbove(s Severity) bool {
	for _, f := range r.Findings {
		if f.Kind == KindWeakness && f.Severity >= s {
			return true
		}
	}
	return false
}
