// Deliberate mistakes, one per line below the marker: tsc must refuse each, at the named param.
import { createPrometheus } from "./prometheus";

const client = createPrometheus();

export async function page(): Promise<void> {
  const card = await Prometheus.call("srs.new_card", {});
  // MISTAKES
  await Prometheus.call("core.stats", { values: "1,2,3" }); // values
  await Prometheus.call("quantum.run", { qasm: "OPENQASM 2.0;", shots: "many" }); // shots
  await Prometheus.call("learn.add_cards", { cards: [{ front: 1, back: "b" }] }); // front
  await client.call("graph.run", { query: "RETURN 1", parametrs: {} }); // parametrs
  await Prometheus.call("srs.review", { card, rating: 5 }); // rating
  await Prometheus.call("infer.index_add", { ids: ["a"], texts: ["x"], existing: "overwrite" }); // existing
  const vectors: number[][] = await Prometheus.call("infer.embed", { texts: ["a"] }); // vectors
  await Prometheus.call("core.stats", {}); // values
  await Prometheus.call("core.nothere"); // core.nothere
}
