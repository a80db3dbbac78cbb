package guardeval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/bulwark-security/bulwark/internal/detect/injection"
	"github.com/bulwark-security/bulwark/internal/detect/textnorm"
)

// CVOptions tune CrossValidate.
type CVOptions struct {
	Train TrainOptions
	// TargetFPR is the share of benign texts (all benign sources pooled)
	// that thresholds may flag; 0 means 0.01.
	TargetFPR float64
	// ObfuscatePerSource is how many held-out texts of each source are
	// obfuscated in every way of Obfuscations; 0 means 25, negative none.
	ObfuscatePerSource int
	// Only, if set, limits the held-out groups evaluated (for quick runs);
	// thresholds then come from those folds only.
	Only []string
	// Log, if set, receives progress lines.
	Log func(format string, args ...any)
}

// CVResult is the held-out evaluation.
type CVResult struct {
	// Report holds every sample scored by the model of the fold that held
	// its source out, against a threshold chosen without that source.
	Report Report
	// Obfuscation holds generated obfuscated variants of held-out samples,
	// scored by the full detector and, as Variant "…/no-normalization", by
	// the same fold model without normalization and decoding.
	Obfuscation Report
	// Threshold and ContentThreshold are recommended for the final model:
	// chosen on all held-out benign scores for TargetFPR.
	Threshold, ContentThreshold float64
	// Folds lists the held-out groups, in order.
	Folds []string
	// Scores holds every held-out sample with its score and the threshold
	// that applied to it, in the order of Folds (for error analysis).
	Scores []SampleScore
}

// SampleScore is one sample scored in a held-out evaluation.
type SampleScore struct {
	Sample
	Score, Threshold float64
}

// FoldGroup returns the group a source is held out with: sources from one
// upstream data set that share texts go together.
func FoldGroup(source string) string {
	switch source {
	case "cyberseceval-indirect":
		return "cyberseceval"
	case "alpaca-eval-outputs":
		return "alpaca-eval"
	case "bulwark-hard-negatives-content":
		return "bulwark-hard-negatives"
	}
	return source
}

// CrossValidate holds out each fold group in turn (leave-one-source-out):
// it trains on every other source, minus any training text that equals a
// held-out text or shares its first 100 bytes once normalized, and scores
// the held-out source. A fold's threshold is chosen on the held-out benign
// scores of the other folds, so that no number is tuned on the source it
// reports.
func CrossValidate(samples []Sample, opts CVOptions) (CVResult, error) {
	if opts.TargetFPR == 0 {
		opts.TargetFPR = 0.01
	}
	if opts.ObfuscatePerSource == 0 {
		opts.ObfuscatePerSource = 25
	}
	logf := opts.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	keys := make([]string, len(samples))
	for i, s := range samples {
		keys[i] = dupKey(s.Text)
	}
	var groups []string
	for _, s := range samples {
		if g := FoldGroup(s.Source); !slices.Contains(groups, g) && (len(opts.Only) == 0 || slices.Contains(opts.Only, g)) {
			groups = append(groups, g)
		}
	}
	slices.Sort(groups)
	type fold struct {
		scored, obf []scored
		err         error
	}
	folds := make([]fold, len(groups))
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for fi, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var test, train []Sample
			held := map[string]bool{}
			for i, s := range samples {
				if FoldGroup(s.Source) == g {
					test = append(test, s)
					held[keys[i]] = true
					held[prefixKey(keys[i])] = true
				}
			}
			dropped := 0
			for i, s := range samples {
				if FoldGroup(s.Source) == g {
					continue
				}
				if held[keys[i]] || held[prefixKey(keys[i])] {
					dropped++
					continue
				}
				train = append(train, s)
			}
			m, err := Train(train, opts.Train)
			if err != nil {
				folds[fi].err = fmt.Errorf("fold %s: %w", g, err)
				return
			}
			d, err := injection.New(m, injection.Options{})
			if err != nil {
				folds[fi].err = fmt.Errorf("fold %s: %w", g, err)
				return
			}
			folds[fi].scored = scoreAll(d, test)
			if opts.ObfuscatePerSource > 0 {
				plain := pickForObfuscation(test, opts.ObfuscatePerSource)
				obf := Obfuscate(plain)
				ab, _ := injection.New(m, injection.Options{NoNormalize: true, NoDecode: true})
				base := scoreAll(d, plain)
				for i := range base {
					base[i].Variant, base[i].Origin = "plain", base[i].Source
					base[i].Source = obf[0].Source
					if base[i].Label == Benign {
						base[i].Source = "obfuscated-benign"
					} else {
						base[i].Source = "obfuscated"
					}
				}
				abl := scoreAll(ab, obf)
				for i := range abl {
					abl[i].Variant += " (no normalization)"
				}
				folds[fi].obf = append(append(base, scoreAll(d, obf)...), abl...)
			}
			logf("fold %-28s test %5d  train %5d  dropped near-duplicates %d", g, len(test), len(train), dropped)
		}()
	}
	wg.Wait()
	for _, f := range folds {
		if f.err != nil {
			return CVResult{}, f.err
		}
	}
	res := CVResult{Folds: groups}
	// Thresholds: per fold from the other folds' benign scores.
	benign := func(skip int, kind Kind) map[string][]float64 {
		out := map[string][]float64{}
		for fi, f := range folds {
			if fi == skip {
				continue
			}
			for _, s := range f.scored {
				if s.Label == Benign && s.Kind == kind {
					out[s.Source] = append(out[s.Source], s.score)
				}
			}
		}
		return out
	}
	var all []scored
	var obf []scored
	lo, hi := [2]float64{1, 1}, [2]float64{0, 0}
	for fi, f := range folds {
		td := chooseThreshold(benign(fi, Direct), opts.TargetFPR)
		tc := chooseThreshold(benign(fi, Content), opts.TargetFPR)
		for i, t := range []float64{td, tc} {
			lo[i], hi[i] = math.Min(lo[i], t), math.Max(hi[i], t)
		}
		for _, s := range f.scored {
			s.thr = td
			if s.Kind == Content {
				s.thr = tc
			}
			all = append(all, s)
			res.Scores = append(res.Scores, SampleScore{Sample: s.Sample, Score: s.score, Threshold: s.thr})
		}
		for _, s := range f.obf {
			s.thr = td
			if s.Kind == Content {
				s.thr = tc
			}
			obf = append(obf, s)
		}
	}
	res.Threshold = chooseThreshold(benign(-1, Direct), opts.TargetFPR)
	res.ContentThreshold = chooseThreshold(benign(-1, Content), opts.TargetFPR)
	res.Report = buildReport(all, res.Threshold, res.ContentThreshold)
	res.Report.Title = "Held-out evaluation (leave one source out)"
	res.Report.Notes = append(res.Report.Notes, fmt.Sprintf(
		"Each row is scored by a model trained without that source; its threshold was chosen on the other folds' benign scores "+
			"(direct %.3f–%.3f, content %.3f–%.3f) for ≤ %.1f %% of benign texts flagged (benign sources pooled). "+
			"The thresholds above are those recommended for the final model, chosen on all held-out benign scores.",
		lo[0], hi[0], lo[1], hi[1], 100*opts.TargetFPR))
	res.Obfuscation = buildReport(obf, res.Threshold, res.ContentThreshold)
	res.Obfuscation.Title = "Obfuscated variants of held-out samples"
	return res, nil
}

// dupKey is the normalized text that near-duplicate detection compares.
func dupKey(s string) string { return textnorm.Normalize(s) }

func prefixKey(k string) string {
	if len(k) < 100 {
		return "\x00" + k
	}
	return "\x00" + k[:100]
}

// pickForObfuscation picks up to n samples of each source and label, of
// Direct kind and at most 1,500 bytes, deterministically.
func pickForObfuscation(test []Sample, n int) []Sample {
	type key struct {
		source string
		label  Label
	}
	by := map[key][]Sample{}
	var order []key
	for _, s := range test {
		if s.Kind != Direct || len(s.Text) > 1500 || s.Lang != "" {
			continue
		}
		k := key{s.Source, s.Label}
		if by[k] == nil {
			order = append(order, k)
		}
		by[k] = append(by[k], s)
	}
	var out []Sample
	for i, k := range order {
		list := by[k]
		rng := rand.New(rand.NewPCG(uint64(i), 0x0bf5))
		for _, j := range rng.Perm(len(list))[:min(n, len(list))] {
			out = append(out, list[j])
		}
	}
	return out
}

// chooseThreshold returns the lowest threshold t such that the share of
// benign scores >= t, all sources pooled, is at most target.
func chooseThreshold(bySource map[string][]float64, target float64) float64 {
	if len(bySource) == 0 {
		return 0.5
	}
	sources := make([]string, 0, len(bySource))
	for s, v := range bySource {
		slices.Sort(v)
		sources = append(sources, s)
	}
	slices.Sort(sources)
	fpr := func(t float64) float64 {
		flagged, total := 0, 0
		for _, s := range sources {
			v := bySource[s]
			i := sort.SearchFloat64s(v, t) // first index with v[i] >= t
			flagged += len(v) - i
			total += len(v)
		}
		return float64(flagged) / float64(total)
	}
	lo, hi := 0.0, 1.0+1e-9
	for range 100 {
		mid := (lo + hi) / 2
		if fpr(mid) <= target {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}
