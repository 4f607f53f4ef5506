#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace tributary {

namespace {

// A candidate token with its unnormalized probability exp(logit / T - max / T), computed in
// double with exactly the expression the sorting sampler used (tests/reference).
struct Candidate {
  double p;
  float logit;
  int token;
};

// The sampling order: higher logit first, lower token id on ties (a strict total order, so the
// order and every draw's token are deterministic).
bool ranksBefore(const Candidate& a, const Candidate& b) { return a.logit > b.logit || (a.logit == b.logit && a.token < b.token); }

// Candidate sets up to this size are sorted and walked with the sorting sampler's arithmetic,
// bit for bit; larger ones are searched by selection.
constexpr size_t kSortedSet = 256;
// The first selection takes this many of the best: a peaked distribution's draw lands there.
constexpr size_t kHead = 64;

// Where a prefix in sampling order first satisfies a condition on its mass.
struct Reach {
  size_t at;      // position of the first candidate whose inclusive prefix satisfies it
  double before;  // prefix mass before it
  double mass;    // prefix mass through it
  bool found;     // false: no prefix does (at is n - 1, the last in order)
};

// Among c[0, n) (a set, reordered in place) that follow candidates of mass `before` in sampling
// order, the first whose inclusive prefix mass satisfies `reached` (monotone): it ends at
// position `at` with exactly the candidates of the set that rank before it in c[0, at). O(n)
// expected and never a full sort: partial selection of the head, then halving by selection
// (summing the better half's mass to decide which half holds the answer); only the last
// <= kHead are sorted.
template <typename Reached>
Reach firstReaching(Candidate* c, size_t n, const Reached& reached, double before) {
  size_t lo = 0, hi = n;
  bool head = true;
  while (hi - lo > kHead) {
    const size_t mid = lo + (head ? kHead : (hi - lo) / 2);
    head = false;
    std::nth_element(c + lo, c + mid, c + hi, ranksBefore);
    double part = 0;
    for (size_t i = lo; i < mid; ++i) part += c[i].p;
    if (reached(before + part)) {
      hi = mid;
    } else {
      before += part;
      lo = mid;
    }
  }
  std::sort(c + lo, c + hi, ranksBefore);
  for (size_t i = lo; i < hi; ++i) {
    if (reached(before + c[i].p)) return Reach{i, before, before + c[i].p, true};
    before += c[i].p;
  }
  return Reach{hi - 1, before - c[hi - 1].p, before, false};
}

// The sorting sampler's top-p cut, draw and walk over c[0, n) sorted in sampling order, with
// the uniform draw u: its exact arithmetic.
int drawFromSorted(const Candidate* c, size_t n, double topP, double u) {
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += c[i].p;
  if (topP < 1.0) {
    double cumulative = 0;
    size_t cut = n;
    for (size_t i = 0; i < n; ++i) {
      cumulative += c[i].p / total;
      if (cumulative >= topP) {
        cut = i + 1;
        break;
      }
    }
    n = cut;
    total = 0;
    for (size_t i = 0; i < n; ++i) total += c[i].p;
  }
  double draw = u * total;
  for (size_t i = 0; i < n; ++i) {
    if (draw < c[i].p) return c[i].token;
    draw -= c[i].p;
  }
  return c[n - 1].token;
}

// Candidates grouped by the binary exponent of p (bucket 0: p = 1; bucket k: p in
// [2^-k, 2^(1-k)); the last bucket also takes every smaller p, zero included). p grows with the
// logit, so the buckets partition the sampling order into consecutive runs, and one pass of
// bucket sums tells which run a prefix mass ends in: only that run is searched.
constexpr int kBuckets = 64;

int bucketOf(double p) {
  uint64_t bits;
  std::memcpy(&bits, &p, sizeof bits);
  const int exponent = int((bits >> 52) & 0x7ff);  // 1023 for p = 1
  return std::min(1023 - exponent, kBuckets - 1);
}

// Moves bucket k's candidates among [from, to) to its front; returns the end of them.
Candidate* gather(Candidate* from, Candidate* to, int k) {
  return std::partition(from, to, [k](const Candidate& candidate) { return bucketOf(candidate.p) == k; });
}

// The same cut and draw over a large set, without sorting it: the nucleus is the shortest
// prefix in sampling order whose share of the mass reaches top_p, and the token is the first
// whose prefix mass passes u * (nucleus mass). Each is found by bucket sums, then selection in
// one bucket. The sums are grouped otherwise than a walk in sorted order, so each may differ
// from the sorting sampler's by rounding, at most about n ulps of the total: when a threshold
// falls that close to a prefix boundary (rare, or ties of equal logits), the set is sorted and
// walked with the exact arithmetic instead, so the token is always the same.
int drawBySelection(Candidate* c, size_t n, double topP, Rng& rng) {
  double bucketMass[kBuckets] = {};
  int last = 0;  // the last non-empty bucket
  for (size_t i = 0; i < n; ++i) {
    const int k = bucketOf(c[i].p);
    bucketMass[k] += c[i].p;
    last = std::max(last, k);
  }
  double total = 0;
  for (double mass : bucketMass) total += mass;
  const double slack = 8.0 * double(n) * std::numeric_limits<double>::epsilon();
  // The first bucket (up to `until`) whose run holds the prefix that first satisfies `reached`
  // (the last one when none does), and the mass before it.
  auto findBucket = [&](auto reached, int until, double& before) {
    before = 0;
    for (int k = 0; k < until; ++k) {
      if (reached(before + bucketMass[k])) return k;
      before += bucketMass[k];
    }
    return until;
  };

  // Nucleus: buckets before cutBucket whole, and c[0, cutKept) of cutBucket (gathered there).
  int cutBucket = last;
  size_t cutKept = 0, gathered = 0;  // c[0, gathered): cutBucket's candidates when top_p < 1
  double keptMass = total, cutBefore = 0;
  bool exact = true;
  if (topP < 1.0) {
    auto reachesTopP = [&](double mass) { return mass / total >= topP; };
    cutBucket = findBucket(reachesTopP, last, cutBefore);
    gathered = size_t(gather(c, c + n, cutBucket) - c);
    const Reach cut = firstReaching(c, gathered, reachesTopP, cutBefore);
    exact = cut.found ? cut.before / total < topP - slack && cut.mass / total >= topP + slack : cut.mass / total < topP - slack;
    cutKept = cut.found ? cut.at + 1 : gathered;
    keptMass = cut.mass;
  }
  const double u = rng.uniformDouble();
  if (exact) {
    const double draw = u * keptMass;
    auto passesDraw = [&](double mass) { return draw < mass; };
    double before = 0;
    int k = findBucket(passesDraw, cutBucket, before);
    Reach pick;
    if (topP < 1.0 && k == cutBucket) {
      pick = firstReaching(c, cutKept, passesDraw, before);
    } else {
      Candidate* from = c + gathered;
      const size_t size = size_t(gather(from, c + n, k) - from);
      pick = firstReaching(from, size, passesDraw, before);
      pick.at += gathered;
    }
    const double margin = slack * keptMass;
    if (pick.found ? draw - pick.before > margin && pick.mass - draw > margin : draw - pick.mass > margin) return c[pick.at].token;
  }
  std::sort(c, c + n, ranksBefore);
  return drawFromSorted(c, n, topP, u);
}

// The largest logit, in 8 lanes (vectorizable). Logits are finite (weights are checked at load).
float maxOf(const float* logits, int vocab) {
  float lanes[8];
  for (float& lane : lanes) lane = logits[0];
  int i = 0;
  for (; i + 8 <= vocab; i += 8) {
    for (int k = 0; k < 8; ++k) lanes[k] = lanes[k] > logits[i + k] ? lanes[k] : logits[i + k];
  }
  float best = logits[0];
  for (; i < vocab; ++i) best = best > logits[i] ? best : logits[i];
  for (float lane : lanes) best = best > lane ? best : lane;
  return best;
}

int firstIndexOf(const float* logits, int vocab, float value) {
  for (int i = 0; i < vocab; ++i) {
    if (logits[i] == value) return i;
  }
  return int(std::max_element(logits, logits + vocab) - logits);  // unreachable for finite logits
}

// Small top-k (the usual 20..100) without touching the vocabulary twice: a heap of the k best
// seen so far, whose front is the worst of them; most tokens cost one comparison. c[0, k)
// receives the k best (unordered).
constexpr int kHeapTopK = 4096;

void topKByHeap(const float* logits, int vocab, Candidate* c, size_t k) {
  for (size_t i = 0; i < k; ++i) c[i] = Candidate{0, logits[i], int(i)};
  std::make_heap(c, c + k, ranksBefore);
  for (int i = int(k); i < vocab; ++i) {
    const Candidate next{0, logits[i], i};
    if (!ranksBefore(next, c[0])) continue;
    std::pop_heap(c, c + k, ranksBefore);
    c[k - 1] = next;
    std::push_heap(c, c + k, ranksBefore);
  }
}

// log softmax(logits)[token], in float: a sum of exp in 8 float lanes after the max (the order
// is fixed, so the result is too).
float logSoftmaxAt(const float* logits, int vocab, float maxLogit, int token) {
  float lanes[8] = {};
  int i = 0;
  for (; i + 8 <= vocab; i += 8) {
    for (int k = 0; k < 8; ++k) lanes[k] += std::exp(logits[i + k] - maxLogit);
  }
  float total = 0;
  for (; i < vocab; ++i) total += std::exp(logits[i] - maxLogit);
  for (float lane : lanes) total += lane;
  return (logits[token] - maxLogit) - std::log(total);
}

}  // namespace

SampledToken sampleToken(const float* logits, int vocab, const SamplingParams& params, Rng& rng) {
  const float maxLogit = maxOf(logits, vocab);
  int chosen;
  if (params.temperature <= 0 || params.topK == 1) {
    chosen = firstIndexOf(logits, vocab, maxLogit);  // lowest index on ties
  } else {
    // Candidates: the top-k by partial selection (or every token), then the temperature-scaled
    // weights, then top-p and the draw, all without sorting the vocabulary.
    thread_local std::vector<Candidate> buffer;
    Candidate* c;
    size_t n;
    if (params.topK > 0 && params.topK <= kHeapTopK && params.topK < vocab) {
      n = size_t(params.topK);
      buffer.resize(n);
      c = buffer.data();
      topKByHeap(logits, vocab, c, n);
    } else {
      buffer.resize(size_t(vocab));
      c = buffer.data();
      for (int i = 0; i < vocab; ++i) c[i] = Candidate{0, logits[i], i};
      n = size_t(vocab);
      if (params.topK > 0 && params.topK < vocab) {
        n = size_t(params.topK);
        std::nth_element(c, c + n - 1, c + vocab, ranksBefore);
      }
    }
    const double maxScaled = double(maxLogit) / params.temperature;
    for (size_t i = 0; i < n; ++i) c[i].p = std::exp(double(c[i].logit) / params.temperature - maxScaled);
    if (n <= kSortedSet) {
      std::sort(c, c + n, ranksBefore);
      chosen = drawFromSorted(c, n, params.topP, rng.uniformDouble());
    } else {
      chosen = drawBySelection(c, n, params.topP, rng);
    }
  }
  // The model's own distribution (softmax of the raw logits), only when the request asked.
  return SampledToken{chosen, params.logprobs ? logSoftmaxAt(logits, vocab, maxLogit, chosen) : 0.0f};
}

}  // namespace tributary
