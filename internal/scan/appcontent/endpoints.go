package appcontent

import (
	"fmt"
	"strings"

	"github.com/bulwark-security/bulwark/internal/finding"
)

// AIEndpoint is the API host of a cloud AI provider.
type AIEndpoint struct{ Host, Provider string }

// AIEndpoints are API hosts of cloud AI providers. A host that ends in a
// dot matches any domain that follows (regional endpoints).
var AIEndpoints = []AIEndpoint{
	{"api.openai.com", "OpenAI"},
	{"openai.azure.com", "Azure OpenAI"},
	{"api.anthropic.com", "Anthropic"},
	{"generativelanguage.googleapis.com", "Google Gemini"},
	{"aiplatform.googleapis.com", "Google Vertex AI"},
	{"api.mistral.ai", "Mistral"},
	{"api.cohere.ai", "Cohere"},
	{"api.cohere.com", "Cohere"},
	{"api.groq.com", "Groq"},
	{"api.perplexity.ai", "Perplexity"},
	{"api.replicate.com", "Replicate"},
	{"api.together.xyz", "Together AI"},
	{"api.together.ai", "Together AI"},
	{"api.deepseek.com", "DeepSeek"},
	{"api.x.ai", "xAI"},
	{"openrouter.ai/api", "OpenRouter"},
	{"api-inference.huggingface.co", "Hugging Face"},
	{"router.huggingface.co", "Hugging Face"},
	{"bedrock-runtime.", "AWS Bedrock"},
	{"api.fireworks.ai", "Fireworks AI"},
	{"api.elevenlabs.io", "ElevenLabs"},
	{"api.stability.ai", "Stability AI"},
}

// AddAIEndpoints adds an ai-direct-provider-call hit to g for each cloud
// AI host that s names, located at loc.
func AddAIEndpoints(g *Group, s string, loc finding.Location) {
	if !strings.Contains(s, ".") {
		return
	}
	low := strings.ToLower(s)
	for _, ep := range AIEndpoints {
		if strings.Contains(low, ep.Host) {
			g.Add("ai-direct-provider-call", ep.Host, fmt.Sprintf("the app calls %s directly (%s)", ep.Provider, ep.Host), Truncate(s, 120), loc)
		}
	}
}
