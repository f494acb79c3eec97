// Scheduling throughput of ts-fsrs (the npm peer) on the same workload as bench/srs/run.py:
// CARDS cards x REVIEWS reviews each, ratings from a fixed cycle, each review at the due time.
// Prints one JSON line: {"reviews": n, "seconds": s}.
import { fsrs, generatorParameters, createEmptyCard } from "ts-fsrs";

const [cards, reviews, repeats] = process.argv.slice(2).map(Number);
const f = fsrs(generatorParameters({ enable_fuzz: false }));
const pattern = [3, 3, 1, 3, 2, 4, 3, 3, 1, 3];
const start = new Date(Date.UTC(2024, 0, 1, 8, 0, 0));
let best = Infinity;
for (let rep = 0; rep < repeats; rep++) {
  const t0 = process.hrtime.bigint();
  for (let c = 0; c < cards; c++) {
    let card = createEmptyCard(start);
    let now = start;
    for (let r = 0; r < reviews; r++) {
      card = f.next(card, now, pattern[(c + r) % pattern.length]).card;
      now = card.due;
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  best = Math.min(best, seconds);
}
console.log(JSON.stringify({ reviews: cards * reviews, seconds: best }));
