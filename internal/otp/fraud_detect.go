package otp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The pumping detector's constants that are not per-project settings.
const (
	// DetectorSettle is the age below which sends are left out of the
	// last hour: their codes cannot have been typed yet.
	DetectorSettle = 2 * time.Minute
	// DetectorBaseline is the history a prefix's last hour is compared with.
	DetectorBaseline = 7 * 24 * time.Hour
	// detectorMinPrefixDigits is the shortest prefix the detector blocks
	// (a whole country calling code of 3 digits at most).
	detectorMinPrefixDigits = 3
	// defaultBaselineConversion is the conversion assumed of a project
	// without enough history of its own (a new project): lower than any
	// healthy project's, so only a collapse is suspect.
	defaultBaselineConversion = 0.5
	// A suspect prefix is blocked whole unless at most
	// detectorMaxSplit suspect sub-prefixes hold detectorSplitShare of
	// its unverified sends: then those are blocked instead, so an attack
	// on +4479 does not stop the rest of +447.
	detectorMaxSplit   = 3
	detectorSplitShare = 0.8
)

// DetectPumping runs the pumping detector over every project with traffic
// in the last hour and blocks the prefixes whose conversion collapsed
// while their volume rose. It returns the blocks it added. It is
// idempotent (a prefix under an active block is not blocked again), so
// several instances may run it; cmd/otpd runs it every minute.
func (s *Service) DetectPumping(ctx context.Context) ([]PrefixBlock, error) {
	now := s.clock.Now()
	end := bucketOf(now.Add(-DetectorSettle))
	start := end.Add(-time.Hour)
	ids, err := s.store.FraudTrafficProjects(ctx, start)
	if err != nil {
		return nil, fmt.Errorf("detect pumping: %w", err)
	}
	var added []PrefixBlock
	for _, id := range ids {
		bs, err := s.detectProject(ctx, id, start, end, now)
		if err != nil {
			return added, fmt.Errorf("detect pumping in %s: %w", id, err)
		}
		added = append(added, bs...)
	}
	return added, nil
}

// prefixTraffic is what the detector knows of one prefix's last hour.
type prefixTraffic struct {
	TrafficCount
	countries map[string]int // sends by country, to name the block's
}

func (t *prefixTraffic) unverified() int { return max(t.Sends-t.Verified, 0) }

// conversion is verified / sent, at most 1 (verifications of earlier
// sends can land in a window).
func conversion(sends, verified int) float64 {
	if sends == 0 {
		return 0
	}
	return min(float64(verified)/float64(sends), 1)
}

func (s *Service) detectProject(ctx context.Context, projectID string, start, end, now time.Time) ([]PrefixBlock, error) {
	p, err := s.projectByID(ctx, projectID)
	if isCode(err, CodeNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(p.Fraud.Blocks, func(b PrefixBlock) bool { return !b.active(now) }) {
		if err := s.endExpiredBlocks(ctx, projectID, now); err != nil {
			return nil, err
		}
	}
	det := p.Fraud.Detector.effective()
	if det.Disabled {
		return nil, nil
	}
	rows, err := s.store.FraudTraffic(ctx, projectID, start, end, "", TrafficPrefixDigits)
	if err != nil {
		return nil, err
	}
	// The last hour by every prefix length, leaving out the numbers
	// under an active block: their attack is handled, and must not make
	// a shorter prefix look suspect.
	last := map[string]*prefixTraffic{}
	for _, r := range rows {
		if p.Fraud.blockOf(Destination{Value: r.Prefix, IsPhone: true}, now) != nil {
			continue
		}
		for n := detectorMinPrefixDigits; n < len(r.Prefix); n++ {
			k := r.Prefix[:1+n]
			t := last[k]
			if t == nil {
				t = &prefixTraffic{TrafficCount: TrafficCount{Prefix: k}, countries: map[string]int{}}
				last[k] = t
			}
			t.Sends += r.Sends
			t.Verified += r.Verified
			t.countries[r.Country] += r.Sends
		}
	}
	b := baselines{s: s, ctx: ctx, projectID: projectID, from: start.Add(-DetectorBaseline), to: start, minSends: det.MinSends}
	suspect := map[string]string{} // prefix -> the block's reason
	for _, k := range sortedKeys(last) {
		t := last[k]
		conv := conversion(t.Sends, t.Verified)
		if t.Sends < det.MinSends || conv >= det.ConversionRatio {
			continue // cannot be below a share of any baseline
		}
		base, err := b.of(k)
		if err != nil {
			return nil, err
		}
		if conv < det.ConversionRatio*base.conversion && float64(t.Sends) > det.VolumeFactor*base.perHour {
			suspect[k] = fmt.Sprintf("%s: %d sends in the last hour, %s verified, baseline %s and %s an hour%s",
				k, t.Sends, percent(conv), percent(base.conversion), perHour(base.perHour), base.note)
		}
	}
	var chosen []PrefixBlock
	for _, k := range sortedKeys(suspect) { // shorter prefixes first
		if slices.ContainsFunc(chosen, func(c PrefixBlock) bool { return strings.HasPrefix(k, c.Prefix) }) {
			continue
		}
		if len(k)-1 < TrafficPrefixDigits && splits(k, last, suspect) {
			continue // its suspect sub-prefixes are blocked instead
		}
		chosen = append(chosen, PrefixBlock{Prefix: k, Country: mainCountry(last[k].countries), Reason: suspect[k],
			Auto: true, Since: now, Until: now.Add(time.Duration(det.CoolingMinutes) * time.Minute)})
	}
	if len(chosen) == 0 {
		return nil, nil
	}
	return s.addBlocks(ctx, projectID, chosen, now)
}

// splits says whether a few suspect sub-prefixes of k, one digit longer,
// hold most of k's unverified sends.
func splits(k string, last map[string]*prefixTraffic, suspect map[string]string) bool {
	var subs, unverified int
	for c := '0'; c <= '9'; c++ {
		sub := k + string(c)
		if _, ok := suspect[sub]; ok {
			subs++
			unverified += last[sub].unverified()
		}
	}
	return subs > 0 && subs <= detectorMaxSplit && float64(unverified) >= detectorSplitShare*float64(last[k].unverified())
}

// addBlocks appends bs to the project's blocks, under its row lock,
// leaving out those an active block covers already, and returns those it
// added.
func (s *Service) addBlocks(ctx context.Context, projectID string, bs []PrefixBlock, now time.Time) ([]PrefixBlock, error) {
	var added, ended []PrefixBlock
	err := s.store.UpdateProjectFraud(ctx, projectID, func(f *FraudSettings) error {
		added = added[:0]
		ended = f.pruneBlocks(now)
		for _, b := range bs {
			if f.blockOf(Destination{Value: b.Prefix, IsPhone: true}, now) != nil {
				continue
			}
			f.Blocks = append(f.Blocks, b)
			added = append(added, b)
		}
		return f.validate()
	}, now)
	s.cache.forgetProject(projectID)
	if err != nil {
		return nil, err
	}
	for _, b := range added {
		s.log.Warn("fraud.blocked", "project", projectID, "prefix", b.Prefix, "country", b.Country, "until", b.Until, "reason", b.Reason)
	}
	if err := s.recordBlockEvents(ctx, projectID, EventFraudReleased, ended, now); err != nil {
		return added, err
	}
	if err := s.recordBlockEvents(ctx, projectID, EventFraudBlocked, added, now); err != nil {
		return added, err
	}
	return added, nil
}

// baseline is what a prefix's last hour is compared with.
type baseline struct {
	conversion float64
	perHour    float64
	note       string // where the conversion comes from, when not the prefix's own history
}

// baselines reads and remembers the baselines of one project's prefixes.
type baselines struct {
	s         *Service
	ctx       context.Context
	projectID string
	from, to  time.Time
	minSends  int
	project   *TrafficCount // the project's whole history, once read
}

func (b *baselines) sum(under string, digits int) (TrafficCount, error) {
	rows, err := b.s.store.FraudTraffic(b.ctx, b.projectID, b.from, b.to, under, digits)
	var t TrafficCount
	for _, r := range rows {
		t.Sends += r.Sends
		t.Verified += r.Verified
	}
	return t, err
}

// of is the baseline of prefix k: its own week when it had at least
// minSends, else the project's conversion (or the default for a new
// project) with its own volume.
func (b *baselines) of(k string) (baseline, error) {
	own, err := b.sum(k, len(k)-1)
	if err != nil {
		return baseline{}, err
	}
	hours := b.to.Sub(b.from).Hours()
	out := baseline{perHour: float64(own.Sends) / hours}
	if own.Sends >= b.minSends {
		out.conversion = conversion(own.Sends, own.Verified)
		return out, nil
	}
	if b.project == nil {
		all, err := b.sum("+", 0)
		if err != nil {
			return baseline{}, err
		}
		b.project = &all
	}
	if b.project.Sends >= b.minSends {
		out.conversion, out.note = conversion(b.project.Sends, b.project.Verified), " (the project's, the prefix is new)"
		return out, nil
	}
	out.conversion, out.note = defaultBaselineConversion, " (assumed, the project is new)"
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	return keys
}

// mainCountry is the country with the most sends ("" for none).
func mainCountry(sends map[string]int) string {
	best := ""
	for _, c := range sortedKeys(sends) {
		if best == "" || sends[c] > sends[best] {
			best = c
		}
	}
	return best
}

func percent(f float64) string {
	if f > 0 && f < 0.1 {
		return fmt.Sprintf("%.1f%%", f*100)
	}
	return fmt.Sprintf("%.0f%%", f*100)
}

func perHour(f float64) string {
	if f < 10 {
		return fmt.Sprintf("%.1f", f)
	}
	return fmt.Sprintf("%.0f", f)
}
