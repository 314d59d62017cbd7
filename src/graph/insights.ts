/**
 * A node's insights by id. Nodes carry a handful at most, so a short list serves lookups; a million `Map`s (one per
 * tagged resource) cost more than the rest of the nodes did.
 */
import type { Insight } from './model.js';

export class NodeInsights {
  constructor(private readonly list: Insight[] = []) {}

  get size(): number {
    return this.list.length;
  }

  get(id: string): Insight | undefined {
    const list = this.list;
    for (let i = 0; i < list.length; i++) if (list[i].id === id) return list[i];
    return undefined;
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds the insight, or replaces the one with its id where it stands; true when the id is new. */
  put(insight: Insight): boolean {
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      if (list[i].id === insight.id) {
        list[i] = insight;
        return false;
      }
    }
    list.push(insight);
    return true;
  }

  *keys(): IterableIterator<string> {
    for (const insight of this.list) yield insight.id;
  }

  values(): IterableIterator<Insight> {
    return this.list.values();
  }

  *entries(): IterableIterator<[string, Insight]> {
    for (const insight of this.list) yield [insight.id, insight];
  }

  [Symbol.iterator](): IterableIterator<[string, Insight]> {
    return this.entries();
  }
}

/** The insights of a node without any (shared; `SecurityGraph.addInsight` gives a node its own). */
export const NO_INSIGHTS: NodeInsights = new (class extends NodeInsights {
  override put(): boolean {
    throw new Error('insights are added with SecurityGraph.addInsight');
  }
})();
