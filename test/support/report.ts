/**
 * A resync report as the tests read it: the status of `GET /api/resync/{jobId}` (counts only) with
 * every line of the run paged in through `?items=all&continuationToken=` and put back under its
 * user and module, so a test can assert both the counts and the lines.
 */
import type { ModuleReport, ResyncReport, UserReport } from '../../lib/resync/report';
import type { ItemResult, ReportItem } from '../../lib/state/runs';

export type ReportLine = Omit<ReportItem, 'runId'>;
type Lists = Record<Exclude<ItemResult, 'unchanged'>, ReportLine[]>;
export type ModuleWithLines = ModuleReport & Lists;
export type ReportWithLines = Omit<ResyncReport, 'users'> & { users: (Omit<UserReport, 'modules'> & { modules: ModuleWithLines[] })[] };

export async function readReport(baseUrl: string, jobId: string, query = ''): Promise<ReportWithLines> {
  const url = (extra: string) => `${baseUrl}/api/resync/${jobId}?${[query, extra].filter(Boolean).join('&')}`;
  const status = await fetch(url(''));
  if (status.status !== 200) throw new Error(`GET resync/${jobId} answered ${status.status}: ${await status.text()}`);
  const report = (await status.json()) as ResyncReport;
  const lines: ReportLine[] = [];
  let token: string | undefined;
  do {
    const page = (await (await fetch(url(`items=all&top=1000${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`))).json()) as { items: ReportLine[]; continuationToken?: string };
    lines.push(...page.items);
    token = page.continuationToken;
  } while (token);
  return {
    ...report,
    users: report.users.map((u) => ({
      ...u,
      modules: u.modules.map((m) => {
        const mine = lines.filter((l) => (l.userId === u.userId || (!u.userId && l.userId === u.user)) && l.module === m.module);
        const of = (result: ItemResult) => mine.filter((l) => l.result === result);
        return { ...m, added: of('added'), updated: of('updated'), deleted: of('deleted'), skipped: of('skipped') };
      }),
    })),
  };
}
