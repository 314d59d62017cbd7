/**
 * A node's insights by id. Nodes carry a handful at most, most of them one (a tagged resource's `hasTags`), so the
 * first is held directly and any others in a short list; a million `Map`s, or arrays, cost more than the rest of the
 * nodes did.
 */
import type { Insight } from './model.js';

export class NodeInsights {
  private first: Insight | undefined;
  private rest: Insight[] | undefined;

  get size(): number {
    return this.first === undefined ? 0 : 1 + (this.rest === undefined ? 0 : this.rest.length);
  }

  get(id: string): Insight | undefined {
    if (this.first === undefined) return undefined;
    if (this.first.id === id) return this.first;
    const rest = this.rest;
    if (rest !== undefined) for (let i = 0; i < rest.length; i++) if (rest[i].id === id) return rest[i];
    return undefined;
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds the insight, or replaces the one with its id where it stands; true when the id is new. */
  put(insight: Insight): boolean {
    if (this.first === undefined) {
      this.first = insight;
      return true;
    }
    if (this.first.id === insight.id) {
      this.first = insight;
      return false;
    }
    const rest = this.rest;
    if (rest === undefined) {
      this.rest = [insight];
      return true;
    }
    for (let i = 0; i < rest.length; i++) {
      if (rest[i].id === insight.id) {
        rest[i] = insight;
        return false;
      }
    }
    // A copy of the exact length: \`push\` would give a short list room for sixteen more (about 150 bytes a node).
    this.rest = rest.concat(insight);
    return true;
  }

  *values(): IterableIterator<Insight> {
    if (this.first === undefined) return;
    yield this.first;
    if (this.rest !== undefined) yield* this.rest;
  }

  *keys(): IterableIterator<string> {
    for (const insight of this.values()) yield insight.id;
  }

  *entries(): IterableIterator<[string, Insight]> {
    for (const insight of this.values()) yield [insight.id, insight];
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
