/**
 * A collection that remembers every version of every item, so delta queries can answer "what
 * changed in this scope since sequence number X" exactly, including items that moved out of the
 * scope (Graph reports those as `@removed` too).
 */
export interface Clock {
  now(): number;
  tick(): number;
}

export class SequenceClock implements Clock {
  private seq = 0;
  now(): number { return this.seq; }
  tick(): number { return ++this.seq; }
}

interface Version<T> {
  seq: number;
  value: T | null;
}

export type DeltaChange<T> = { kind: 'item'; id: string; seq: number; value: T } | { kind: 'removed'; id: string; seq: number };

export class TrackedCollection<T extends { id: string }> {
  private readonly history = new Map<string, Version<T>[]>();

  constructor(private readonly clock: Clock) {}

  get(id: string): T | undefined {
    const versions = this.history.get(id);
    const last = versions?.[versions.length - 1];
    return last?.value ? copy(last.value) : undefined;
  }

  /** The last live version, also for deleted items (notifications for deletions need the folder). */
  lastKnown(id: string): T | undefined {
    const versions = this.history.get(id) ?? [];
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i].value;
      if (v) return copy(v);
    }
    return undefined;
  }

  /** Sequence number of the item's first version (0 if unknown): "created after X" for delta filters. */
  createdSeq(id: string): number {
    return this.history.get(id)?.[0]?.seq ?? 0;
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /**
   * Live items in creation order. `readOnly`: the stored objects themselves, for a caller that
   * only filters, sorts and projects them (a listing page copies 100 of 50,000, not all of them).
   */
  list(filter: (item: T) => boolean = () => true, readOnly = false): T[] {
    const out: T[] = [];
    for (const versions of this.history.values()) {
      const last = versions[versions.length - 1];
      if (last.value && filter(last.value)) out.push(readOnly ? last.value : copy(last.value));
    }
    return out;
  }

  put(value: T): T {
    const seq = this.clock.tick();
    const versions = this.history.get(value.id) ?? [];
    versions.push({ seq, value: copy(value) });
    this.history.set(value.id, versions);
    return copy(value);
  }

  remove(id: string): T | undefined {
    const current = this.get(id);
    if (!current) return undefined;
    this.history.get(id)!.push({ seq: this.clock.tick(), value: null });
    return current;
  }

  /**
   * Changes in `inScope` after `since` up to `upTo`, ordered by sequence. `since` 0 means an
   * initial sync: the scope's content at `upTo`, without removals.
   */
  changes(since: number, upTo: number, inScope: (item: T) => boolean, readOnly = false): DeltaChange<T>[] {
    const take = readOnly ? <V>(v: V): V => v : copy;
    const out: DeltaChange<T>[] = [];
    for (const [id, versions] of this.history) {
      const atEnd = versionAt(versions, upTo);
      if (since === 0) {
        if (atEnd?.value && inScope(atEnd.value)) out.push({ kind: 'item', id, seq: atEnd.seq, value: take(atEnd.value) });
        continue;
      }
      const changed = versions.filter((v) => v.seq > since && v.seq <= upTo);
      if (changed.length === 0) continue;
      const last = changed[changed.length - 1];
      if (last.value && inScope(last.value)) {
        out.push({ kind: 'item', id, seq: last.seq, value: take(last.value) });
        continue;
      }
      const atStart = versionAt(versions, since);
      const wasInScope = (atStart?.value && inScope(atStart.value)) || changed.some((v) => v.value && inScope(v.value));
      if (wasInScope) out.push({ kind: 'removed', id, seq: last.seq });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }
}

function versionAt<T>(versions: Version<T>[], seq: number): Version<T> | undefined {
  let found: Version<T> | undefined;
  for (const v of versions) {
    if (v.seq <= seq) found = v;
    else break;
  }
  return found;
}

function copy<T>(value: T): T {
  return structuredClone(value);
}
