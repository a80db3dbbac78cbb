package android

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// sdk describes a library recognized by its classes or native libraries.
type sdk struct {
	Name string
	// AI is true for inference runtimes and AI clients, false for trackers.
	AI bool
	// Classes are descriptor prefixes of the SDK's classes.
	Classes []string
	// Natives are file names of its native libraries.
	Natives []string
	// VersionFiles are substrings of META-INF/*.version file names that
	// carry the SDK's version (Google's Maven artifacts ship them).
	VersionFiles []string
}

// sdks is the inventory table. Order matters only for report order.
var sdks = []sdk{
	{Name: "TensorFlow Lite / LiteRT", AI: true, Classes: []string{"Lorg/tensorflow/lite/", "Lcom/google/ai/edge/litert/", "Lcom/google/android/gms/tflite/"},
		Natives: []string{"libtensorflowlite_jni.so", "libtensorflowlite_gpu_jni.so", "libtensorflowlite_c.so", "libLiteRt.so"}, VersionFiles: []string{"tflite", "tensorflow-lite", "litert"}},
	{Name: "ML Kit", AI: true, Classes: []string{"Lcom/google/mlkit/", "Lcom/google/android/gms/internal/mlkit_"}, VersionFiles: []string{"com.google.mlkit_", "play-services-mlkit"}},
	{Name: "Firebase ML", AI: true, Classes: []string{"Lcom/google/firebase/ml/"}, VersionFiles: []string{"firebase-ml"}},
	{Name: "ONNX Runtime", AI: true, Classes: []string{"Lai/onnxruntime/"}, Natives: []string{"libonnxruntime.so", "libonnxruntime4j_jni.so"}},
	{Name: "ExecuTorch", AI: true, Classes: []string{"Lorg/pytorch/executorch/"}, Natives: []string{"libexecutorch.so", "libexecutorch_jni.so"}},
	{Name: "PyTorch Mobile", AI: true, Classes: []string{"Lorg/pytorch/"}, Natives: []string{"libpytorch_jni.so", "libpytorch_jni_lite.so"}},
	{Name: "MediaPipe", AI: true, Classes: []string{"Lcom/google/mediapipe/"}, Natives: []string{"libmediapipe_tasks_vision_jni.so", "libmediapipe_tasks_text_jni.so", "libllm_inference_engine_jni.so", "libmediapipe_jni.so"}},
	{Name: "Google AI client SDK (Gemini)", AI: true, Classes: []string{"Lcom/google/ai/client/generativeai/"}, VersionFiles: []string{"generativeai"}},
	{Name: "Google Gen AI SDK", AI: true, Classes: []string{"Lcom/google/genai/"}},
	{Name: "Firebase AI Logic", AI: true, Classes: []string{"Lcom/google/firebase/ai/"}, VersionFiles: []string{"firebase-ai"}},
	{Name: "Firebase Vertex AI", AI: true, Classes: []string{"Lcom/google/firebase/vertexai/"}, VersionFiles: []string{"firebase-vertexai"}},
	{Name: "Gemini Nano (AICore)", AI: true, Classes: []string{"Lcom/google/ai/edge/aicore/"}},
	{Name: "OpenAI Java SDK", AI: true, Classes: []string{"Lcom/openai/"}},
	{Name: "OpenAI Kotlin (community)", AI: true, Classes: []string{"Lcom/aallam/openai/"}},
	{Name: "openai-java (community)", AI: true, Classes: []string{"Lcom/theokanning/openai/"}},
	{Name: "simple-openai (community)", AI: true, Classes: []string{"Lio/github/sashirestela/openai/"}},
	{Name: "Azure OpenAI client", AI: true, Classes: []string{"Lcom/azure/ai/openai/"}},
	{Name: "Anthropic Java SDK", AI: true, Classes: []string{"Lcom/anthropic/"}},
	{Name: "LangChain4j", AI: true, Classes: []string{"Ldev/langchain4j/"}},
	{Name: "llama.cpp", AI: true, Natives: []string{"libllama.so", "libggml.so", "libggml-base.so", "libggml-cpu.so"}},
	{Name: "MLC LLM", AI: true, Classes: []string{"Lai/mlc/mlcllm/"}, Natives: []string{"libtvm4j_runtime_packed.so"}},
	{Name: "ncnn", AI: true, Natives: []string{"libncnn.so"}},
	{Name: "MNN", AI: true, Classes: []string{"Lcom/taobao/android/mnn/", "Lcom/alibaba/android/mnn/"}, Natives: []string{"libMNN.so"}},
	{Name: "Paddle Lite", AI: true, Classes: []string{"Lcom/baidu/paddle/lite/"}, Natives: []string{"libpaddle_lite_jni.so"}},
	{Name: "Qualcomm SNPE / QNN", AI: true, Classes: []string{"Lcom/qualcomm/qti/snpe/"}, Natives: []string{"libSNPE.so", "libQnnHtp.so"}},
	{Name: "Huawei ML Kit", AI: true, Classes: []string{"Lcom/huawei/hms/mlsdk/"}},

	{Name: "Firebase Analytics", Classes: []string{"Lcom/google/firebase/analytics/"}, VersionFiles: []string{"firebase-analytics"}},
	{Name: "Google Analytics", Classes: []string{"Lcom/google/android/gms/analytics/"}, VersionFiles: []string{"play-services-analytics"}},
	{Name: "Google Tag Manager", Classes: []string{"Lcom/google/android/gms/tagmanager/"}, VersionFiles: []string{"play-services-tagmanager"}},
	{Name: "Google AdMob", Classes: []string{"Lcom/google/android/gms/ads/"}, VersionFiles: []string{"play-services-ads"}},
	{Name: "Firebase Crashlytics", Classes: []string{"Lcom/google/firebase/crashlytics/", "Lcom/crashlytics/"}, VersionFiles: []string{"firebase-crashlytics"}},
	{Name: "Facebook SDK", Classes: []string{"Lcom/facebook/appevents/", "Lcom/facebook/FacebookSdk;"}},
	{Name: "AppsFlyer", Classes: []string{"Lcom/appsflyer/"}},
	{Name: "Adjust", Classes: []string{"Lcom/adjust/sdk/"}},
	{Name: "Branch", Classes: []string{"Lio/branch/"}},
	{Name: "Mixpanel", Classes: []string{"Lcom/mixpanel/"}},
	{Name: "Amplitude", Classes: []string{"Lcom/amplitude/"}},
	{Name: "Segment", Classes: []string{"Lcom/segment/analytics/"}},
	{Name: "Flurry", Classes: []string{"Lcom/flurry/"}},
	{Name: "Sentry", Classes: []string{"Lio/sentry/"}},
	{Name: "Bugsnag", Classes: []string{"Lcom/bugsnag/"}},
	{Name: "OneSignal", Classes: []string{"Lcom/onesignal/"}},
	{Name: "Braze", Classes: []string{"Lcom/braze/", "Lcom/appboy/"}},
	{Name: "CleverTap", Classes: []string{"Lcom/clevertap/"}},
	{Name: "Unity Ads", Classes: []string{"Lcom/unity3d/ads/"}},
	{Name: "AppLovin", Classes: []string{"Lcom/applovin/"}},
	{Name: "ironSource", Classes: []string{"Lcom/ironsource/"}},
	{Name: "New Relic", Classes: []string{"Lcom/newrelic/"}},
	{Name: "Datadog", Classes: []string{"Lcom/datadog/"}},
}

var versionText = regexp.MustCompile(`^[0-9][0-9A-Za-z.\-+]{0,31}$`)

func checkSDKs(a *App) []finding.Hit {
	var hits []finding.Hit
	natives := make(map[string]string) // file name → entry path
	for _, n := range a.Names {
		if strings.HasSuffix(n, ".so") {
			if _, ok := natives[path.Base(n)]; !ok {
				natives[path.Base(n)] = n
			}
		}
	}
	var classes []string
	if a.Code != nil {
		classes = a.Code.classes
	}
	for _, s := range sdks {
		var evidence []string
		var locs []finding.Location
		for _, prefix := range s.Classes {
			if c, ok := firstWithPrefix(classes, prefix); ok {
				evidence = append(evidence, javaName(c))
				locs = append(locs, finding.Location{Symbol: javaName(c)})
				break
			}
		}
		for _, lib := range s.Natives {
			if p, ok := natives[lib]; ok {
				evidence = append(evidence, p)
				locs = append(locs, finding.Location{Path: p})
			}
		}
		if len(evidence) == 0 {
			continue
		}
		rule := "privacy-tracker-sdk"
		if s.AI {
			rule = "ai-sdk-inventory"
		}
		props := map[string]string{"sdk": s.Name}
		msg := s.Name
		if v := a.sdkVersion(s); v != "" {
			props["version"] = v
			msg += " " + v
		}
		hits = append(hits, finding.Hit{Rule: rule, Key: s.Name, Message: msg, Evidence: strings.Join(evidence, ", "), Locations: locs, Props: props})
	}
	return hits
}

func firstWithPrefix(classes []string, prefix string) (string, bool) {
	for _, c := range classes {
		if strings.HasPrefix(c, prefix) {
			return c, true
		}
	}
	return "", false
}

// sdkVersion reads the version of an SDK from META-INF/*.version files.
func (a *App) sdkVersion(s sdk) string {
	for _, want := range s.VersionFiles {
		for _, name := range sortedKeys(a.VersionFiles) {
			if v := a.VersionFiles[name]; strings.Contains(name, want) && versionText.MatchString(v) {
				return v
			}
		}
	}
	return ""
}

// sortedKeys returns a map's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkPinning reports an app with neither NSC pins nor a pinning API.
func checkPinning(a *App) []finding.Hit {
	if a.Manifest == nil || a.Code == nil {
		return nil
	}
	if a.Network.HasPins() {
		return nil
	}
	for _, c := range a.Code.calls {
		if c.API == "CertificatePinner.add" {
			return nil
		}
	}
	for _, c := range a.Code.classes {
		if strings.HasPrefix(c, "Lcom/datatheorem/android/trustkit/") {
			return nil
		}
	}
	msg := "no pin-set in the network security configuration and no pinning API in the code"
	if a.Network == nil {
		msg = "no network security configuration and no pinning API in the code"
	}
	return []finding.Hit{{Rule: "android-pinning-absent", Key: "pinning", Message: msg, Evidence: fmt.Sprintf("%d DEX files searched", len(a.Code.dexFiles)), Locations: manifestLoc("application", 0)}}
}
