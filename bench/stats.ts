import { TableClient } from '@azure/data-tables';

/** Small helpers shared by the benchmarks: percentiles, a fixed-width table, and the entry point. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]) => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** Runs a benchmark as a program: prints its title and table, or the error with a failing exit code. */
export function report(title: string, run: () => Promise<string>): void {
  run().then(
    (out) => console.log(`${title}\n${out}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** Table Storage requests made by the code under test (Azurite answers in the same process). */
export const tableRequests = { n: 0, by: {} as Record<string, number> };

export function countTableRequests(): void {
  const proto = TableClient.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  // A transaction builds its operations through a TableClient of its own, synchronously, before
  // its one request: those are not requests.
  let building = false;
  for (const name of ['createEntity', 'updateEntity', 'upsertEntity', 'deleteEntity', 'getEntity', 'submitTransaction', 'createTable']) {
    const original = proto[name];
    proto[name] = function (this: unknown, ...args: unknown[]) {
      if (building) return original.apply(this, args);
      tableRequests.n++;
      const t = `${(this as { tableName: string }).tableName}.${name}`;
      tableRequests.by[t] = (tableRequests.by[t] ?? 0) + 1;
      if (name !== 'submitTransaction') return original.apply(this, args);
      building = true;
      try {
        return original.apply(this, args);
      } finally {
        building = false;
      }
    };
  }
  const list = proto.listEntities;
  proto.listEntities = function (this: unknown, ...args: unknown[]) {
    const iterator = list.apply(this, args) as AsyncIterableIterator<unknown> & { byPage(settings?: unknown): AsyncIterableIterator<unknown[]> };
    const byPage = iterator.byPage.bind(iterator);
    const t = `${(this as { tableName: string }).tableName}.list`;
    tableRequests.by[t] = (tableRequests.by[t] ?? 0) + 1;
    // Entities are read a page (one request) at a time: count pages, whichever way they are consumed.
    return {
      ...iterator,
      byPage: (settings?: unknown) => countPages(byPage(settings)),
      [Symbol.asyncIterator]: async function* () {
        for await (const page of countPages(byPage())) yield* page;
      },
    };
  };
}

async function* countPages<T>(pages: AsyncIterableIterator<T[]>): AsyncIterableIterator<T[]> {
  for await (const page of pages) {
    tableRequests.n++;
    yield page;
  }
}
