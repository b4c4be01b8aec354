import { MAX_TRANSACTION_OPERATIONS, transactionChunks } from '../../lib/state/transactions';

type Row = { partitionKey: string; rowKey: string; data?: string };
const row = (partitionKey: string, rowKey: string, data?: string): Row => ({ partitionKey, rowKey, ...(data ? { data } : {}) });
const keys = (chunks: Row[][]) => chunks.map((c) => c.map((r) => `${r.partitionKey}/${r.rowKey}`));

describe('transactionChunks (what one Azure Table transaction may hold)', () => {
  it('keeps each partition apart, in order', () => {
    const rows = [row('a', '1'), row('b', '1'), row('a', '2'), row('b', '2')];
    expect(keys(transactionChunks(rows, (r) => r))).toEqual([['a/1', 'a/2'], ['b/1', 'b/2']]);
  });

  it('holds at most 100 operations', () => {
    const rows = Array.from({ length: 250 }, (_, i) => row('p', String(i)));
    const chunks = transactionChunks(rows, (r) => r);
    expect(chunks.map((c) => c.length)).toEqual([MAX_TRANSACTION_OPERATIONS, MAX_TRANSACTION_OPERATIONS, 50]);
    expect(chunks.flat()).toEqual(rows);
  });

  it('never names one row twice in a transaction (Azure refuses it); the later one comes after', () => {
    const rows = [row('p', '1', 'old'), row('p', '2'), row('p', '1', 'new')];
    const chunks = transactionChunks(rows, (r) => r);
    expect(keys(chunks)).toEqual([['p/1', 'p/2'], ['p/1']]);
    expect(chunks[1][0].data).toBe('new');
  });

  it('stays under 4 MiB per request', () => {
    const big = 'x'.repeat(60_000);
    const rows = Array.from({ length: 100 }, (_, i) => row('p', String(i), big));
    const chunks = transactionChunks(rows, (r) => r);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)), 0)).toBeLessThan(4 * 1024 * 1024);
    expect(chunks.flat()).toEqual(rows);
  });

  it('answers nothing for nothing', () => {
    expect(transactionChunks([], (r: Row) => r)).toEqual([]);
  });
});
