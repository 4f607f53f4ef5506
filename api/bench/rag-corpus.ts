// The seeded synthetic corpus of the RAG benchmark (rag.ts). Documents are a few paragraphs of
// English-like filler (common words drawn with a Zipf law, in a handful of sentence shapes) into
// which facts about made-up entities are planted: "The Varlinde tower in Ostrakon was built from
// basalt in 1432." Each fact has near-duplicate distractors in OTHER documents (the same
// template with exactly one identifying slot changed, e.g. another tower name, another town or
// a bridge instead of the tower), and a query that paraphrases it through a synonym table
// ("What material was used to construct the Varlinde spire at Ostrakon?"), so a query shares the
// fact's entity names but only part of its other words. A query's one relevant document is the
// one that holds the fact; the distractors keep all identifiers but one, so they stay wrong.
//
// Everything derives from the seed: the same options give the same corpus, byte for byte.

/** The seeded PRNG the span index's tests use (mulberry32), so every synthetic set shares one. */
import { createRandom as prng } from "../src/rag/spans/synthetic.ts";

export { prng };

type Rand = () => number;

const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
function pick<T>(r: Rand, list: readonly T[]): T {
  const item = list[Math.floor(r() * list.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Draws from `list` with P(rank i) ∝ 1 / (i + 1): a few words very common, most rare. */
function zipf<T>(list: readonly T[]): (r: Rand) => T {
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < list.length; i += 1) {
    total += 1 / (i + 1);
    cumulative.push(total);
  }
  return (r) => {
    const x = r() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    return list[lo] as T;
  };
}

// --- filler ----------------------------------------------------------------------------------

/** A comma-separated word list (entries may hold spaces: "lived near"). */
const list = (text: string) =>
  text
    .split(",")
    .map((w) => w.trim())
    .filter((w) => w !== "");

// Common English words. Some of them are words the fact templates and queries use too (town,
// river, built, found, made, used, stone, old): filler shares vocabulary with the facts, as
// real text does, so a query's non-entity words also match unrelated passages.
const ADJECTIVES = list(`
  old, small, great, long, little, large, early, young, important, few, public, bad, same,
  able, local, late, hard, major, better, strong, whole, free, clear, full, special, easy,
  certain, recent, common, simple, final, main, green, nice, huge, popular, traditional,
  central, quiet, busy, ancient, narrow, bright, heavy, dark, warm, cold, deep, high, northern,
  southern, eastern, western, quick, careful, open, rich, poor
`);
const NOUNS = list(`
  time, way, day, year, world, life, hand, part, place, work, week, case, point, number, group,
  problem, fact, house, road, family, market, village, town, city, river, field, garden,
  window, door, letter, story, question, answer, morning, evening, season, harvest, festival,
  council, school, teacher, child, farmer, worker, visitor, traveller, song, book, paper,
  table, wall, stone, bridge, tower, hill, forest, lake, boat, cart, horse, bread, water, fire,
  light, rain, wind, path, square, church, mill, shop, street, crowd, journey, plan, reason,
  record, meeting, custom, tool, coin, basket, rope, lamp, roof, well, gate, yard, office,
  report, picture, friend, neighbour, guest, market day, price, trade, rule
`);
const VERBS = list(`
  made, took, found, gave, told, kept, brought, built, left, carried, moved, opened, closed,
  watched, followed, changed, used, saw, heard, visited, cleaned, painted, repaired, sold,
  bought, shared, counted, reached, crossed, passed, joined, filled, covered, described,
  remembered, prepared, noticed, collected, measured, checked, explained, discussed, planned,
  finished, started, lived near, walked past, looked at, waited for, talked about
`);
const ADVERBS = list(`
  often, usually, slowly, quickly, always, sometimes, rarely, quietly, carefully, again, early,
  later, together, nearly, almost, never, once, still, already, gladly
`);
const PREPOSITIONS = list(`
  in, near, behind, beside, under, across, along, around, before, after, through, past, over,
  between, by
`);
const DETERMINERS = ["the", "the", "the", "a", "every", "some", "this", "that", "one", "each"];
const OPENERS = [
  "In the morning",
  "Every year",
  "After the rain",
  "For many years",
  "Later that week",
  "On most days",
  "In those days",
  "Before the festival",
  "At the end of the season",
  "Now and then",
];

const adjective = zipf(ADJECTIVES);
const noun = zipf(NOUNS);
const verb = zipf(VERBS);
const adverb = zipf(ADVERBS);
const preposition = zipf(PREPOSITIONS);

function nounPhrase(r: Rand): string {
  const det = pick(r, DETERMINERS);
  const words = r() < 0.5 ? [noun(r)] : [adjective(r), noun(r)];
  const article = det === "a" && /^[aeiou]/.test(words[0] ?? "") ? "an" : det;
  return `${article} ${words.join(" ")}`;
}

const SHAPES: ((r: Rand) => string)[] = [
  (r) => `${nounPhrase(r)} ${verb(r)} ${nounPhrase(r)} ${preposition(r)} ${nounPhrase(r)}`,
  (r) => `${nounPhrase(r)} ${adverb(r)} ${verb(r)} ${nounPhrase(r)}`,
  (r) => `${pick(r, OPENERS)}, ${nounPhrase(r)} ${verb(r)} ${nounPhrase(r)}`,
  (r) => `${nounPhrase(r)} of ${nounPhrase(r)} ${verb(r)} ${nounPhrase(r)} ${adverb(r)}`,
  (r) =>
    `${nounPhrase(r)} ${verb(r)} ${nounPhrase(r)}, and ${nounPhrase(r)} ${verb(r)} ${nounPhrase(r)}`,
  (r) =>
    `${nounPhrase(r)} was ${adjective(r)} and ${adjective(r)} ${preposition(r)} ${nounPhrase(r)}`,
];

function fillerSentence(r: Rand): string {
  return `${cap(pick(r, SHAPES)(r))}.`;
}

// --- made-up names ---------------------------------------------------------------------------

const ONSETS = list(`
  b, d, f, g, h, k, l, m, n, p, r, s, t, v, z, br, dr, gr, kr, st, th, tr, vr, sk, qu, ch
`);
const NUCLEI = ["a", "e", "i", "o", "u", "ae", "ei", "ou", "ar", "or", "y"];
const CODAS = ["", "", "", "n", "r", "l", "s", "th", "nd", "rk", "x", "m", "sk"];
const ENGLISH = new Set(
  [ADJECTIVES, NOUNS, VERBS, ADVERBS, PREPOSITIONS].flat().flatMap((w) => w.split(" ")),
);

/** Unique, pronounceable, capitalised made-up names of 2–3 syllables. */
class Names {
  private readonly used = new Set<string>();
  constructor(private readonly r: Rand) {}
  next(): string {
    for (;;) {
      const syllables = int(this.r, 2, 3);
      let name = "";
      for (let i = 0; i < syllables; i += 1)
        name +=
          pick(this.r, ONSETS) +
          pick(this.r, NUCLEI) +
          (i === syllables - 1 ? pick(this.r, CODAS) : "");
      if (name.length < 5 || ENGLISH.has(name) || this.used.has(name)) continue;
      this.used.add(name);
      return cap(name);
    }
  }
  person(): string {
    return `${this.next()} ${this.next()}`;
  }
}

// --- facts -----------------------------------------------------------------------------------

type Slots = Record<string, string>;

interface Template {
  kind: string;
  /** A fresh fact's slots. `place` draws from the shared pool of towns. */
  make(r: Rand, names: Names, place: () => string): Slots;
  /** Slots that tell this fact apart: a distractor changes exactly one of them. */
  identifying: readonly string[];
  /** Another value for an identifying slot (never the current one). */
  change(slot: string, current: Slots, r: Rand, names: Names, place: () => string): string;
  sentence(s: Slots): string;
  /** A paraphrase through the synonym table: the entity names stay, most other words change. */
  query(s: Slots, r: Rand): string;
}

/**
 * The query-side synonym table: a word of a template → what a query may say instead (in the
 * grammatical form the query's phrasing needs, e.g. "does … ship" for "exports").
 */
export const SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  built: ["constructed", "erected"],
  founded: ["established", "started"],
  discovered: ["found", "came across"],
  invented: ["devised", "created"],
  exports: ["ship", "sell"],
  merchants: ["traders", "dealers"],
  lives: ["dwells", "is found"],
  eats: ["feed on", "survive on"],
  near: ["close to", "by"],
  living: ["residing", "staying"],
  fought: ["waged", "contested"],
  // object words of the templates (used in the query half the time)
  tower: ["spire"],
  temple: ["shrine"],
  library: ["archive"],
  fortress: ["stronghold"],
  lighthouse: ["beacon"],
  guild: ["league"],
  academy: ["college"],
  society: ["circle"],
  company: ["firm"],
  school: ["institute"],
  river: ["stream"],
  island: ["isle"],
  cave: ["cavern"],
  valley: ["dale"],
  clock: ["timepiece"],
  kiln: ["furnace"],
  lake: ["mere"],
  pond: ["pool"],
  forests: ["woods"],
  marshes: ["swamps"],
  hills: ["highlands"],
  caves: ["caverns"],
  road: ["route", "highway"],
  battle: ["clash", "fight"],
};

/** `word` or, with probability `p`, one of its synonyms. */
function syn(r: Rand, word: string, p = 1): string {
  const options = SYNONYMS[word];
  return options && r() < p ? pick(r, options) : word;
}

const year = (r: Rand) => String(int(r, 1100, 1899));
const otherOf = (r: Rand, options: readonly string[], current: string | undefined) =>
  pick(
    r,
    options.filter((x) => x !== current),
  );

const STRUCTURES = ["tower", "bridge", "temple", "library", "fortress", "lighthouse", "aqueduct"];
const MATERIALS = list(`
  basalt, granite, marble, sandstone, limestone, cedar, oak, iron, bronze, slate
`);
const ORGS = ["guild", "academy", "order", "society", "company", "school"];
const FEATURES = ["river", "island", "cave", "valley", "pass", "spring"];
const SEASONS = ["spring", "summer", "autumn", "winter"];
const GOODS = ["salt", "wool", "amber", "copper", "silk", "timber", "honey", "glass", "spices"];
const DEVICES = ["loom", "compass", "clock", "press", "lens", "pump", "kiln", "lock"];
const WATERS = ["lake", "pond", "lagoon", "reservoir"];
const ANIMALS = ["beetle", "owl", "lizard", "deer", "moth", "frog", "heron", "fox"];
const FOODS = ["acorns", "berries", "fish", "mosses", "seeds", "snails", "roots", "insects"];
const HABITATS = ["forests", "marshes", "hills", "caves"];

export const TEMPLATES: readonly Template[] = [
  {
    kind: "structure",
    identifying: ["name", "structure", "place"],
    make: (r, names, place) => ({
      name: names.next(),
      structure: pick(r, STRUCTURES),
      place: place(),
      material: pick(r, MATERIALS),
      year: year(r),
    }),
    change: (slot, c, r, names, place) =>
      slot === "name"
        ? names.next()
        : slot === "structure"
          ? otherOf(r, STRUCTURES, c.structure)
          : otherPlace(place, c.place),
    sentence: (s) =>
      `The ${s.name} ${s.structure} in ${s.place} was built from ${s.material} in ${s.year}.`,
    query: (s, r) => {
      const st = syn(r, s.structure as string, 0.5);
      return pick(r, [
        () =>
          `What material was used to ${pick(r, ["construct", "erect"])} the ${s.name} ${st} at ${s.place}?`,
        () => `Which material was the ${s.name} ${st} of ${s.place} ${syn(r, "built")} from?`,
        () => `What is the ${s.name} ${st} at ${s.place} made of?`,
      ])();
    },
  },
  {
    kind: "founding",
    identifying: ["name", "org", "place"],
    make: (r, names, place) => ({
      person: names.person(),
      name: names.next(),
      org: pick(r, ORGS),
      place: place(),
      year: year(r),
    }),
    change: (slot, c, r, names, place) =>
      slot === "name"
        ? names.next()
        : slot === "org"
          ? otherOf(r, ORGS, c.org)
          : otherPlace(place, c.place),
    sentence: (s) => `${s.person} founded the ${s.name} ${s.org} of ${s.place} in ${s.year}.`,
    query: (s, r) => {
      const org = syn(r, s.org as string, 0.5);
      return pick(r, [
        () => `Who ${syn(r, "founded")} the ${s.name} ${org} in ${s.place}?`,
        () =>
          `Which person was behind the ${s.name} ${org} at ${s.place} when it was ${syn(r, "founded")}?`,
      ])();
    },
  },
  {
    kind: "discovery",
    identifying: ["name", "feature", "place"],
    make: (r, names, place) => ({
      person: names.person(),
      name: names.next(),
      feature: pick(r, FEATURES),
      place: place(),
      season: pick(r, SEASONS),
      year: year(r),
    }),
    change: (slot, c, r, names, place) =>
      slot === "name"
        ? names.next()
        : slot === "feature"
          ? otherOf(r, FEATURES, c.feature)
          : otherPlace(place, c.place),
    sentence: (s) =>
      `The explorer ${s.person} discovered the ${s.name} ${s.feature} near ${s.place} in the ${s.season} of ${s.year}.`,
    query: (s, r) => {
      const f = syn(r, s.feature as string, 0.5);
      return pick(r, [
        () =>
          `Which explorer first ${syn(r, "discovered")} the ${s.name} ${f} ${syn(r, "near")} ${s.place}?`,
        () => `Who was the first to reach the ${s.name} ${f} ${syn(r, "near")} ${s.place}?`,
      ])();
    },
  },
  {
    kind: "trade",
    identifying: ["name", "place", "place2"],
    make: (r, names, place) => {
      const from = place();
      return {
        name: names.next(),
        place: from,
        place2: otherPlace(place, from),
        goods: pick(r, GOODS),
      };
    },
    change: (slot, c, _r, names, place) =>
      slot === "name"
        ? names.next()
        : slot === "place"
          ? otherPlace(place, c.place, c.place2)
          : otherPlace(place, c.place2, c.place),
    sentence: (s) =>
      `Every spring the town of ${s.place} exports ${s.goods} along the ${s.name} road to the merchants of ${s.place2}.`,
    query: (s, r) =>
      pick(r, [
        () =>
          `What goods does ${s.place} ${syn(r, "exports")} on the ${s.name} ${syn(r, "road")} to the ${syn(r, "merchants")} of ${s.place2}?`,
        () =>
          `Which product travels from ${s.place} over the ${s.name} ${syn(r, "road")} to ${s.place2}?`,
      ])(),
  },
  {
    kind: "invention",
    identifying: ["name", "device", "place"],
    make: (r, names, place) => ({
      person: names.person(),
      name: names.next(),
      device: pick(r, DEVICES),
      place: place(),
    }),
    change: (slot, c, r, names, place) =>
      slot === "name"
        ? names.next()
        : slot === "device"
          ? otherOf(r, DEVICES, c.device)
          : otherPlace(place, c.place),
    sentence: (s) => `${s.person} invented the ${s.name} ${s.device} while living in ${s.place}.`,
    query: (s, r) => {
      const d = syn(r, s.device as string, 0.5);
      return pick(r, [
        () =>
          `Who ${syn(r, "invented")} the ${s.name} ${d} while ${syn(r, "living")} in ${s.place}?`,
        () => `Name the inventor of the ${s.name} ${d} during their years in ${s.place}.`,
      ])();
    },
  },
  {
    kind: "depth",
    identifying: ["name", "water", "place"],
    make: (r, names, place) => ({
      name: names.next(),
      water: pick(r, WATERS),
      place: place(),
      depth: String(int(r, 4, 400)),
    }),
    change: (slot, c, r, names, place) =>
      slot === "name"
        ? names.next()
        : slot === "water"
          ? otherOf(r, WATERS, c.water)
          : otherPlace(place, c.place),
    sentence: (s) => `The ${s.name} ${s.water} near ${s.place} is ${s.depth} meters deep.`,
    query: (s, r) => {
      const w = syn(r, s.water as string, 0.5);
      return pick(r, [
        () => `How deep is the ${s.name} ${w} ${syn(r, "near")} ${s.place}?`,
        () => `What is the depth of the ${s.name} ${w} ${syn(r, "near")} ${s.place}?`,
      ])();
    },
  },
  {
    kind: "animal",
    identifying: ["name", "animal", "place"],
    make: (r, names, place) => ({
      name: names.next(),
      animal: pick(r, ANIMALS),
      place: place(),
      habitat: pick(r, HABITATS),
      food: pick(r, FOODS),
    }),
    change: (slot, c, r, names, place) =>
      slot === "name"
        ? names.next()
        : slot === "animal"
          ? otherOf(r, ANIMALS, c.animal)
          : otherPlace(place, c.place),
    sentence: (s) =>
      `The ${s.name} ${s.animal} lives only in the ${s.habitat} of ${s.place} and eats ${s.food}.`,
    query: (s, r) =>
      pick(r, [
        () =>
          `What does the ${s.name} ${s.animal} that ${syn(r, "lives")} in the ${syn(r, s.habitat as string)} of ${s.place} ${syn(r, "eats")}?`,
        () => `What is the diet of the ${s.name} ${s.animal} from ${s.place}?`,
      ])(),
  },
  {
    kind: "battle",
    identifying: ["name", "place", "place2"],
    make: (r, names, place) => {
      const a = place();
      return { name: names.next(), place: a, place2: otherPlace(place, a), year: year(r) };
    },
    change: (slot, c, _r, names, place) =>
      slot === "name"
        ? names.next()
        : slot === "place"
          ? otherPlace(place, c.place, c.place2)
          : otherPlace(place, c.place2, c.place),
    sentence: (s) =>
      `The battle of ${s.name} was fought between ${s.place} and ${s.place2} in ${s.year}.`,
    query: (s, r) =>
      pick(r, [
        () =>
          `In which year was the ${syn(r, "battle")} of ${s.name} between ${s.place} and ${s.place2} ${syn(r, "fought")}?`,
        () => `When did ${s.place} and ${s.place2} meet in the ${syn(r, "battle")} of ${s.name}?`,
      ])(),
  },
];

function otherPlace(place: () => string, ...not: (string | undefined)[]): string {
  for (;;) {
    const p = place();
    if (!not.includes(p)) return p;
  }
}

// --- the corpus ------------------------------------------------------------------------------

export interface CorpusOptions {
  documents: number;
  queries: number;
  seed: number;
  /** Documents are spread round-robin over Datanets 1..datanets. */
  datanets: number;
  /** Towns in the shared pool (places recur across facts). */
  places?: number;
}

export interface Fact {
  id: number;
  kind: string;
  /** Index into `documents` of the document that holds it. */
  doc: number;
  slots: Slots;
  sentence: string;
  /** The identifying slot each distractor changed, and the document it went to. */
  distractors: { slot: string; doc: number; sentence: string }[];
}

export interface CorpusDocument {
  /** 1-based: used as the contribution id. */
  id: number;
  datanetId: number;
  text: string;
  /** Facts planted in it (ids). */
  facts: number[];
  /** Distractor sentences planted in it. */
  distractors: number;
}

export interface CorpusQuery {
  id: number;
  text: string;
  fact: number;
  kind: string;
  /** Contribution id of the one relevant document (graded relevance 1). */
  relevant: number;
}

export interface Corpus {
  options: Required<CorpusOptions>;
  documents: CorpusDocument[];
  facts: Fact[];
  queries: CorpusQuery[];
}

const key = (kind: string, template: Template, s: Slots) =>
  [kind, ...template.identifying.map((slot) => (s[slot] ?? "").toLowerCase())].join("|");

/** Generates the corpus; deterministic for given options. */
export function makeCorpus(input: CorpusOptions): Corpus {
  const options: Required<CorpusOptions> = { places: 150, ...input };
  const r = prng(options.seed);
  const names = new Names(r);
  const placePool = Array.from({ length: options.places }, () => names.next());
  const place = () => pick(r, placePool);
  const n = options.documents;
  if (n < 2) throw new RangeError("The corpus needs at least 2 documents");

  // What each document will hold: its own facts and other facts' distractors.
  const planted: string[][] = Array.from({ length: n }, () => []);
  const factIds: number[][] = Array.from({ length: n }, () => []);
  const distractorCount = new Array<number>(n).fill(0);
  const seen = new Set<string>();
  const facts: Fact[] = [];

  for (let doc = 0; doc < n; doc += 1) {
    const count = int(r, 1, 3);
    for (let i = 0; i < count; i += 1) {
      const template = pick(r, TEMPLATES);
      let slots: Slots;
      do slots = template.make(r, names, place);
      while (seen.has(key(template.kind, template, slots)));
      seen.add(key(template.kind, template, slots));
      const fact: Fact = {
        id: facts.length,
        kind: template.kind,
        doc,
        slots,
        sentence: template.sentence(slots),
        distractors: [],
      };
      facts.push(fact);
      planted[doc]?.push(fact.sentence);
      factIds[doc]?.push(fact.id);
    }
  }
  // Near-duplicates: 1–2 per fact, one identifying slot changed, in another document.
  for (const fact of facts) {
    const template = TEMPLATES.find((t) => t.kind === fact.kind) as Template;
    const count = int(r, 1, 2);
    for (let i = 0; i < count; i += 1) {
      const slot = pick(r, template.identifying);
      let slots: Slots;
      do slots = { ...fact.slots, [slot]: template.change(slot, fact.slots, r, names, place) };
      while (seen.has(key(template.kind, template, slots)));
      seen.add(key(template.kind, template, slots));
      let doc = int(r, 0, n - 2);
      if (doc >= fact.doc) doc += 1;
      const sentence = template.sentence(slots);
      fact.distractors.push({ slot, doc, sentence });
      planted[doc]?.push(sentence);
      distractorCount[doc] = (distractorCount[doc] ?? 0) + 1;
    }
  }

  const documents: CorpusDocument[] = [];
  for (let doc = 0; doc < n; doc += 1) {
    const paragraphs: string[][] = [];
    const paragraphCount = int(r, 3, 5);
    for (let p = 0; p < paragraphCount; p += 1)
      paragraphs.push(Array.from({ length: int(r, 4, 7) }, () => fillerSentence(r)));
    for (const sentence of planted[doc] ?? []) {
      const paragraph = pick(r, paragraphs);
      paragraph.splice(int(r, 0, paragraph.length), 0, sentence);
    }
    documents.push({
      id: doc + 1,
      datanetId: 1 + (doc % options.datanets),
      text: `${paragraphs.map((p) => p.join(" ")).join("\n\n")}\n`,
      facts: factIds[doc] ?? [],
      distractors: distractorCount[doc] ?? 0,
    });
  }

  // Queries for a seeded sample of the facts (without replacement).
  const order = facts.map((f) => f.id);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const queries: CorpusQuery[] = order.slice(0, options.queries).map((factId, id) => {
    const fact = facts[factId] as Fact;
    const template = TEMPLATES.find((t) => t.kind === fact.kind) as Template;
    return {
      id,
      text: template.query(fact.slots, r),
      fact: factId,
      kind: fact.kind,
      relevant: fact.doc + 1,
    };
  });
  return { options, documents, facts, queries };
}

// --- descriptive statistics ------------------------------------------------------------------

const STOP = new Set(
  "a an the of in at on to from by and or is was were be been what which who whom when how does did do that this their its it first name".split(
    " ",
  ),
);
const wordsOf = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/**
 * Share of a query's content words (stop words aside) that occur in its fact's sentence: the
 * lexical overlap the paraphrase leaves (entity names always overlap).
 */
export function lexicalOverlap(query: string, sentence: string): number {
  const inSentence = new Set(wordsOf(sentence));
  const content = [...new Set(wordsOf(query).filter((w) => !STOP.has(w)))];
  if (content.length === 0) return 0;
  return content.filter((w) => inSentence.has(w)).length / content.length;
}

export function describe(corpus: Corpus) {
  const chars = corpus.documents.map((d) => d.text.length);
  const overlap = corpus.queries.map((q) =>
    lexicalOverlap(q.text, corpus.facts[q.fact]?.sentence ?? ""),
  );
  const vocabulary = new Set(corpus.documents.flatMap((d) => wordsOf(d.text)));
  const kinds: Record<string, number> = {};
  for (const q of corpus.queries) kinds[q.kind] = (kinds[q.kind] ?? 0) + 1;
  return {
    documents: corpus.documents.length,
    facts: corpus.facts.length,
    distractors: corpus.facts.reduce((s, f) => s + f.distractors.length, 0),
    queries: corpus.queries.length,
    meanChars: chars.reduce((a, b) => a + b, 0) / chars.length,
    minChars: Math.min(...chars),
    maxChars: Math.max(...chars),
    vocabulary: vocabulary.size,
    meanOverlap: overlap.reduce((a, b) => a + b, 0) / Math.max(1, overlap.length),
    queryKinds: kinds,
  };
}
