package appcontent

import "strings"

// SDK describes a library, recognized on Android by its classes, native
// libraries or version files, on iOS by its frameworks, and in a source
// tree by its package coordinates.
type SDK struct {
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
	// Frameworks are names of its iOS frameworks or dynamic libraries
	// ("TensorFlowLiteC" for TensorFlowLiteC.framework or a linked
	// @rpath/TensorFlowLiteC.framework/TensorFlowLiteC, "CoreML" for the
	// system framework).
	Frameworks []string
	// Packages are its coordinates in package managers, as
	// "ecosystem:name": maven:group:artifact (a prefix), pod:Name,
	// spm:owner/repo, npm:name, pub:name.
	Packages []string
}

// SDKs is the inventory table. Order matters only for report order.
var SDKs = []SDK{
	{Name: "TensorFlow Lite / LiteRT", AI: true, Classes: []string{"Lorg/tensorflow/lite/", "Lcom/google/ai/edge/litert/", "Lcom/google/android/gms/tflite/"},
		Natives: []string{"libtensorflowlite_jni.so", "libtensorflowlite_gpu_jni.so", "libtensorflowlite_c.so", "libLiteRt.so"}, VersionFiles: []string{"tflite", "tensorflow-lite", "litert"}, Frameworks: []string{"TensorFlowLiteC", "TensorFlowLite", "TensorFlowLiteSwift", "TensorFlowLiteObjC", "LiteRT"}, Packages: []string{"maven:org.tensorflow:tensorflow-lite", "maven:com.google.ai.edge.litert:", "maven:com.google.android.gms:play-services-tflite", "pod:TensorFlowLiteSwift", "pod:TensorFlowLiteObjC", "pod:TensorFlowLiteC", "pub:tflite_flutter", "npm:react-native-fast-tflite", "npm:@tensorflow/tfjs-react-native"}},
	{Name: "ML Kit", AI: true, Classes: []string{"Lcom/google/mlkit/", "Lcom/google/android/gms/internal/mlkit_"}, VersionFiles: []string{"com.google.mlkit_", "play-services-mlkit"}, Frameworks: []string{"MLKitCommon", "MLKitVision", "MLKitTextRecognition", "MLKitFaceDetection", "MLKitBarcodeScanning", "MLKitTranslate", "MLKitImageLabeling"}, Packages: []string{"maven:com.google.mlkit:", "maven:com.google.android.gms:play-services-mlkit", "pod:GoogleMLKit", "pub:google_mlkit_", "npm:@react-native-ml-kit/"}},
	{Name: "Firebase ML", AI: true, Classes: []string{"Lcom/google/firebase/ml/"}, VersionFiles: []string{"firebase-ml"}, Frameworks: []string{"FirebaseMLModelDownloader"}, Packages: []string{"maven:com.google.firebase:firebase-ml", "pod:FirebaseMLModelDownloader", "pub:firebase_ml_model_downloader"}},
	{Name: "ONNX Runtime", AI: true, Classes: []string{"Lai/onnxruntime/"}, Natives: []string{"libonnxruntime.so", "libonnxruntime4j_jni.so"}, Frameworks: []string{"onnxruntime", "onnxruntime_objc"}, Packages: []string{"maven:com.microsoft.onnxruntime:", "pod:onnxruntime-objc", "pod:onnxruntime-c", "pod:onnxruntime-mobile-objc", "npm:onnxruntime-react-native", "pub:onnxruntime"}},
	{Name: "ExecuTorch", AI: true, Classes: []string{"Lorg/pytorch/executorch/"}, Natives: []string{"libexecutorch.so", "libexecutorch_jni.so"}, Frameworks: []string{"executorch"}, Packages: []string{"maven:org.pytorch:executorch", "spm:pytorch/executorch", "npm:react-native-executorch"}},
	{Name: "PyTorch Mobile", AI: true, Classes: []string{"Lorg/pytorch/"}, Natives: []string{"libpytorch_jni.so", "libpytorch_jni_lite.so"}, Frameworks: []string{"LibTorch", "LibTorch-Lite"}, Packages: []string{"maven:org.pytorch:pytorch_android", "pod:LibTorch", "pod:LibTorch-Lite"}},
	{Name: "MediaPipe", AI: true, Classes: []string{"Lcom/google/mediapipe/"}, Natives: []string{"libmediapipe_tasks_vision_jni.so", "libmediapipe_tasks_text_jni.so", "libllm_inference_engine_jni.so", "libmediapipe_jni.so"}, Frameworks: []string{"MediaPipeTasksVision", "MediaPipeTasksText", "MediaPipeTasksGenAI", "MediaPipeTasksGenAIC", "MediaPipeTasksCommon", "MediaPipeTasksAudio"}, Packages: []string{"maven:com.google.mediapipe:", "pod:MediaPipeTasks"}},
	{Name: "Google AI client SDK (Gemini)", AI: true, Classes: []string{"Lcom/google/ai/client/generativeai/"}, VersionFiles: []string{"generativeai"}, Frameworks: []string{"GoogleGenerativeAI"}, Packages: []string{"maven:com.google.ai.client.generativeai:", "spm:google/generative-ai-swift", "pod:GoogleGenerativeAI", "npm:@google/generative-ai", "pub:google_generative_ai"}},
	{Name: "Google Gen AI SDK", AI: true, Classes: []string{"Lcom/google/genai/"}, Packages: []string{"maven:com.google.genai:", "npm:@google/genai"}},
	{Name: "Firebase AI Logic", AI: true, Classes: []string{"Lcom/google/firebase/ai/"}, VersionFiles: []string{"firebase-ai"}, Frameworks: []string{"FirebaseAI", "FirebaseAILogic"}, Packages: []string{"maven:com.google.firebase:firebase-ai", "pod:FirebaseAI", "pub:firebase_ai", "npm:@react-native-firebase/ai"}},
	{Name: "Firebase Vertex AI", AI: true, Classes: []string{"Lcom/google/firebase/vertexai/"}, VersionFiles: []string{"firebase-vertexai"}, Frameworks: []string{"FirebaseVertexAI"}, Packages: []string{"maven:com.google.firebase:firebase-vertexai", "pod:FirebaseVertexAI", "pub:firebase_vertexai", "npm:@react-native-firebase/vertexai"}},
	{Name: "Gemini Nano (AICore)", AI: true, Classes: []string{"Lcom/google/ai/edge/aicore/"}, Packages: []string{"maven:com.google.ai.edge.aicore:"}},
	{Name: "OpenAI Java SDK", AI: true, Classes: []string{"Lcom/openai/"}, Packages: []string{"maven:com.openai:", "npm:openai"}},
	{Name: "OpenAI Kotlin (community)", AI: true, Classes: []string{"Lcom/aallam/openai/"}, Packages: []string{"maven:com.aallam.openai:"}},
	{Name: "openai-java (community)", AI: true, Classes: []string{"Lcom/theokanning/openai/"}, Packages: []string{"maven:com.theokanning.openai-gpt3-java:"}},
	{Name: "simple-openai (community)", AI: true, Classes: []string{"Lio/github/sashirestela/openai/"}, Packages: []string{"maven:io.github.sashirestela:simple-openai"}},
	{Name: "Azure OpenAI client", AI: true, Classes: []string{"Lcom/azure/ai/openai/"}, Packages: []string{"maven:com.azure:azure-ai-openai", "npm:@azure/openai"}},
	{Name: "Anthropic Java SDK", AI: true, Classes: []string{"Lcom/anthropic/"}, Packages: []string{"maven:com.anthropic:", "npm:@anthropic-ai/sdk", "pub:anthropic_sdk_dart"}},
	{Name: "LangChain4j", AI: true, Classes: []string{"Ldev/langchain4j/"}, Packages: []string{"maven:dev.langchain4j:"}},
	{Name: "llama.cpp", AI: true, Natives: []string{"libllama.so", "libggml.so", "libggml-base.so", "libggml-cpu.so"}, Frameworks: []string{"llama", "ggml"}, Packages: []string{"spm:ggerganov/llama.cpp", "spm:ggml-org/llama.cpp", "pub:llama_cpp_dart", "npm:llama.rn"}},
	{Name: "MLC LLM", AI: true, Classes: []string{"Lai/mlc/mlcllm/"}, Natives: []string{"libtvm4j_runtime_packed.so"}, Frameworks: []string{"MLCSwift", "MLCEngine"}, Packages: []string{"maven:ai.mlc:"}},
	{Name: "ncnn", AI: true, Natives: []string{"libncnn.so"}, Frameworks: []string{"ncnn"}, Packages: []string{"pod:ncnn"}},
	{Name: "MNN", AI: true, Classes: []string{"Lcom/taobao/android/mnn/", "Lcom/alibaba/android/mnn/"}, Natives: []string{"libMNN.so"}, Frameworks: []string{"MNN"}, Packages: []string{"pod:MNN"}},
	{Name: "Paddle Lite", AI: true, Classes: []string{"Lcom/baidu/paddle/lite/"}, Natives: []string{"libpaddle_lite_jni.so"}, Frameworks: []string{"PaddleLite"}},
	{Name: "Qualcomm SNPE / QNN", AI: true, Classes: []string{"Lcom/qualcomm/qti/snpe/"}, Natives: []string{"libSNPE.so", "libQnnHtp.so"}},
	{Name: "Huawei ML Kit", AI: true, Classes: []string{"Lcom/huawei/hms/mlsdk/"}, Packages: []string{"maven:com.huawei.hms:ml-"}},
	// Apple's system frameworks for on-device AI, recognized by the
	// libraries an iOS binary links.
	{Name: "Core ML", AI: true, Frameworks: []string{"CoreML"}},
	{Name: "Vision", AI: true, Frameworks: []string{"Vision"}},
	{Name: "Create ML", AI: true, Frameworks: []string{"CreateML", "CreateMLComponents"}},
	{Name: "Natural Language", AI: true, Frameworks: []string{"NaturalLanguage"}},
	{Name: "Speech", AI: true, Frameworks: []string{"Speech"}},
	{Name: "Foundation Models (Apple Intelligence)", AI: true, Frameworks: []string{"FoundationModels"}},
	{Name: "OpenAI Swift (community)", AI: true, Packages: []string{"spm:MacPaw/OpenAI", "pod:OpenAISwift"}},
	{Name: "SwiftAnthropic (community)", AI: true, Packages: []string{"spm:jamesrochabrun/SwiftAnthropic"}},
	{Name: "LangChain.js", AI: true, Packages: []string{"npm:langchain", "npm:@langchain/"}},
	{Name: "Dart OpenAI (community)", AI: true, Packages: []string{"pub:dart_openai", "pub:openai_dart"}},

	{Name: "Firebase Analytics", Classes: []string{"Lcom/google/firebase/analytics/"}, VersionFiles: []string{"firebase-analytics"}, Frameworks: []string{"FirebaseAnalytics"}, Packages: []string{"maven:com.google.firebase:firebase-analytics", "pod:FirebaseAnalytics", "pod:Firebase/Analytics", "pub:firebase_analytics", "npm:@react-native-firebase/analytics"}},
	{Name: "Google Analytics", Classes: []string{"Lcom/google/android/gms/analytics/"}, VersionFiles: []string{"play-services-analytics"}, Frameworks: []string{"GoogleAnalytics"}, Packages: []string{"maven:com.google.android.gms:play-services-analytics", "pod:GoogleAnalytics"}},
	{Name: "Google Tag Manager", Classes: []string{"Lcom/google/android/gms/tagmanager/"}, VersionFiles: []string{"play-services-tagmanager"}, Frameworks: []string{"GoogleTagManager"}, Packages: []string{"maven:com.google.android.gms:play-services-tagmanager", "pod:GoogleTagManager"}},
	{Name: "Google AdMob", Classes: []string{"Lcom/google/android/gms/ads/"}, VersionFiles: []string{"play-services-ads"}, Frameworks: []string{"GoogleMobileAds"}, Packages: []string{"maven:com.google.android.gms:play-services-ads", "pod:Google-Mobile-Ads-SDK", "pub:google_mobile_ads", "npm:react-native-google-mobile-ads"}},
	{Name: "Firebase Crashlytics", Classes: []string{"Lcom/google/firebase/crashlytics/", "Lcom/crashlytics/"}, VersionFiles: []string{"firebase-crashlytics"}, Frameworks: []string{"FirebaseCrashlytics"}, Packages: []string{"maven:com.google.firebase:firebase-crashlytics", "pod:FirebaseCrashlytics", "pub:firebase_crashlytics", "npm:@react-native-firebase/crashlytics"}},
	{Name: "Facebook SDK", Classes: []string{"Lcom/facebook/appevents/", "Lcom/facebook/FacebookSdk;"}, Frameworks: []string{"FBSDKCoreKit", "FBSDKLoginKit", "FacebookCore"}, Packages: []string{"maven:com.facebook.android:", "pod:FBSDKCoreKit", "spm:facebook/facebook-ios-sdk", "npm:react-native-fbsdk-next", "pub:facebook_app_events"}},
	{Name: "AppsFlyer", Classes: []string{"Lcom/appsflyer/"}, Frameworks: []string{"AppsFlyerLib"}, Packages: []string{"maven:com.appsflyer:", "pod:AppsFlyerFramework", "npm:react-native-appsflyer", "pub:appsflyer_sdk"}},
	{Name: "Adjust", Classes: []string{"Lcom/adjust/sdk/"}, Frameworks: []string{"AdjustSdk"}, Packages: []string{"maven:com.adjust.sdk:", "pod:Adjust", "npm:react-native-adjust", "pub:adjust_sdk"}},
	{Name: "Branch", Classes: []string{"Lio/branch/"}, Frameworks: []string{"BranchSDK"}, Packages: []string{"maven:io.branch.sdk.android:", "pod:Branch", "npm:react-native-branch"}},
	{Name: "Mixpanel", Classes: []string{"Lcom/mixpanel/"}, Frameworks: []string{"Mixpanel"}, Packages: []string{"maven:com.mixpanel.android:", "pod:Mixpanel", "npm:mixpanel-react-native", "pub:mixpanel_flutter"}},
	{Name: "Amplitude", Classes: []string{"Lcom/amplitude/"}, Frameworks: []string{"Amplitude", "AmplitudeSwift"}, Packages: []string{"maven:com.amplitude:", "pod:Amplitude", "npm:@amplitude/analytics-react-native", "pub:amplitude_flutter"}},
	{Name: "Segment", Classes: []string{"Lcom/segment/analytics/"}, Frameworks: []string{"Segment"}, Packages: []string{"maven:com.segment.analytics.kotlin:", "npm:@segment/analytics-react-native"}},
	{Name: "Flurry", Classes: []string{"Lcom/flurry/"}, Frameworks: []string{"Flurry_iOS_SDK"}, Packages: []string{"maven:com.flurry.android:", "pod:Flurry-iOS-SDK"}},
	{Name: "Sentry", Classes: []string{"Lio/sentry/"}, Frameworks: []string{"Sentry"}, Packages: []string{"maven:io.sentry:", "pod:Sentry", "npm:@sentry/react-native", "pub:sentry_flutter"}},
	{Name: "Bugsnag", Classes: []string{"Lcom/bugsnag/"}, Frameworks: []string{"Bugsnag"}, Packages: []string{"maven:com.bugsnag:", "pod:Bugsnag", "npm:@bugsnag/react-native"}},
	{Name: "OneSignal", Classes: []string{"Lcom/onesignal/"}, Frameworks: []string{"OneSignal", "OneSignalCore"}, Packages: []string{"maven:com.onesignal:", "pod:OneSignal", "npm:react-native-onesignal", "pub:onesignal_flutter"}},
	{Name: "Braze", Classes: []string{"Lcom/braze/", "Lcom/appboy/"}, Frameworks: []string{"BrazeKit", "Appboy_iOS_SDK"}, Packages: []string{"maven:com.braze:", "pod:BrazeKit", "npm:@braze/react-native-sdk"}},
	{Name: "CleverTap", Classes: []string{"Lcom/clevertap/"}, Frameworks: []string{"CleverTapSDK"}, Packages: []string{"maven:com.clevertap.android:", "pod:CleverTap-iOS-SDK", "npm:clevertap-react-native"}},
	{Name: "Unity Ads", Classes: []string{"Lcom/unity3d/ads/"}, Frameworks: []string{"UnityAds"}, Packages: []string{"maven:com.unity3d.ads:", "pod:UnityAds"}},
	{Name: "AppLovin", Classes: []string{"Lcom/applovin/"}, Frameworks: []string{"AppLovinSDK"}, Packages: []string{"maven:com.applovin:", "pod:AppLovinSDK"}},
	{Name: "ironSource", Classes: []string{"Lcom/ironsource/"}, Frameworks: []string{"IronSource"}, Packages: []string{"maven:com.ironsource.sdk:", "pod:IronSourceSDK"}},
	{Name: "New Relic", Classes: []string{"Lcom/newrelic/"}, Frameworks: []string{"NewRelic"}, Packages: []string{"maven:com.newrelic.agent.android:", "pod:NewRelicAgent", "npm:newrelic-react-native-agent"}},
	{Name: "Datadog", Classes: []string{"Lcom/datadog/"}, Frameworks: []string{"DatadogCore", "DatadogRUM"}, Packages: []string{"maven:com.datadoghq:", "pod:DatadogSDK", "npm:@datadog/mobile-react-native"}},
}

// SDKForPackage returns the SDK that a package-manager dependency
// ("maven:group:artifact", "pod:Name", "spm:owner/repo", "npm:name",
// "pub:name") belongs to. Maven coordinates and markers ending in ":",
// "/", "-" or "_" match as prefixes; CocoaPods subspecs ("Firebase/AI")
// match their pod; Swift packages match by owner/repo, ignoring case.
func SDKForPackage(dep string) (SDK, bool) {
	for _, s := range SDKs {
		for _, p := range s.Packages {
			if packageMatches(p, dep) {
				return s, true
			}
		}
	}
	return SDK{}, false
}

func packageMatches(marker, dep string) bool {
	switch {
	case strings.HasPrefix(marker, "maven:"):
		return strings.HasPrefix(dep, marker)
	case strings.HasPrefix(marker, "spm:"):
		return strings.HasPrefix(dep, "spm:") && strings.EqualFold(strings.TrimSuffix(dep, ".git"), marker)
	case strings.HasSuffix(marker, "/") || strings.HasSuffix(marker, "_") || strings.HasSuffix(marker, "-"):
		return strings.HasPrefix(dep, marker)
	case strings.HasPrefix(marker, "pod:"):
		return dep == marker || strings.HasPrefix(dep, marker+"/")
	}
	return dep == marker
}

// SDKForFramework returns the SDK of an iOS framework or library name
// ("TensorFlowLiteC", "CoreML").
func SDKForFramework(name string) (SDK, bool) {
	for _, s := range SDKs {
		for _, f := range s.Frameworks {
			if f == name {
				return s, true
			}
		}
	}
	return SDK{}, false
}
