/**
 * A node's insights by id. Nodes carry a handful at most, most of them one (a tagged resource's `hasTags`), so the
 * first is held directly and any others in a short list; a million `Map`s, or arrays, cost more than the rest of the
 * nodes did. `hasTags` is held as the tags themselves (its value): a million insight objects made for it cost more
 * than the one made on each read of it.
 */
import type { Insight } from './model.js';

export const HAS_TAGS = 'hasTags';

/** The insight object of each id without a value (shared: insights are never changed once added). */
const bareInsights = new Map<string, Insight>();
function bareInsight(id: string): Insight {
  let insight = bareInsights.get(id);
  if (insight === undefined) bareInsights.set(id, (insight = Object.freeze({ id })));
  return insight;
}

export class NodeInsights {
  private first: Insight | undefined;
  private rest: Insight[] | undefined;
  private tags: object | undefined;

  get size(): number {
    return (this.tags === undefined ? 0 : 1) + (this.first === undefined ? 0 : 1 + (this.rest === undefined ? 0 : this.rest.length));
  }

  get(id: string): Insight | undefined {
    if (id === HAS_TAGS && this.tags !== undefined) return { id: HAS_TAGS, value: this.tags };
    if (this.first === undefined) return undefined;
    if (this.first.id === id) return this.first;
    const rest = this.rest;
    if (rest !== undefined) for (let i = 0; i < rest.length; i++) if (rest[i].id === id) return rest[i];
    return undefined;
  }

  has(id: string): boolean {
    if (id === HAS_TAGS && this.tags !== undefined) return true;
    return this.get(id) !== undefined;
  }

  /**
   * Adds the insight `id` with `value`, or replaces the one with that id where it stands; true when the id is new.
   * An insight without a value is one shared object per id; `hasTags` with an object value is held as that object.
   */
  add(id: string, value?: unknown): boolean {
    if (id === HAS_TAGS && value !== null && typeof value === 'object') return this.setTags(value);
    return this.put(value === undefined ? bareInsight(id) : { id, value });
  }

  private setTags(tags: object): boolean {
    if (this.tags === undefined && this.get(HAS_TAGS) !== undefined) {
      // Held as an insight object already (a value that was not an object): replaced where it stands.
      this.put({ id: HAS_TAGS, value: tags });
      return false;
    }
    const added = this.tags === undefined;
    this.tags = tags;
    return added;
  }

  private put(insight: Insight): boolean {
    if (insight.id === HAS_TAGS && this.tags !== undefined) {
      this.tags = undefined;
      this.put(insight);
      return false;
    }
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
    // A copy of the exact length: `push` would give a short list room for sixteen more (about 150 bytes a node).
    this.rest = rest.concat(insight);
    return true;
  }

  *values(): IterableIterator<Insight> {
    if (this.first !== undefined) {
      yield this.first;
      if (this.rest !== undefined) yield* this.rest;
    }
    if (this.tags !== undefined) yield { id: HAS_TAGS, value: this.tags };
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
  override add(): boolean {
    throw new Error('insights are added with SecurityGraph.addInsight');
  }
})();
