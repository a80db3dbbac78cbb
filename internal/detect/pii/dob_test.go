package pii

import (
	"strings"
	"testing"
)

// dobSamples are our own labelled sentences for dates of birth, which the
// presidio data does not label: each [[…]] is a date of birth; the other
// dates are not.
var dobSamples = []string{
	"She was born on [[9/20/1968]] in Ohio.",
	"DOB: [[1985-03-12]]",
	"D.O.B. [[12.03.1985]]",
	"date of birth: [[March 5, 1990]]",
	"Date of Birth [[05/03/1990]] - Place of birth: Lyon",
	"My birthday is [[July 4th, 1976]] and I hate fireworks.",
	"Patient (born [[3 January 1950]]) reports chest pain.",
	"I was born on the [[21st of June 1999]].",
	"birthdate=[[2001-11-30]]",
	"Geboren am [[17.08.1972]] in Köln.",
	"née le [[2 avril 1980]]",
	"Fecha de nacimiento: [[4 mayo 1995]]",
	"Birth date [[Feb 29, 1996]], member since 2019-01-01.",
	"Name: J. Doe, DOB [[1/2/03]], MRN 44812",
	"he was born [[Sept. 3, 1941]] and died in 2011",
	"bday [[10/10/1990]]!",
	"Her date of birth, [[14 Feb 1988]], is on file.",
	"Born: [[1979-12-31]]",
	"The invoice dated 9/20/2024 is overdue.",
	"Meeting on March 5, 2025 at 10:00.",
	"Version 2024.03.15 was born out of necessity.",
	"Deadline: 2025-01-31. Birthday party planning starts 2024-12-01 for the team.",
	"I was born in 1985.",
	"born on 31/02/1990 according to a typo",
	"Our company was founded on 1998-09-04.",
	"The baby was due on 2023-06-01 but was born two weeks later.",
}

// dobCorpus turns dobSamples into labelled samples.
func dobCorpus() []Sample {
	var out []Sample
	for _, s := range dobSamples {
		var smp Sample
		var b strings.Builder
		for {
			i := strings.Index(s, "[[")
			if i < 0 {
				b.WriteString(s)
				break
			}
			j := strings.Index(s, "]]")
			b.WriteString(s[:i])
			start := b.Len()
			b.WriteString(s[i+2 : j])
			smp.Spans = append(smp.Spans, Span{Type: "DATE_OF_BIRTH", Start: start, End: b.Len()})
			s = s[j+2:]
		}
		smp.Text = b.String()
		out = append(out, smp)
	}
	return out
}

func TestDateOfBirthOwnCases(t *testing.T) {
	t.Parallel()
	rep := Evaluate(Default(), dobCorpus())
	for _, ts := range rep.Types {
		if ts.Type != DateOfBirth {
			continue
		}
		t.Logf("DATE_OF_BIRTH on our own %d sentences: P %.2f R %.2f F1 %.2f (exact F1 %.2f)", len(dobSamples), ts.Overlap.Precision, ts.Overlap.Recall, ts.Overlap.F1, ts.Exact.F1)
		if ts.Exact.F1 < 0.9 {
			t.Errorf("DATE_OF_BIRTH exact F1 = %.2f, want ≥ 0.90:\n%s", ts.Exact.F1, rep.Markdown())
		}
		return
	}
	t.Fatal("no DATE_OF_BIRTH row")
}
