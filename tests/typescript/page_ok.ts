// A page written against prometheus.d.ts: every call here must type-check (tsc --noEmit).
import { createPrometheus, PrometheusError } from "./prometheus";
import type { CallOptions, Capabilities, QueryResult, RunResult } from "./prometheus";

const client = createPrometheus({ store: "typescript-check", persist: false });
const abort = new AbortController();
const options: CallOptions = { signal: abort.signal, timeout: 5000, onProgress: ({ stage, fraction }) => console.log(stage, fraction) };

export async function page(): Promise<void> {
  const caps: Capabilities = await Prometheus.ready;
  const isolated: boolean = caps.crossOriginIsolated;
  Prometheus.on("progress", ({ stage, fraction }) => console.log(stage, fraction * 100, isolated));
  Prometheus.on("error", (error) => console.error(error.type, error.line ?? 0));

  const version: string = await Prometheus.call("version");
  const stats = await Prometheus.call("core.stats", { values: [1, 2, 3.5] });
  const mean: number = stats.mean + stats.std;

  const rows: QueryResult = await client.call("graph.run", { query: "MATCH (n) RETURN n", parameters: { limit: 3 } });
  const keys: string[] = rows.keys;
  await client.call("graph.stats");

  const run: RunResult = await Prometheus.call("quantum.run", { qasm: "OPENQASM 2.0;", shots: 100, dtype: "complex64", observables: { ZZ: 1 } }, options);
  const counts: Record<string, number> | undefined = run.counts;

  const vectors: Float32Array = await Prometheus.call("infer.embed", { texts: ["a qubit", "a bit"] });
  const hits = await Prometheus.call("infer.search", { query: "superposition", k: 3 });
  const best: string | number | undefined = hits[0]?.id;
  await Prometheus.call("infer.index_add", { ids: ["a", 2], texts: ["x", "y"], vectors: new Float32Array(768).buffer, existing: "replace" });

  const added = await Prometheus.call("learn.add_cards", { cards: [{ front: "H|0>", back: "|+>", concepts: ["hadamard"] }, { kind: "cloze", text: "{{c1::two}} states" }], now: Date.now() });
  await Prometheus.call("learn.answer", { card_id: added.ids[0], rating: "good", now: "2024-06-03T09:00:00+00:00" });
  const next = await Prometheus.call("learn.next");
  if (next !== null) console.log(next["id"]);

  const card = await Prometheus.call("srs.new_card", {});
  const reviewed = await Prometheus.call("srs.review", { card, rating: 3, scheduler: { desired_retention: 0.9 } });
  const due: string = reviewed.card.due;

  const file: Uint8Array = await Prometheus.call("store.export");
  await Prometheus.call("store.import", { data: file });
  await Prometheus.call("settings.set", { values: { theme: "dark", volume: 3 } });

  try {
    await Prometheus.call("graph.run", { query: "RETURN (" });
  } catch (error) {
    if (error instanceof PrometheusError && error.line !== undefined && error.column !== undefined) {
      const where: string = `${error.type} at ${error.line}:${error.column} (${error.tckType ?? ""} ${error.phase ?? ""})`;
      console.log(where);
    }
  }
  const sdk = PrometheusSDK.PrometheusClient;
  console.log(version, mean, keys, counts, vectors.length, best, due, file.byteLength, sdk.name);
  abort.abort();
  client.terminate();
}
